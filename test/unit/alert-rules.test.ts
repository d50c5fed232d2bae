// The alert rules operators load (config/prometheus/alerts.yml): valid for Prometheus, every alert unit-tested by
// promtool over its scenarios (a deploy that must not page, the first failure of a new series, a stale label), and
// every promoter_ metric they query is one the worker exports.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../scripts/sandbox/stack-env.js';

const run = promisify(execFile);
const DIR = join(ROOT, 'config', 'prometheus');
const TESTS = ['alerts.test.yml', 'alerts-stale.test.yml'];
const promtool = (...args: string[]) => run('promtool', args, { cwd: DIR, timeout: 60_000 });

interface Rules {
  groups: { rules: { alert: string; expr: string; for?: string }[] }[];
}
const rules = () => (parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as Rules).groups.flatMap((g) => g.rules);

describe('config/prometheus/alerts.yml', () => {
  it('passes promtool check rules', async () => {
    const { stdout } = await promtool('check', 'rules', 'alerts.yml');
    expect(stdout).toContain(`SUCCESS: ${rules().length} rules found`);
  });

  it('passes its promtool unit tests', async () => {
    const { stdout } = await promtool('test', 'rules', ...TESTS);
    expect(stdout.match(/SUCCESS/g)).toHaveLength(TESTS.length);
  }, 90_000);

  it('tests every alert, and every alert waits longer than a rolling restart', () => {
    const tested = new Set(
      TESTS.flatMap((f) => [...readFileSync(join(DIR, f), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1])),
    );
    for (const r of rules()) {
      expect(tested, r.alert).toContain(r.alert);
      expect(['5m', '10m', '30m'], `${r.alert} for: ${r.for}`).toContain(r.for);
    }
  });

  it('queries only promoter_ metrics the worker exports', () => {
    const exported = ['activities/metrics.ts', 'workflows/observe.ts'].flatMap((f) =>
      [...readFileSync(join(ROOT, f), 'utf8').matchAll(/create(Counter|Gauge|Histogram)\(\s*'(promoter_\w+)'/g)].map(
        (m) => (m[1] === 'Counter' ? `${m[2]}_total` : m[2]),
      ),
    );
    const queried = rules().flatMap((r) => r.expr.match(/promoter_\w+/g) ?? []);
    expect(queried.length).toBeGreaterThan(0);
    for (const name of queried) expect(exported, name).toContain(name);
  });
});
