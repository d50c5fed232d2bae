// The deploy recipes in config/deploy/: the systemd unit (checked by systemd-analyze verify and parsed) with its
// environment file, and the Containerfile. No container engine runs on these machines, so the image recipe is
// checked statically: what it installs, which user it runs as and what it starts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { shutdownOptions } from '../../worker/production.js';
import { PROCESS_SETTINGS } from '../../worker/tuning.js';

const DEPLOY = join(ROOT, 'config', 'deploy');
const UNIT = join(DEPLOY, 'rdo-promoter-worker.service');
const ENV_FILE = join(DEPLOY, 'rdo-promoter-worker.env');
const CONTAINERFILE = join(DEPLOY, 'Containerfile');

type Unit = Record<string, Record<string, string[]>>;
/** systemd's format: [Section], Key=Value lines, a key may repeat (Environment=, LoadCredential=). */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!;
      unit[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    ((unit[section] ??= {})[key] ??= []).push(line.slice(eq + 1));
  }
  return unit;
}

/** KEY=VALUE lines (systemd's EnvironmentFile=). */
const parseEnv = (text: string): Record<string, string> =>
  Object.fromEntries([...text.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));

const seconds = (v: string) => Number(/^(\d+)s?$/.exec(v)?.[1] ?? NaN);

describe('systemd unit', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = unit.Service!;
  // Environment=NAME=value or Environment="NAME=value with spaces"
  const assignments = service.Environment!.map((e) => e.replace(/^"(.*)"$/, '$1'));
  const env = new Map(assignments.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const envFile = parseEnv(readFileSync(ENV_FILE, 'utf8'));

  it('passes systemd-analyze verify with no warning', () => {
    const hasTool = spawnSync('systemd-analyze', ['--version']).status === 0;
    // The tool exists on these machines (Debian's systemd); a test must not silently pass without it.
    expect(hasTool, 'systemd-analyze not found (apt-get install systemd)').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'unit-'));
    try {
      copyFileSync(UNIT, join(dir, 'rdo-promoter-worker.service'));
      const r = spawnSync('systemd-analyze', ['verify', join(dir, 'rdo-promoter-worker.service')], {
        encoding: 'utf8',
      });
      expect(r.stderr.trim()).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops gracefully: TimeoutStopSec outlasts the shutdown grace and the force time after it', () => {
    expect(service.KillSignal).toEqual(['SIGTERM']);
    expect(service.KillMode).toEqual(['mixed']);
    const { shutdownForceTime } = shutdownOptions({ PROMOTER_SHUTDOWN_GRACE: envFile.PROMOTER_SHUTDOWN_GRACE });
    expect(seconds(service.TimeoutStopSec![0]!) * 1000).toBeGreaterThan(Number(shutdownForceTime));
  });

  it('restarts on failure, with a start limit', () => {
    expect(service.Restart).toEqual(['on-failure']);
    expect(seconds(service.RestartSec![0]!)).toBeGreaterThan(0);
    expect(Number(unit.Unit!.StartLimitBurst![0])).toBeGreaterThan(0);
  });

  it('runs the compiled worker in production mode as its own user', () => {
    expect(service.ExecStart).toEqual(['/usr/bin/node /opt/rdo-promoter/dist/worker/main.js']);
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('NODE_OPTIONS')).toMatch(/--max-old-space-size=\d+/);
    expect(service.User![0]).not.toMatch(/^(root|0)$/);
  });

  it('starts the worker with its process settings (malloc, young generation: worker/tuning.ts)', () => {
    for (const [name, value] of Object.entries(PROCESS_SETTINGS.env)) expect(env.get(name)).toBe(value);
    expect(env.get('NODE_OPTIONS')!.split(' ')).toEqual(expect.arrayContaining([...PROCESS_SETTINGS.nodeOptions]));
  });

  it('reads every secret from a credential file, never from the environment file', () => {
    const creds = new Set(service.LoadCredential!.map((c) => c.slice(0, c.indexOf(':'))));
    const fileVars = [...env].filter(([k]) => /(_FILE|_KEY_PATH)$/.test(k));
    expect(fileVars.map(([k]) => k).sort()).toEqual([
      'DLRNAPI_PASSWORD_FILE',
      'IMAGE_SERVER_KEY_FILE',
      'TARGET_REGISTRY_PASSWORD_FILE',
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
    ]);
    for (const [name, value] of fileVars) {
      const m = /^%d\/(.+)$/.exec(value);
      expect(m, `${name} must point into the credentials directory (%d)`).not.toBeNull();
      expect(creds.has(m![1]!), `${name}: no LoadCredential=${m![1]}`).toBe(true);
    }
    for (const key of Object.keys(envFile)) expect(key).not.toMatch(/PASSWORD$|TOKEN$|API_KEY$|SECRET$/);
  });
});

/** Instructions of each stage: [instruction, arguments]. */
function stages(text: string): [string, string][][] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const out: [string, string][][] = [];
  for (const line of joined.split('\n')) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'FROM') out.push([]);
    out.at(-1)!.push([m[1]!, m[2]!]);
  }
  return out;
}

describe('Containerfile (static: no container engine here)', () => {
  const all = stages(readFileSync(CONTAINERFILE, 'utf8'));
  const final = all.at(-1)!;
  const args = (stage: [string, string][], instr: string) => stage.filter(([i]) => i === instr).map(([, a]) => a);

  it('builds on Debian (glibc) images only', () => {
    for (const stage of all) expect(stage[0]![1]).toMatch(/^docker\.io\/library\/node:\d+-(bookworm|bullseye)/);
  });

  it('builds the bundle in a build stage and ships only production dependencies', () => {
    expect(args(all[0]!, 'RUN')).toContain('npm run build');
    expect(args(final, 'RUN').some((r) => r.startsWith('npm ci --omit=dev'))).toBe(true);
    expect(args(final, 'RUN').some((r) => /npm ci(?!.*--omit=dev)/.test(r))).toBe(false);
    expect(args(final, 'COPY')).toContain('--from=build /src/dist dist');
  });

  it('runs the compiled worker as a non-root user, in production mode with a heap cap', () => {
    const user = args(final, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    // USER comes before CMD, after everything that needs root
    const lastRun = final.map(([i]) => i).lastIndexOf('RUN');
    expect(final.findIndex(([i]) => i === 'USER')).toBeGreaterThan(lastRun);
    expect(JSON.parse(args(final, 'CMD')[0]!)).toEqual(['node', 'dist/worker/main.js']);
    const env = args(final, 'ENV').join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/NODE_OPTIONS="?--max-old-space-size=\d+/);
  });

  it('starts the worker with its process settings (malloc, young generation: worker/tuning.ts)', () => {
    const env = args(final, 'ENV').join(' ');
    for (const [name, value] of Object.entries(PROCESS_SETTINGS.env)) expect(env).toContain(`${name}=${value}`);
    const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(env)?.[1]?.split(' ') ?? [];
    expect(nodeOptions).toEqual(expect.arrayContaining([...PROCESS_SETTINGS.nodeOptions]));
  });

  it('copies only files the repository has, and builds every source directory the compiled code needs', () => {
    const copied = all.flatMap((stage) =>
      args(stage, 'COPY')
        .filter((c) => !c.startsWith('--from'))
        .flatMap((c) => c.split(/\s+/).slice(0, -1)),
    );
    for (const src of copied) expect(existsSync(join(ROOT, src)), `COPY ${src}: not in the repository`).toBe(true);
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const dir of build.include) expect(copied, `tsconfig.build.json compiles ${dir}/`).toContain(dir);
  });
});
