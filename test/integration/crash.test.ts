// Crash tests: the worker process is killed with SIGKILL at the worst moments of a promotion (in the middle of the
// container step; after the artifacts moved but before DLRN; right after DLRN answered but before the activity
// reported back). A new worker resumes, the promotion completes, DLRN has exactly one promotion per (label, hash),
// and DLRN, registries and qcow2 links agree.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { makeCommitHash } from '../../domain/hash.js';
import { promotionWorkflowId, releaseWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { promoteRelease } from '../../workflows/index.js';
import type { StageResult } from '../../workflows/contract.js';
import { recordHistory } from '../helpers/history.js';
import {
  dlrnHeads,
  promotionCount,
  qcowLink,
  registriesAgree,
  sandboxConfig,
  freshRelease,
} from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/temporal.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

const cfg = sandboxConfig('wallaby');
// The sandbox's first stage (tripleo-ci-testing -> current-tripleo), which moves in one pass.
const LABEL = 'current-tripleo';
let client: Client;
let rel: SandboxRelease;
let workers: WorkerProcess[] = [];
let marker: string;

let bundlePath: string;
beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
  // Workers start faster from a prebuilt workflow bundle.
  bundlePath = join(tmpdir(), `crash-bundle-${randomUUID()}.js`);
  writeFileSync(bundlePath, (await workflowBundle()).code);
});
afterAll(async () => client?.connection.close());
beforeEach(async () => {
  rel = await freshRelease(client, 'wallaby');
  marker = join(tmpdir(), `crash-${randomUUID()}`);
});
afterEach(async () => {
  for (const w of workers) await w.kill9();
  workers = [];
  rmSync(marker, { force: true });
});

const hashOf = (key: string) => buildByKey(rel, key);
const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

async function crashAndResume(
  env: Record<string, string>,
  crashed: (promotionId: string) => Promise<boolean> | boolean,
) {
  const taskQueue = `crash-${randomUUID()}`;
  const w1 = await startWorkerProcess(taskQueue, { ...env, CRASH_MARKER: marker, WORKFLOW_BUNDLE_PATH: bundlePath });
  workers.push(w1);
  const passId = `${releaseWorkflowId(cfg.release, cfg.distro)}/crash-${Date.now()}`;
  const handle = await client.workflow.start(promoteRelease, {
    taskQueue,
    workflowId: passId,
    args: [{ config: cfg }],
  });
  const target = hashOf(rel.expected[LABEL]!).fullHash;
  const promotionId = promotionWorkflowId(cfg.release, cfg.distro, LABEL, target);
  await waitFor('the crash point', () => crashed(promotionId));
  await w1.kill9();
  const w2 = await startWorkerProcess(taskQueue, { WORKFLOW_BUNDLE_PATH: bundlePath });
  workers.push(w2);
  const pass = await handle.result();
  return { pass, promotionId, passId };
}

async function expectConsistentEnd(pass: Awaited<ReturnType<typeof crashAndResume>>['pass']) {
  for (const s of pass.stages) {
    const moves = rel.expected[s.targetLabel] !== rel.labels[s.targetLabel]!.at(-1);
    expect(s.outcome, `${s.targetLabel}: ${s.reason}`).toBe(moves ? 'promoted' : 'nothing-to-promote');
  }
  for (const label of ['tripleo-ci-testing', 'current-tripleo', 'current-tripleo-rdo']) {
    const b = hashOf(rel.expected[label]!);
    expect((await dlrnHeads(cfg, [label]))[label]).toBe(b.fullHash);
    expect(await registriesAgree(cfg, label, b.fullHash), label).toEqual([]);
    expect(qcowLink(cfg, label)).toBe(b.fullHash);
    const c = b.commits[0]!;
    const hash = makeCommitHash({
      commitHash: c.commit_hash,
      distroHash: c.distro_hash,
      extendedHash: c.extended_hash,
    });
    if (rel.expected[label] !== rel.labels[label]!.at(-1)) {
      expect(await promotionCount(cfg, label, hash), `promotions of ${label} to ${b.key}`).toBe(1);
    }
  }
  const prev = hashOf(rel.labels[LABEL]!.at(-1)!).commits[0]!;
  const prevHash = makeCommitHash({ commitHash: prev.commit_hash, distroHash: prev.distro_hash });
  expect(await promotionCount(cfg, `previous-${LABEL}`, prevHash), `previous-${LABEL} rows`).toBe(1);
}

describe('kill -9 of the worker', () => {
  it('during the container step: the retry resumes from the heartbeat and the chain completes', async () => {
    const { pass, promotionId } = await crashAndResume({ CRASH_MODE: 'slow-containers' }, async (id) => {
      try {
        const d = await client.workflow.getHandle(id).describe();
        const act = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'promoteContainerImages');
        const data = act?.heartbeatDetails?.payloads?.[0]?.data;
        if (!data) return false;
        // Kill once some images are done and some are not.
        const progress = JSON.parse(Buffer.from(data).toString()) as { done: string[] };
        return progress.done.length >= 5;
      } catch {
        return false;
      }
    });
    await expectConsistentEnd(pass);
    const st = pass.stages.find((s) => s.targetLabel === LABEL) as StageResult;
    const note = st.promotion!.steps.find((s) => s.step === 'containers' && s.state === 'done')!.note!;
    expect(Number(/\((\d+) resumed\)/.exec(note)![1]), note).toBeGreaterThan(0);
    await recordHistory(client, promotionId, 'promotion-crash-containers');
  });

  it('during the qcow2 step: the heartbeat timeout notices the dead worker and a new one finishes in seconds', async () => {
    let killedAt = 0;
    const { pass, promotionId } = await crashAndResume({ CRASH_MODE: 'slow-qcow' }, async (id) => {
      try {
        const d = await client.workflow.getHandle(id).describe();
        const act = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'promoteQcowImages');
        // Kill mid-step: the activity has heartbeated, so it is running its (slow) link moves.
        if (!act?.lastHeartbeatTime) return false;
        killedAt = Date.now();
        return true;
      } catch {
        return false;
      }
    });
    const done = await client.workflow.getHandle(promotionId).describe();
    const recoveredMs = done.closeTime!.getTime() - killedAt;
    console.log(`qcow2 step: kill -9 to promotion closed on the new worker: ${(recoveredMs / 1000).toFixed(1)} s`);
    expect(recoveredMs).toBeLessThan(60_000);
    await expectConsistentEnd(pass);
  });

  it('after the artifacts moved and before DLRN: the promotion completes, DLRN moves once', async () => {
    const { pass, promotionId } = await crashAndResume({ CRASH_MODE: 'hang-before-dlrn' }, () => existsSync(marker));
    await expectConsistentEnd(pass);
    await recordHistory(client, promotionId, 'promotion-crash-before-dlrn');
  });

  // previous-<label> and the label move in one promote-batch: the one DLRN call of the promotion.
  it('right after DLRN answered the promote-batch, before the activity reported: no second promotion row', async () => {
    const { pass } = await crashAndResume(
      { CRASH_MODE: 'die-after-dlrn', CRASH_DLRN_CALL: '1' },
      () => existsSync(marker) && readFileSync(marker, 'utf8') === 'dlrn answered',
    );
    await expectConsistentEnd(pass);
  });
});
