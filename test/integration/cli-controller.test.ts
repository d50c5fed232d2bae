// How the CLI reaches the release controller: by workflow ID only, so controls keep working after the controller
// continues as new; and report-result, which a CI job runs with or without a worker up, never waits for one.
import { WorkflowClient } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { holdUpdate } from '../../workflows/contract.js';
import { runCli } from '../helpers/cli-runner.js';
import { dlrnFor, dlrnHeads, freshRelease, sandboxConfig } from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, workflowBundle, type TemporalHarness } from '../helpers/temporal.js';
import { TEMPORAL_BIN } from '../helpers/workflow-env.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const WALLABY = join(ROOT, 'config', 'sandbox', 'wallaby.yaml');
const CONTROLLER = releaseWorkflowId('wallaby', 'centos9');
const cfg = sandboxConfig('wallaby');
let h: TemporalHarness;
let rel: SandboxRelease;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  h = await temporalHarness();
});
afterAll(async () => {
  await h.client.workflow
    .getHandle(CONTROLLER)
    .terminate('test done')
    .catch(() => undefined);
  await h?.close();
});

describe('report-result with no worker up', () => {
  it('records the vote, queues the evaluation durably, exits 0 at once; a worker that starts later promotes', async () => {
    rel = await freshRelease(h.client, 'wallaby'); // also ends any controller an earlier file left
    const env = { TEMPORAL_TASK_QUEUE: h.taskQueue, TEMPORAL_ADDRESS: testStack().temporalAddress };
    // The newest build in tripleo-ci-testing: its votes in the model leave current-tripleo's criteria open (a job
    // running, the others missing); these passes complete them.
    const newest = rel.labels['tripleo-ci-testing']!.at(-1)!;
    const c = buildByKey(rel, newest).commits[0]!;
    const passed = new Set(rel.votes[newest]!.filter((v) => v.result === 'pass').map((v) => v.job));
    const jobs = cfg.promotions
      .find((p) => p.targetLabel === 'current-tripleo')!
      .criteria.filter((job) => !passed.has(job));
    expect(jobs.length).toBeGreaterThan(1);
    const now = Math.floor(Date.now() / 1000);
    for (const [i, job] of jobs.entries()) {
      const r = await runCli(
        [
          'report-result',
          '--job-id',
          job,
          '--commit-hash',
          c.commit_hash,
          '--distro-hash',
          c.distro_hash,
          '--info-url',
          `https://logserver.example/${i}`,
          '--timestamp',
          String(now + i),
          '--success',
          'true',
          '-c',
          WALLABY,
          '--json',
        ],
        env,
        30_000,
      );
      console.log(`report-result with no worker: exit ${r.code} in ${r.ms} ms`);
      expect(r.timedOut, 'report-result waited for a worker').toBe(false);
      expect(r.code, r.stderr).toBe(0);
      // starting the CLI (tsx) is most of it: 7 s on this 2-core machine under load; the old one never returned
      expect(r.ms).toBeLessThan(20_000);
      expect(r.json()).toMatchObject({ vote: { job_id: job, success: true }, evaluated: ['current-tripleo'] });
    }
    const votes = await dlrnFor(cfg).repoStatus({
      commit_hash: c.commit_hash,
      distro_hash: c.distro_hash,
      ...(c.extended_hash ? { extended_hash: c.extended_hash } : {}),
    });
    for (const job of jobs) expect(votes.some((v) => v.job_id === job && v.success)).toBe(true);
    const history = await h.client.workflow.getHandle(CONTROLLER).fetchHistory();
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'evaluate',
    );
    expect(signals).toHaveLength(jobs.length);
    // nothing promoted yet: no worker ran the evaluation
    const before = buildByKey(rel, rel.labels['current-tripleo']!.at(-1)!).fullHash;
    expect(await dlrnHeads(cfg, ['current-tripleo'])).toEqual({ 'current-tripleo': before });

    await h.withWorker(() =>
      until(
        `current-tripleo to move to ${newest} once a worker polls`,
        async () => (await dlrnHeads(cfg, ['current-tripleo']))['current-tripleo'],
        (x) => x === buildByKey(rel, newest).fullHash,
        90_000,
      ),
    );
  }, 240_000);
});

describe('controls after the controller continued as new', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    // A server that suggests continue-as-new after 40 events, so one controller run lasts a few controls.
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: TEMPORAL_BIN },
        searchAttributes: SEARCH_ATTRIBUTES,
        extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'],
      },
    });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('hold, status and unhold reach the new run by workflow ID', async () => {
    const taskQueue = `can-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createActivities(),
    });
    const client = new WorkflowClient({ connection: env.connection });
    const cliEnv = { TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: env.address };
    await worker.runUntil(async () => {
      // `config` is what controllers read before the config authority moved to the worker (COMMON interface 7);
      // later ones take { release, distro } and ignore it.
      const first = await client.start('releaseController', {
        workflowId: CONTROLLER,
        taskQueue,
        args: [{ release: 'wallaby', distro: 'centos9', config: cfg }],
      });
      const handle = client.getHandle(CONTROLLER);
      // Holds only: they start no pass, so the controller is idle and continues as new once the server suggests it.
      for (let i = 0; (await handle.describe()).runId === first.firstExecutionRunId; i++) {
        if (i > 100) throw new Error('the controller never continued as new');
        await handle.executeUpdate(holdUpdate, {
          args: [{ label: 'current-tripleo-rdo', by: 'test', why: `round ${i}` }],
        });
      }
      const runs = new Set<string>();
      for await (const wf of client.list({ query: `WorkflowId = "${CONTROLLER}"` })) runs.add(wf.runId);
      expect(runs.size).toBeGreaterThan(1);

      const hold = await runCli(['hold', '--label', 'current-tripleo', '--why', 'after CAN', '-c', WALLABY], cliEnv);
      expect(hold.code, hold.stderr).toBe(0);
      expect(hold.stdout).toContain('hold: recorded');
      const status = await runCli(['status', '-c', WALLABY, '--json'], cliEnv);
      const ctl = status.json<{
        releases: { controller: { state: string; controls: { holds: { label: string }[] } } }[];
      }>().releases[0]!.controller;
      expect(ctl.state).toBe('running');
      expect(ctl.controls.holds.map((x) => x.label)).toContain('current-tripleo');
      const unhold = await runCli(['unhold', '--label', 'current-tripleo', '--why', 'done', '-c', WALLABY], cliEnv);
      expect(unhold.code, unhold.stderr).toBe(0);
      await client
        .getHandle(CONTROLLER)
        .terminate('test done')
        .catch(() => undefined);
    });
  });
});
