// Every example of the README's operator guide, run as written (through bash, so quoting is the README's) against
// the test stack in the state `npm run sandbox` leaves (fresh sandbox data, one promotion pass), and its output
// compared with the README's. The README marks these blocks with <!-- readme-examples -->; a line starting `$ `
// is a command, the lines under it its output: ISO times and 127.0.0.1 ports stand for any, a line ending in `…`
// was cut there, and runs of spaces are table padding.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { runPassUpdate } from '../../workflows/contract.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { runCli } from '../helpers/cli-runner.js';
import { freshRelease } from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';
import { Distro, Release } from '../../workflows/search-attributes.js';

interface Example {
  command: string;
  output: string[];
}

/** The examples of every marked block, in order. */
function readmeExamples(markdown: string): Example[] {
  const out: Example[] = [];
  for (const block of markdown.matchAll(/<!-- readme-examples -->\s*```[a-z]*\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      if (line.startsWith('$ ')) out.push({ command: line.slice(2), output: [] });
      else if (out.length) out.at(-1)!.output.push(line);
    }
  }
  return out;
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z/g;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A README output line as a pattern for the real one. */
function linePattern(line: string): RegExp {
  const cut = line.endsWith('…');
  const body = cut ? line.slice(0, -1) : line;
  const re = body
    .split(ISO)
    .map((p) =>
      escape(p)
        .replace(/127\\\.0\\\.0\\\.1:\d+/g, '127\\.0\\.0\\.1:\\d+')
        .replace(/ {2,}/g, ' +')
        .replace(/…/g, '.*'),
    )
    .join(ISO.source);
  return new RegExp(`^${re}${cut ? '.*' : ' *'}$`);
}

/** Which README lines the real output does not match, as "README line / got line". */
function mismatches(expected: string[], actual: string[]): string[] {
  const bad: string[] = [];
  const trimmed = [...expected];
  while (trimmed.length && trimmed.at(-1) === '') trimmed.pop();
  const got = [...actual];
  while (got.length && got.at(-1) === '') got.pop();
  for (let i = 0; i < Math.max(trimmed.length, got.length); i++) {
    const e = trimmed[i];
    const a = got[i];
    if (e === undefined || a === undefined || !linePattern(e).test(a))
      bad.push(`README: ${e ?? '(nothing)'}\n   got: ${a ?? '(nothing)'}`);
  }
  return bad;
}

/** Runs a command line through bash, without blocking this process (the worker the commands need runs here). */
function shell(
  command: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
let h: TemporalHarness;
let bin: string;

beforeAll(async () => {
  h = await temporalHarness();
  // `promoter` on the PATH as `npm link` puts it there; `temporal` as scripts/install.sh installs it.
  bin = mkdtempSync(join(tmpdir(), 'readme-bin-'));
  writeFileSync(join(bin, 'promoter'), `#!/bin/sh\nexec node ${join(ROOT, 'bin', 'promoter.js')} "$@"\n`);
  chmodSync(join(bin, 'promoter'), 0o755);
  await freshRelease(h.client, 'wallaby');
}, 300_000);

afterAll(async () => {
  await h?.client.schedule
    .getHandle('promoter/wallaby/centos9')
    .delete()
    .catch(() => undefined);
  await h?.client.workflow
    .getHandle(releaseWorkflowId('wallaby', 'centos9'))
    .terminate('test done')
    .catch(() => undefined);
  await h?.close();
});

describe('README examples', () => {
  it('finds the marked examples', () => {
    expect(readmeExamples(README).length).toBeGreaterThanOrEqual(10);
  });

  it('every example reproduces as written on the state npm run sandbox leaves', async () => {
    const env = {
      ...process.env,
      ...testStack().env,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TEMPORAL_ADDRESS: testStack().temporalAddress,
      PATH: `${bin}:${join(ROOT, '.tools', 'venv-temporal', 'bin')}:${process.env.PATH}`,
      USER: 'amy',
      NO_COLOR: '1',
    };
    const problems = await h.withWorker(async () => {
      // what client/sandbox-run.ts does for wallaby: one pass through its release controller
      const controller = await h.client.workflow.start('releaseController', {
        taskQueue: h.taskQueue,
        workflowId: releaseWorkflowId('wallaby', 'centos9'),
        args: [{ release: 'wallaby', distro: 'centos9' }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [
          { key: Release, value: 'wallaby' },
          { key: Distro, value: 'centos9' },
        ],
      });
      await controller.executeUpdate(runPassUpdate, { args: [{ reason: 'sandbox run' }] });
      const out: string[] = [];
      for (const ex of readmeExamples(README)) {
        const r = await shell(ex.command, env);
        const lines = `${r.stdout}${r.stderr}`.split('\n');
        const bad = mismatches(ex.output, lines);
        if (bad.length) out.push(`$ ${ex.command} (exit ${r.status})\n${bad.join('\n')}`);
      }
      return out;
    });
    expect(problems.join('\n\n')).toBe('');
  }, 400_000);
});

describe('unknown labels and hashes, on the same state', () => {
  const WALLABY = join(ROOT, 'config', 'sandbox', 'wallaby.yaml');
  const UNKNOWN = `${'0'.repeat(40)}_${'1'.repeat(8)}`;
  const cli = (...args: string[]) => runCli(args, { TEMPORAL_TASK_QUEUE: h.taskQueue });

  it.each([
    [
      'approve of a hash DLRN does not have',
      ['approve', '--label', 'current-tripleo', '--hash', UNKNOWN, '--why', 'w', '-c', WALLABY],
      `--hash: ${UNKNOWN} is not a candidate in DLRN`,
    ],
    [
      'waive of a hash DLRN does not have',
      [
        'waive',
        '--job',
        'periodic-tripleo-ci-centos-9-standalone-wallaby',
        '--hash',
        UNKNOWN,
        '--for',
        '1h',
        '--why',
        'w',
        '-c',
        WALLABY,
      ],
      'latest promotions of tripleo-ci-testing',
    ],
    [
      'promotions of a label no release names',
      ['promotions', '--label', 'current-tripleo-typo', '-c', WALLABY],
      '--label: DLRN http://',
    ],
  ])(
    'refuses %s (exit 2, nothing on stdout)',
    async (_, args, message) => {
      const r = await cli(...args);
      expect(r.stderr).toContain(message);
      expect(r).toMatchObject({ code: 2, stdout: '' });
    },
    60_000,
  );
});
