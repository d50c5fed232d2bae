// The release controller as a workflow, with the real release/stage/promotion workflows and fake activities over a
// fake world (DLRN rows and votes, registry tags, qcow2 links). A local dev server: the time-skipping test server
// neither starts children with the promoter's search attributes nor lists workflows, and no timer matters here.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it, vi } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { createTemporalActivities } from '../../activities/temporal.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import * as m from '../../workflows/contract.js';
import type { releaseController } from '../../workflows/controller.js';
import { FakeWorld } from '../helpers/fake-world.js';
import { workflowBundle } from '../helpers/temporal.js';
import { localEnv, workflowEnvSuite } from '../helpers/workflow-env.js';
import { recordHistory } from '../helpers/history.js';

vi.setConfig({ testTimeout: 60_000 });
let env: TestWorkflowEnvironment;
workflowEnvSuite(localEnv, (e) => (env = e));

const who = { by: 'op', why: 'test' };
const DISTRO = 'centos9';
let n = 0;

async function withController<T>(
  opts: { world?: FakeWorld; extra?: Partial<Activities>; continueAsNewAt?: number; release?: string },
  fn: (ctx: {
    handle: ReturnType<typeof env.client.workflow.getHandle<typeof releaseController>>;
    world: FakeWorld;
    release: string;
  }) => Promise<T>,
): Promise<T> {
  const world = opts.world ?? new FakeWorld();
  const release = opts.release ?? `r${Date.now().toString(36)}${n++}`;
  if (!opts.release) world.writeRelease(release);
  const taskQueue = `q-${release}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities({ ...createTemporalActivities(async () => env.client), ...opts.extra }),
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof releaseController>('releaseController', {
      taskQueue,
      workflowId: releaseWorkflowId(release, DISTRO),
      args: [{ release, distro: DISTRO, ...(opts.continueAsNewAt ? { continueAsNewAt: opts.continueAsNewAt } : {}) }],
    });
    try {
      return await fn({ handle: env.client.workflow.getHandle(handle.workflowId), world, release });
    } finally {
      await env.client.workflow
        .getHandle(handle.workflowId)
        .terminate('test done')
        .catch(() => undefined);
    }
  });
}

const slow = <K extends keyof Activities>(w: FakeWorld, name: K, ms: number): Partial<Activities> =>
  ({
    [name]: async (...args: unknown[]) => {
      await new Promise((r) => setTimeout(r, ms));
      return (w.activities()[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  }) as Partial<Activities>;

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('release controller workflow', () => {
  it('three runPass updates started together all get the pass result; the controller keeps serving (item 1)', async () => {
    const world = new FakeWorld();
    world.build(['tripleo-ci-testing']);
    await withController({ world, extra: slow(world, 'gatherCandidates', 300) }, async ({ handle }) => {
      const passes = await Promise.all(
        [1, 2, 3].map((i) => handle.executeUpdate(m.runPassUpdate, { args: [{ reason: `cli ${i}` }] })),
      );
      for (const p of passes) expect(p.stages.map((s) => s.targetLabel)).toContain('tripleo-ci-testing');
      const st = await handle.query(m.statusQuery);
      expect(st.running).toBeNull();
      const again = await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'after' }] });
      expect(again.stages.length).toBeGreaterThan(0);
    });
  });

  it('loads its config from the worker config dir at each pass and audits a change of version (item 5)', async () => {
    const world = new FakeWorld();
    const release = `cfg${Date.now().toString(36)}`;
    world.writeRelease(release);
    await withController({ world, release }, async ({ handle }) => {
      await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'one' }] });
      const v1 = (await handle.query(m.statusQuery)).config!;
      expect(v1.version).toMatch(/^[0-9a-f]{12}$/);
      world.writeRelease(release, { approval: ['current-tripleo'] });
      await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'two' }] });
      const st = await handle.query(m.statusQuery);
      expect(st.config!.version).not.toBe(v1.version);
      expect(st.controls.audit.filter((a) => a.action === 'configure').map((a) => a.why)).toEqual([
        `(none) -> ${v1.version} (${release}.yaml)`,
        `${v1.version} -> ${st.config!.version} (${release}.yaml)`,
      ]);
      expect(st.controls.audit.every((a) => a.action !== 'configure' || a.by === 'worker config dir')).toBe(true);
    });
  });

  it('a schedule tick carries only release and distro and starts a pass (item 5)', async () => {
    const world = new FakeWorld();
    world.build(['tripleo-ci-testing']);
    await withController({ world }, async ({ handle, release }) => {
      const info = await handle.describe();
      await env.client.workflow.execute('tick', {
        taskQueue: info.taskQueue,
        workflowId: `tick/${release}`,
        args: [{ release, distro: DISTRO }],
      });
      const st = await until(
        () => handle.query(m.statusQuery),
        (s) => s.lastPass?.reason === 'schedule',
        'the tick',
      );
      expect(st.lastPass!.stages.find((s) => s.targetLabel === 'tripleo-ci-testing')?.outcome).toBe('promoted');
      await recordHistory(env.client, handle.workflowId, 'controller-tick-signal');
    });
  });

  it('answers gate queries from its holds; checkControls asks it by workflow ID, no controller = no hold (item 12)', async () => {
    const world = new FakeWorld();
    world.build(['tripleo-ci-testing']);
    const t = createTemporalActivities(async () => env.client);
    expect(await t.checkControls({ release: 'nosuch', distro: DISTRO, label: 'current-tripleo' })).toEqual({
      hold: null,
    });
    await withController({ world, extra: slow(world, 'gatherCandidates', 1500) }, async ({ handle, release }) => {
      const running = handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'slow' }] });
      await until(
        () => handle.query(m.statusQuery),
        (s) => s.running !== null,
        'the pass to run',
      );
      // Placed while the pass runs: the saga's checkControls before the DLRN commit sees it.
      const ack = await handle.executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo', ...who }] });
      expect(ack).toEqual({ entry: expect.objectContaining({ action: 'hold', label: 'current-tripleo' }) });
      // Every promotion asks this before its DLRN commit: one request to Temporal, the query (no describe first).
      const service = env.client.connection.workflowService;
      const describes = vi.spyOn(service, 'describeWorkflowExecution');
      const queries = vi.spyOn(service, 'queryWorkflow');
      expect(await t.checkControls({ release, distro: DISTRO, label: 'current-tripleo' })).toEqual({
        hold: { by: 'op', why: 'test' },
      });
      expect(await t.checkControls({ release, distro: DISTRO, label: 'tripleo-ci-testing' })).toEqual({ hold: null });
      expect([describes.mock.calls.length, queries.mock.calls.length]).toEqual([0, 2]);
      describes.mockRestore();
      queries.mockRestore();
      await running;
      // A controller that is not running answers no query: its memo's holds still stand.
      await handle.terminate('operator terminated it');
      expect(await t.checkControls({ release, distro: DISTRO, label: 'current-tripleo' })).toEqual({
        hold: { by: 'op', why: 'test' },
      });
    });
  });

  it('refuses eight holds with 120 KB reasons naming --why; many controls keep history small (item 20)', async () => {
    await withController({}, async ({ handle }) => {
      for (let i = 0; i < 8; i++) {
        const err = await handle
          .executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo', by: 'op', why: 'x'.repeat(120_000) }] })
          .then(
            () => null,
            (e: { cause?: { message?: string } }) => e,
          );
        expect(err?.cause?.message).toMatch(/--why: at most 1000 characters/);
      }
      for (let i = 0; i < 40; i++) {
        const ack = await handle.executeUpdate(i % 2 ? m.unholdUpdate : m.holdUpdate, {
          args: [{ label: 'current-tripleo', by: 'op', why: `${i} `.padEnd(1000, 'y') }],
        });
        expect(Object.keys(ack)).toEqual(['entry']);
      }
      const history = await handle.fetchHistory();
      const bytes = JSON.stringify(history).length;
      console.log(`history after 40 controls with 1000-char reasons: ${history.events?.length} events, ${bytes} bytes`);
      expect(bytes).toBeLessThan(1_000_000);
      const st = await handle.query(m.statusQuery);
      expect(st.controls.audit).toHaveLength(20);
    });
  });

  it('after a forced continue-as-new, controls by workflow ID keep working and queued evaluations run (items 16, 20)', async () => {
    const world = new FakeWorld();
    world.build(['tripleo-ci-testing', 'current-tripleo']);
    await withController(
      { world, continueAsNewAt: 25, extra: slow(world, 'gatherCandidates', 500) },
      async ({ handle }) => {
        const first = (await handle.describe()).runId;
        await handle.executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo-rdo', ...who }] });
        for (let i = 0; i < 12; i++) await handle.signal(m.evaluateSignal, { reason: `report-result ${i}` });
        const st = await until(
          () => handle.query(m.statusQuery),
          (s) => s.pendingEvaluations === 0 && !s.running && (s.lastPass?.reason ?? '').includes('report-result 11'),
          'the queued evaluations',
        );
        const now = await handle.describe();
        expect(now.runId).not.toBe(first);
        expect(st.controls.holds.map((h) => h.label)).toEqual(['current-tripleo-rdo']);
        const ack = await handle.executeUpdate(m.unholdUpdate, { args: [{ label: 'current-tripleo-rdo', ...who }] });
        expect(ack.entry.action).toBe('unhold');
        const pass = await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'after CAN' }] });
        expect(pass.stages.length).toBeGreaterThan(0);
        await recordHistory(env.client, handle.workflowId, 'controller-continue-as-new', first);
      },
    );
  });
});
