// The CLI's program: `promoter --help` loads no verb module (so it starts fast), --version, the global
// --address/--namespace flags, bash completion, and --json on every verb that changes or reads something.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bashScript, completionWords } from '../../client/commands/completion.js';
import { temporalSettings } from '../../client/connection.js';
import { buildProgram, verbOf } from '../../client/program.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { runVerb } from '../helpers/cli-inproc.js';

/** Every module client/main.ts loads before it runs anything: its static (not type-only, not dynamic) imports. */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) staticImports(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen);
    else seen.add(spec);
  }
  return seen;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('start-up', () => {
  it('promoter --help loads no verb module and none of their heavy dependencies', () => {
    const loaded = [...staticImports(join(ROOT, 'client', 'main.ts'))].map((f) => f.replace(`${ROOT}/`, ''));
    expect(loaded.filter((f) => f.startsWith('client/commands/'))).toEqual([]);
    expect(loaded.filter((f) => /^(@temporalio|axios|zod|yaml|cli-table3)/.test(f))).toEqual([]);
    expect(loaded.filter((f) => !f.startsWith('client/') && !f.startsWith('node:'))).toEqual(['commander']);
  });

  it('--help lists every verb, each with its line', async () => {
    const r = await runVerb(['--help']);
    expect(r.code).toBe(0);
    for (const v of ['status', 'unapprove', 'unwaive', 'history', 'schedule', 'completion'])
      expect(r.stdout).toMatch(new RegExp(`^  ${v} `, 'm'));
  });

  it('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runVerb(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('finds the verb after global options and their values', () => {
    expect(verbOf(['--address', 'status', 'explain', 'x'])).toBe('explain');
    expect(verbOf(['--namespace', 'ns', 'help', 'schedule'])).toBe('schedule');
    expect(verbOf(['--help'])).toBeNull();
    expect(verbOf(['frobnicate'])).toBeNull();
  });
});

describe('global flags', () => {
  it('--address and --namespace win over TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE', async () => {
    vi.stubEnv('TEMPORAL_ADDRESS', 'env-host:7233');
    vi.stubEnv('TEMPORAL_NAMESPACE', 'env-ns');
    const r = await runVerb(['completion', 'bash', '--address', 'flag-host:7234', '--namespace', 'flag-ns']);
    expect(r.code).toBe(0);
    expect(temporalSettings()).toMatchObject({ address: 'flag-host:7234', namespace: 'flag-ns' });
  });
});

describe('completion', () => {
  it('bash: completes verbs, sub-verbs and the options of each', async () => {
    const program = await buildProgram('all');
    const words = completionWords(program);
    expect(words.get('')).toEqual(expect.arrayContaining(['status', 'unapprove', 'history', '--address', '--version']));
    expect(words.get('schedule')).toEqual(expect.arrayContaining(['create', 'backfill', 'delete']));
    expect(words.get('schedule backfill')).toEqual(expect.arrayContaining(['--from', '--to', '--json']));
    const script = bashScript(program);
    expect(script).toContain('complete -o default -F _promoter promoter');
    expect(script).toContain('"schedule backfill") path="schedule backfill"');
  });

  it('refuses a shell it does not know', async () => {
    const r = await runVerb(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('<shell>: only bash is supported');
  });
});

describe('--json', () => {
  /** Verbs that print no data: a script, a file as YAML, a workflow started or stopped. */
  const TEXT_ONLY = ['completion', 'config convert', 'shadow start', 'shadow stop'];

  it('every other verb takes --json', async () => {
    const program = await buildProgram('all');
    const missing: string[] = [];
    const walk = (c: typeof program, path: string[]) => {
      if (!c.commands.length && path.length && !TEXT_ONLY.includes(path.join(' ')))
        if (!c.options.some((o) => o.long === '--json')) missing.push(path.join(' '));
      for (const s of c.commands) walk(s, [...path, s.name()]);
    };
    walk(program, []);
    expect(missing).toEqual([]);
  });
});
