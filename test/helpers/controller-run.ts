// Runs one release controller on a worker of its own task queue for the length of a test, then terminates it: the
// set-up every controller workflow test repeats.
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities/index.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import type { releaseController } from '../../workflows/controller.js';
import type { FakeWorld } from './fake-world.js';
import { workflowBundle } from './temporal.js';

export type ControllerHandle = WorkflowHandle<typeof releaseController>;

export async function withReleaseController<T>(
  env: TestWorkflowEnvironment,
  world: FakeWorld,
  release: string,
  activities: Partial<Activities>,
  fn: (handle: ControllerHandle) => Promise<T>,
  distro = 'centos9',
): Promise<T> {
  const taskQueue = `q-${release}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities(activities),
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof releaseController>('releaseController', {
      taskQueue,
      workflowId: releaseWorkflowId(release, distro),
      args: [{ release, distro }],
    });
    try {
      return await fn(handle);
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });
}
