// A controller's history must replay when the clock a workflow task read differs from the one replay reads. The
// interleaving test failed a status query after worker restarts with "Child workflow id of scheduled event
// '.../pass/<t1>' does not match child workflow id of command '.../pass/<t2>'": the worker that started the pass had
// read a clock 924 ms older than the WorkflowTaskStarted time replay takes. Here the same history is replayed with
// every WorkflowTaskStarted time shifted by a second: nothing the controller commands may follow the clock.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { expect, it, vi } from 'vitest';
import { createTemporalActivities } from '../../activities/temporal.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import * as m from '../../workflows/contract.js';
import type { releaseController } from '../../workflows/controller.js';
import { FakeWorld } from '../helpers/fake-world.js';
import { recordHistory } from '../helpers/history.js';
import { workflowBundle } from '../helpers/temporal.js';
import { localEnv, workflowEnvSuite } from '../helpers/workflow-env.js';

vi.setConfig({ testTimeout: 90_000 });
let env: TestWorkflowEnvironment;
workflowEnvSuite(localEnv, (e) => (env = e));

type History = temporal.api.history.v1.IHistory;
const WFT_STARTED = 6; // EVENT_TYPE_WORKFLOW_TASK_STARTED

/** The history with every workflow task's start (the clock workflow code reads) moved by `ms`. */
function shiftTaskClocks(h: History, ms: number): History {
  return {
    events: h.events!.map((e) => {
      if (Number(e.eventType) !== WFT_STARTED) return e;
      const t = Number(e.eventTime!.seconds) * 1000 + Math.floor(Number(e.eventTime!.nanos ?? 0) / 1e6) + ms;
      return { ...e, eventTime: { seconds: Math.floor(t / 1000), nanos: (t % 1000) * 1e6 } };
    }) as History['events'],
  };
}

it('a controller that ran a pass replays with its workflow tasks clocked a second later', async () => {
  const world = new FakeWorld();
  const release = `rc${Date.now().toString(36)}`;
  world.writeRelease(release);
  world.build(['tripleo-ci-testing']);
  const taskQueue = `q-${release}`;
  const bundle = await workflowBundle();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: world.activities(createTemporalActivities(async () => env.client)),
  });
  const workflowId = releaseWorkflowId(release, 'centos9');
  const history = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof releaseController>('releaseController', {
      taskQueue,
      workflowId,
      args: [{ release, distro: 'centos9' }],
    });
    try {
      const pass = await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'test' }] });
      expect(pass.stages.map((s) => s.outcome)).toContain('promoted');
      await recordHistory(env.client, workflowId, 'controller-pass-id-from-job');
      return await handle.fetchHistory();
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });
  const passIds = history
    .events!.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((id): id is string => Boolean(id));
  expect(passIds).toHaveLength(1);
  expect(passIds[0]).toMatch(new RegExp(`^${workflowId}/pass/`));
  for (const ms of [0, 1000]) {
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: bundle, replayName: `clock +${ms} ms` },
        shiftTaskClocks(history, ms),
        workflowId,
      ),
      `replay with the task clocks moved ${ms} ms`,
    ).resolves.toBeUndefined();
  }
});
