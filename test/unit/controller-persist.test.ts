// Controls outlive the controller run (item 14): a hold placed, the controller terminated, a new one started with the
// same workflow ID finds the hold (from the memo of the newest closed run, read through visibility).
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { expect, it, vi } from 'vitest';
import { createTemporalActivities } from '../../activities/temporal.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import * as m from '../../workflows/contract.js';
import type { releaseController } from '../../workflows/controller.js';
import { FakeWorld } from '../helpers/fake-world.js';
import { workflowBundle } from '../helpers/temporal.js';
import { localEnv, workflowEnvSuite } from '../helpers/workflow-env.js';

vi.setConfig({ testTimeout: 90_000 });
let env: TestWorkflowEnvironment;
workflowEnvSuite(localEnv, (e) => (env = e));

it('a hold survives terminate and a fresh start of the controller (item 14)', async () => {
  const world = new FakeWorld();
  const release = `persist${Date.now().toString(36)}`;
  world.writeRelease(release);
  const taskQueue = `q-${release}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities(createTemporalActivities(async () => env.client)),
  });
  await worker.runUntil(async () => {
    const workflowId = releaseWorkflowId(release, 'centos9');
    const start = () =>
      env.client.workflow.start<typeof releaseController>('releaseController', {
        taskQueue,
        workflowId,
        args: [{ release, distro: 'centos9' }],
      });
    const first = await start();
    await first.executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo', by: 'op', why: 'bad hash' }] });
    await first.executeUpdate(m.approveUpdate, {
      args: [{ label: 'current-tripleo-rdo', fullHash: 'c'.repeat(32), by: 'op', why: 'ok' }],
    });
    await first.terminate('operator mistake');

    const second = await start();
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    // Recovery is the new run's first activity: wait until it has started (config loaded).
    let st = await second.query(m.statusQuery);
    for (let i = 0; i < 100 && !st.config; i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = await second.query(m.statusQuery);
    }
    expect(st.controls.holds.map((h) => [h.label, h.by, h.why])).toEqual([['current-tripleo', 'op', 'bad hash']]);
    expect(st.controls.approvals.map((a) => a.label)).toEqual(['current-tripleo-rdo']);
    expect(st.controls.audit.map((a) => a.action)).toEqual(expect.arrayContaining(['hold', 'approve']));
    // The recovered hold is honoured: the gate answers it.
    expect(await second.query(m.gateQuery, 'current-tripleo')).toEqual({ hold: { by: 'op', why: 'bad hash' } });
    await second.terminate('test done');
  });
});
