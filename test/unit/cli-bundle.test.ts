// What bin/promoter.js runs: the CLI bundle when it is newer than every source it was built from, else the sources
// through tsx when a checkout has it, else (a production install) the bundle whatever the file times say. Checked
// in a scratch checkout with a stand-in bundle and stand-in sources that say which one ran.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
// @ts-expect-error plain JavaScript, no declarations
import { bundleState } from '../../bin/cli-bundle.js';

const state = bundleState as (root: string) => { file: string; stale: boolean } | null;
let root: string;
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-02T00:00:00Z');

function write(path: string, text: string, time = T0) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
  utimesSync(join(root, path), time, time);
}

/** A build made at T1 from client/main.ts and domain/a.ts. */
function build() {
  write('dist/cli/promoter.cjs', "console.log('bundle', process.argv.slice(2).join(' '));\n", T1);
  write('dist/cli/inputs.json', JSON.stringify(['client/main.ts', 'domain/a.ts']), T1);
}

function promoter(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'promoter.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}
const withTsx = () => symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cli-bundle-'));
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  write('package.json', '{ "type": "module" }');
  write('client/main.ts', "console.log('sources', process.argv.slice(2).join(' '));\n");
  write('domain/a.ts', 'export const a = 1;\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('bundleState', () => {
  it('no build: null', () => {
    expect(state(root)).toBeNull();
  });

  it('fresh when every source is older than the bundle; stale once one is newer', () => {
    build();
    expect(state(root)).toEqual({ file: join(root, 'dist', 'cli', 'promoter.cjs'), stale: false });
    write('domain/a.ts', 'export const a = 2;\n', new Date(T1.getTime() + 1000));
    expect(state(root)?.stale).toBe(true);
  });

  it('a source that is gone does not count (dist/ shipped alone); a build without its list is stale', () => {
    build();
    rmSync(join(root, 'domain'), { recursive: true });
    expect(state(root)?.stale).toBe(false);
    rmSync(join(root, 'dist', 'cli', 'inputs.json'));
    expect(state(root)?.stale).toBe(true);
  });
});

describe('bin/promoter.js', () => {
  it('runs a fresh bundle, with the arguments', () => {
    build();
    withTsx();
    expect(promoter('status', '--json')).toMatchObject({ code: 0, out: 'bundle status --json' });
  });

  it('runs the sources through tsx when a source changed after the build', () => {
    build();
    withTsx();
    write('client/main.ts', "console.log('sources', process.argv.slice(2).join(' '));\n", new Date());
    expect(promoter('--help')).toMatchObject({ code: 0, out: 'sources --help' });
  });

  it('without tsx (a production install) runs the bundle even when the file times say stale', () => {
    build();
    write('domain/a.ts', 'export const a = 2;\n', new Date());
    expect(promoter('--version')).toMatchObject({ code: 0, out: 'bundle --version' });
  });

  it('with tsx but without the sources (dist/ shipped alone) runs the bundle even when it looks stale', () => {
    build();
    withTsx();
    write('domain/a.ts', 'export const a = 2;\n', new Date());
    rmSync(join(root, 'client'), { recursive: true });
    expect(promoter('--version')).toMatchObject({ code: 0, out: 'bundle --version' });
  });

  it('without a build: the sources through tsx, or one clear error when there is no tsx either', () => {
    expect(promoter('x')).toMatchObject({ code: 1, out: '' });
    expect(promoter('x').err).toBe(
      'promoter: no CLI build (dist/cli/promoter.cjs) and no tsx to run the sources: run `npm run build`',
    );
    withTsx();
    expect(promoter('x')).toMatchObject({ code: 0, out: 'sources x' });
  });
});
