// `promoter status` when things are wrong: Temporal unreachable, a controller nobody runs, a controller whose
// workflow task fails on every attempt. Each must fail fast (seconds), exit 1, and say which address and which
// controller state, instead of exiting 0 with the holds and waivers silently missing.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { runCli } from '../helpers/cli-runner.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

// A release of its own (same DLRN as wallaby), so these controllers never meet another file's.
const RELEASE = 'wallaby-status';
const CONTROLLER = releaseWorkflowId(RELEASE, 'centos9');
const file = join(tmpdir(), `${RELEASE}-${randomUUID()}.yaml`);
let h: TemporalHarness;
let env: Record<string, string>;

interface StatusJson {
  releases: {
    release: string;
    stages: { targetLabel: string }[];
    controller: { state: string; address: string; workflowId: string; detail: string | null };
  }[];
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const endController = (): Promise<unknown> =>
  h.client.workflow
    .getHandle(CONTROLLER)
    .terminate('test')
    .catch(() => undefined);

beforeAll(async () => {
  writeFileSync(
    file,
    readFileSync(join(ROOT, 'config', 'sandbox', 'wallaby.yaml'), 'utf8').replace(
      /^release: wallaby$/m,
      `release: ${RELEASE}`,
    ),
  );
  h = await temporalHarness();
  env = { TEMPORAL_TASK_QUEUE: h.taskQueue, TEMPORAL_ADDRESS: testStack().temporalAddress };
  await endController();
});
afterEach(endController);
afterAll(async () => {
  await h?.close();
});

describe('status when the controller cannot answer', () => {
  it('Temporal unreachable: exit 1 within seconds, naming the address; DLRN stages still shown', async () => {
    const address = `127.0.0.1:${await deadPort()}`;
    const r = await runCli(['status', '-c', file, '--json'], { ...env, TEMPORAL_ADDRESS: address }, 60_000);
    console.log(`status with Temporal unreachable: exit ${r.code} in ${r.ms} ms`);
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(1);
    // about 3 s of it is the connect deadline; the rest is starting tsx and reading DLRN (was 21 s, exit 0)
    expect(r.ms).toBeLessThan(15_000);
    expect(r.stderr).toContain(address);
    const rel = r.json<StatusJson>().releases[0]!;
    expect(rel.controller).toMatchObject({ state: 'unreachable', address });
    expect(rel.stages.map((s) => s.targetLabel)).toEqual(['current-tripleo', 'current-tripleo-rdo']);

    const text = await runCli(['status', '-c', file], { ...env, TEMPORAL_ADDRESS: address }, 60_000);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(new RegExp(`controller ${CONTROLLER}: unreachable .*${address}`));
    expect(text.stderr).toMatch(/holds, approvals and waivers are unknown/);
  });

  it('no worker polling its task queue: exit 1 within seconds, naming the task queue', async () => {
    const lonely = `nobody-${randomUUID()}`;
    await h.client.workflow.start('releaseController', {
      workflowId: CONTROLLER,
      taskQueue: lonely,
      args: [{ release: RELEASE, distro: 'centos9' }],
    });
    const r = await runCli(['status', '-c', file, '--json'], env, 60_000);
    console.log(`status with no worker: exit ${r.code} in ${r.ms} ms`);
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.json<StatusJson>().releases[0]!.controller.state).toBe('no-worker');
    expect(r.stderr).toContain(lonely);
  });

  it('wedged (its workflow task fails on every attempt): exit 1, naming the failure', async () => {
    // null input: the controller throws a TypeError in its first workflow task, as a wedged one does on replay
    await h.client.workflow.start('releaseController', {
      workflowId: CONTROLLER,
      taskQueue: h.taskQueue,
      args: [null],
    });
    await h.withWorker(async () => {
      const handle = h.client.workflow.getHandle(CONTROLLER);
      const end = Date.now() + 30_000;
      while (((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) < 2 && Date.now() < end) {
        await new Promise((res) => setTimeout(res, 250));
      }
      const r = await runCli(['status', '-c', file, '--json'], env, 60_000);
      console.log(`status with a wedged controller: exit ${r.code} in ${r.ms} ms`);
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(1);
      expect(r.ms).toBeLessThan(15_000);
      const ctl = r.json<StatusJson>().releases[0]!.controller;
      expect(ctl.state).toBe('wedged');
      // the TypeError's wording depends on how the controller reads its input; both name the null
      expect(ctl.detail).toMatch(/workflow task failing \(attempt \d+\): .*null/);
      expect(r.stderr).toMatch(/wedged/);
    });
  });
});
