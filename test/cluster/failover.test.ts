// On a real cluster (official Temporal server on PostgreSQL, not the dev server): three worker processes poll one
// task queue; the one running a promotion's container step is killed with kill -9; another finishes the promotion,
// and DLRN has exactly one promotion row for it, with the registries' tags and the qcow2 links agreeing.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { makeCommitHash } from '../../domain/hash.js';
import { promotionWorkflowId, releaseWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { promoteRelease } from '../../workflows/index.js';
import { BUILT_BUNDLE } from '../helpers/build.js';
import {
  dlrnHeads,
  freshRelease,
  promotionCount,
  qcowLink,
  registriesAgree,
  sandboxConfig,
} from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

const cfg = sandboxConfig('wallaby');
const LABEL = 'current-tripleo';
let client: Client;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
  const info = await client.workflowService.getSystemInfo({});
  expect(info.serverVersion, 'the official server, not the dev server').toBe('1.32.2');
});
afterAll(async () => client?.connection.close());
afterEach(async () => {
  for (const w of workers) await w.kill9();
  workers = [];
});

const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

it('kill -9 of the worker running the container step: another worker finishes the promotion, exactly once', async () => {
  const t0 = Date.now();
  const rel: SandboxRelease = await freshRelease(client, 'wallaby');
  const taskQueue = `cluster-${randomUUID()}`;
  // Registry writes take 400 ms each in these workers, so the container step lasts long enough to be killed.
  const env = { CRASH_MODE: 'slow-containers', WORKFLOW_BUNDLE_PATH: BUILT_BUNDLE };
  workers = await Promise.all([1, 2, 3].map(() => startWorkerProcess(taskQueue, env)));
  const handle = await client.workflow.start(promoteRelease, {
    taskQueue,
    workflowId: `${releaseWorkflowId(cfg.release, cfg.distro)}/cluster-${Date.now()}`,
    args: [{ config: cfg }],
  });
  const target = buildByKey(rel, rel.expected[LABEL]!);
  const promotionId = promotionWorkflowId(cfg.release, cfg.distro, LABEL, target.fullHash);

  // The worker in the middle of copying images (some done, some not), by its identity (pid@host).
  const identity = await waitFor('the container step half done', async () => {
    const d = await client.workflow.getHandle(promotionId).describe();
    const act = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'promoteContainerImages');
    const data = act?.heartbeatDetails?.payloads?.[0]?.data;
    if (!data || (JSON.parse(Buffer.from(data).toString()) as { done: string[] }).done.length < 5) return undefined;
    return act!.lastWorkerIdentity ?? undefined;
  });
  const victim = workers.find((w) => identity.startsWith(`${w.child.pid}@`));
  expect(victim, `worker ${identity} is one of ours`).toBeDefined();
  await victim!.kill9();
  const killedAt = Date.now();

  const pass = await handle.result();
  const stage = pass.stages.find((s) => s.targetLabel === LABEL)!;
  expect(stage.outcome, stage.reason).toBe('promoted');
  console.log(
    `cluster failover: kill -9 to pass done ${((Date.now() - killedAt) / 1000).toFixed(1)} s, ` +
      `test ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  // The step finished on a surviving worker.
  const { events } = await client.workflow.getHandle(promotionId).fetchHistory();
  const finishedBy = (events ?? []).flatMap((e) => e.activityTaskStartedEventAttributes?.identity ?? []);
  expect(finishedBy.at(-1)).not.toBe(identity);
  expect(workers.filter((w) => w !== victim && w.child.exitCode === null)).toHaveLength(2);

  // Exactly once: one DLRN row for (label, hash), tags and links where DLRN says.
  expect((await dlrnHeads(cfg, [LABEL]))[LABEL]).toBe(target.fullHash);
  const c = target.commits[0]!;
  const hash = makeCommitHash({ commitHash: c.commit_hash, distroHash: c.distro_hash, extendedHash: c.extended_hash });
  expect(await promotionCount(cfg, LABEL, hash)).toBe(1);
  expect(await registriesAgree(cfg, LABEL, target.fullHash)).toEqual([]);
  expect(qcowLink(cfg, LABEL)).toBe(target.fullHash);
});
