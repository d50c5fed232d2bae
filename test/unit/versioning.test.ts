// The deploy strategy of workflows/version.ts on a real dev server with Worker Deployment versioning: workflows are
// pinned to the version they started on, and the long-lived release controller moves to a new current version by
// continuing as new (AUTO_UPGRADE for its first task), carrying its controls.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { createTemporalActivities } from '../../activities/temporal.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import * as m from '../../workflows/contract.js';
import type { releaseController } from '../../workflows/controller.js';
import { deploymentOptions, setCurrentVersion, type VersioningSettings } from '../../worker/versioning.js';
import { FakeWorld } from '../helpers/fake-world.js';
import { workflowBundle } from '../helpers/temporal.js';
import { localEnv, workflowEnvSuite } from '../helpers/workflow-env.js';

let env: TestWorkflowEnvironment;
workflowEnvSuite(localEnv, (e) => (env = e));

const version = (buildId: string): VersioningSettings => ({
  deploymentName: 'rdo-promoter-test',
  buildId,
  setCurrent: true,
});

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read().catch(() => undefined as T);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('a pinned controller continues as new onto the new current version, with its controls', async () => {
  const world = new FakeWorld();
  const release = 'versioned';
  world.writeRelease(release);
  const taskQueue = 'versioning-test';
  const workerOf = async (buildId: string) =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: world.activities(createTemporalActivities(async () => env.client)),
      ...deploymentOptions(version(buildId)),
    });
  const [a, b] = [await workerOf('build-a'), await workerOf('build-b')];
  const runA = a.run();
  const buildOf = async (runId?: string) =>
    (await env.client.workflow.getHandle(releaseWorkflowId(release, 'centos9'), runId).describe()).raw
      .workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId;
  try {
    await setCurrentVersion(env.client.connection, 'default', version('build-a'));
    const handle = await env.client.workflow.start<typeof releaseController>('releaseController', {
      taskQueue,
      workflowId: releaseWorkflowId(release, 'centos9'),
      args: [{ release, distro: 'centos9' }],
    });
    const hold = await handle.executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo', by: 'op', why: 'v' }] });
    expect(hold.entry.action).toBe('hold');
    const firstRun = handle.firstExecutionRunId;
    expect(await buildOf(firstRun)).toBe('build-a');

    const runB = b.run();
    try {
      await setCurrentVersion(env.client.connection, 'default', version('build-b'));
      // Its next workflow task tells the pinned run that the target version changed: a signal brings one.
      await env.client.workflow.getHandle(handle.workflowId).signal(m.evaluateSignal, { reason: 'after deploy' });
      const latest = env.client.workflow.getHandle(handle.workflowId);
      await until(
        async () => (await latest.describe()).runId,
        (id) => id !== firstRun,
        'continue-as-new',
      );
      expect(
        await until(
          () => buildOf(),
          (id) => id === 'build-b',
          'the new run on build-b',
        ),
      ).toBe('build-b');
      const status = await latest.query(m.statusQuery);
      expect(status.controls.holds.map((h) => h.label)).toEqual(['current-tripleo']);
      const first = await env.client.workflow.getHandle(handle.workflowId, firstRun).describe();
      expect(first.status.name).toBe('CONTINUED_AS_NEW');
    } finally {
      await env.client.workflow
        .getHandle(handle.workflowId)
        .terminate('test done')
        .catch(() => undefined);
      b.shutdown();
      await runB;
    }
  } finally {
    a.shutdown();
    await runA;
  }
}, 120_000);
