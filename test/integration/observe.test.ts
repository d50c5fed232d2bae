// The worker as operators watch it: a real Prometheus (Debian's /usr/bin/prometheus) scrapes the worker's metrics
// endpoint while it runs a release pass on the test stack; its health server answers; its stdout is JSON lines
// naming release, distro, label, full_hash and workflow ID, and holds none of the stack's secrets. The worker runs
// with no workflow cache, so every workflow task replays from the start: a line or count that replay emitted again
// would show up twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { promoteRelease } from '../../workflows/index.js';
import type { ReleasePassResult, StageResult } from '../../workflows/contract.js';
import { freshRelease, sandboxConfig } from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/temporal.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

const base = Number(process.env.STACK_PORT_BASE ?? 17000);
const METRICS = `127.0.0.1:${base + 1464}`;
const HEALTH = `127.0.0.1:${base + 1465}`;
const PROMETHEUS = `127.0.0.1:${base + 1490}`;
const cfg = sandboxConfig('wallaby');

let client: Client;
let worker: WorkerProcess;
let prometheus: ChildProcess;
let dir: string;
let pass: ReleasePassResult;
let lines: Record<string, unknown>[];
/** The labels the sandbox model says this pass moves. */
let moves: string[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
async function query(promql: string): Promise<Sample[]> {
  const r = await fetch(`http://${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as { status: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}
/** The query's samples once Prometheus has scraped what the worker counted (the scrape interval is 1 s). */
const scraped = (promql: string, ok: (s: Sample[]) => boolean = (s) => s.length > 0) =>
  until(`Prometheus to answer ${promql}`, async () => {
    const s = await query(promql);
    return ok(s) ? s : undefined;
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'observe-'));
  client = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
  const rel = await freshRelease(client, 'wallaby');
  const moved = (label: string) => rel.expected[label] !== rel.labels[label]?.at(-1);
  const bundlePath = join(dir, 'bundle.js');
  writeFileSync(bundlePath, (await workflowBundle()).code);
  const taskQueue = `observe-${randomUUID()}`;
  worker = await startWorkerProcess(
    taskQueue,
    {
      WORKFLOW_BUNDLE_PATH: bundlePath,
      PROMOTER_METRICS_ADDRESS: METRICS,
      PROMOTER_HEALTH_ADDRESS: HEALTH,
      PROMOTER_LOG_LEVEL: 'INFO',
    },
    'observed-worker.ts',
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\n` +
      `scrape_configs:\n  - job_name: rdo-promoter-worker\n    static_configs: [{ targets: ['${METRICS}'] }]\n`,
  );
  prometheus = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=${PROMETHEUS}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const run = client.workflow.execute(promoteRelease, {
    taskQueue,
    workflowId: `${releaseWorkflowId(cfg.release, cfg.distro)}/observe-${Date.now()}`,
    args: [{ config: cfg }],
  });
  const late = sleep(60_000).then(() =>
    Promise.reject(new Error(`no result in 60 s; the worker said:\n${worker.output().slice(-4000)}`)),
  );
  pass = await Promise.race([run, late]);
  moves = pass.stages.map((s) => s.targetLabel).filter(moved);
  await until('Prometheus ready', async () => ((await fetch(`http://${PROMETHEUS}/-/ready`)).ok ? true : undefined));
}, 300_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await worker?.kill9();
  await client?.connection.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const promoted = () => pass.stages.filter((s): s is StageResult => s.outcome === 'promoted');
const logLines = () =>
  (lines ??= worker
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>));

describe('a real Prometheus scraping the worker', () => {
  it('gets promoter_promotions_total per promoted label, counted once despite replays', async () => {
    const outcomes = JSON.stringify(pass.stages.map((s) => [s.targetLabel, s.outcome, s.reason]));
    expect(
      promoted().map((s) => s.targetLabel),
      outcomes,
    ).toEqual(moves);
    for (const s of promoted()) {
      const q = `promoter_promotions_total{release="wallaby",distro="${cfg.distro}",label="${s.targetLabel}",outcome="promoted"}`;
      const [sample] = await scraped(q);
      expect(Number(sample!.value[1]), q).toBe(1);
    }
    // Step counts from the workflow: one guard per promotion although each workflow task replayed it.
    const guard = await scraped('sum(promoter_promotion_steps_total{step="guard",state="done"})');
    expect(Number(guard[0]!.value[1])).toBe(moves.length);
  });

  it('gets the decision, label, candidate and artifact metrics', async () => {
    // One decision per stage (a scrape may come between the two stages' decisions: wait for the next one).
    const decisions = await scraped(
      'sum(promoter_decision_seconds_count{release="wallaby"})',
      (s) => Number(s[0]?.value[1]) >= pass.stages.length,
    );
    expect(Number(decisions[0]!.value[1])).toBeGreaterThanOrEqual(pass.stages.length);
    // What DLRN said at the decision, before this pass moved the label (the sandbox's rows date from 2026-01).
    const moved = await scraped('promoter_label_moved_timestamp_seconds{label="current-tripleo"}');
    expect(Number(moved[0]!.value[1])).toBeGreaterThan(Date.parse('2025-01-01') / 1000);
    expect(Number(moved[0]!.value[1])).toBeLessThan(Date.now() / 1000);
    const age = await scraped('promoter_label_age_seconds{label="current-tripleo"}');
    expect(Number(age[0]!.value[1])).toBeGreaterThan(0);
    const waiting = await scraped('promoter_candidates_waiting{label="current-tripleo"}');
    expect(new Set(waiting.map((s) => s.metric.reason))).toEqual(
      new Set(['missing', 'failed', 'in_progress', 'soak', 'window', 'approval', 'held']),
    );
    const images = await scraped('sum(promoter_artifact_images_total{kind="containers"})');
    expect(Number(images[0]!.value[1])).toBeGreaterThanOrEqual(cfg.containers!.images.length);
    // The sandbox's target registry already holds every blob: only manifests move, 0 bytes (bytes the target lacked).
    const bytes = await scraped('promoter_artifact_bytes_total{label="current-tripleo",kind="containers"}');
    expect(Number(bytes[0]!.value[1])).toBe(0);
  });

  it('gets the SDK metrics with _total and durations in seconds', async () => {
    const polls = await scraped('temporal_num_pollers{poller_type="workflow_task"}');
    expect(Number(polls[0]!.value[1])).toBeGreaterThan(0);
    const completed = await scraped('sum(temporal_workflow_completed_total)');
    expect(Number(completed[0]!.value[1])).toBeGreaterThan(0);
    // Durations in seconds; the SDK names its histograms without a unit suffix (its unitSuffix would append "_s").
    const latency = await scraped(
      'sum(temporal_activity_execution_latency_sum) / sum(temporal_activity_execution_latency_count)',
    );
    expect(Number(latency[0]!.value[1])).toBeLessThan(60); // seconds, not milliseconds
  });
});

describe('the health server', () => {
  it('is live and ready while the worker polls', async () => {
    const live = await fetch(`http://${HEALTH}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`http://${HEALTH}/readyz`);
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, string> };
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body.checks).toEqual({
      worker: 'RUNNING',
      workflowPoller: 'POLLING',
      activityPoller: 'POLLING',
      temporal: 'SERVING',
    });
  });
});

describe('the JSON logs', () => {
  it('say one line per decision with the candidate table, one per step, with the ids on every line', () => {
    const ours = logLines().filter(
      (l) => typeof l.workflowId === 'string' && /^(stage|promotion)\//.test(l.workflowId),
    );
    expect(ours.length).toBeGreaterThan(0);
    for (const l of ours) {
      expect(l, JSON.stringify(l)).toMatchObject({ release: 'wallaby', distro: cfg.distro });
      expect(typeof l.label, JSON.stringify(l)).toBe('string');
    }
    const decisions = ours.filter((l) => l.msg === 'decision');
    expect(decisions.length).toBeGreaterThanOrEqual(pass.stages.length);
    const d = decisions.find((l) => l.label === 'current-tripleo' && l.selected)!;
    expect(d.candidates).toEqual(
      expect.arrayContaining([expect.objectContaining({ full_hash: d.selected, status: 'selected' })]),
    );
    for (const s of promoted()) {
      const steps = ours.filter((l) => l.label === s.targetLabel && String(l.workflowId).startsWith('promotion/'));
      expect(steps.every((l) => l.full_hash === s.selected)).toBe(true);
      const seen = steps.map((l) => `${String(l.workflowId)} ${String(l.msg)}`);
      // Every step once, though every workflow task replayed the steps before it.
      expect(seen.length).toBe(new Set(seen).size);
      for (const step of ['guard', 'containers', 'images', 'dlrn', 'verify']) {
        expect(
          seen.some((m) => m.endsWith(`step ${step} done`)),
          `${s.targetLabel} ${step}`,
        ).toBe(true);
      }
      expect(seen.filter((m) => m.endsWith('promotion promoted'))).toHaveLength(1);
    }
  });

  it('hold none of the secrets the worker was given', () => {
    const env = testStack().env;
    const secrets = [
      readFileSync(env.DLRNAPI_PASSWORD_FILE!, 'utf8').trim(),
      readFileSync(env.TARGET_REGISTRY_PASSWORD_FILE!, 'utf8').trim(),
      // A line from the middle of the SFTP private key.
      readFileSync(env.IMAGE_SERVER_KEY_FILE!, 'utf8').split('\n')[2]!,
    ];
    const out = worker.output();
    expect(out.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(out.includes(secret), `secret ${secret.slice(0, 3)}… in the worker's output`).toBe(false);
    }
  });
});
