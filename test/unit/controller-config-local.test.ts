// The controller reads its release file at every job in a local activity (patch controller-config-local): the path
// from a report-result's signal to the pass no longer waits for an activity task and a second workflow task. Real
// controller, release, stage and promotion workflows on a local dev server, fake activities.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as m from '../../workflows/contract.js';
import { withReleaseController } from '../helpers/controller-run.js';
import { FakeWorld } from '../helpers/fake-world.js';
import { recordHistory } from '../helpers/history.js';
import { localEnv } from '../helpers/workflow-env.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await localEnv();
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});

it(
  'loads the release file in a local activity at each job: no loadReleaseConfig activity task',
  { timeout: 60_000 },
  async () => {
    const world = new FakeWorld();
    world.build(['tripleo-ci-testing']);
    const release = `cfglocal${Date.now().toString(36)}`;
    world.writeRelease(release);
    let loads = 0;
    const base = world.activities().loadReleaseConfig!;
    const loadReleaseConfig: typeof base = (ref) => (loads++, base(ref));
    await withReleaseController(env, world, release, { loadReleaseConfig }, async (handle) => {
      const pass = await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'cli' }] });
      expect(pass.stages.find((s) => s.targetLabel === 'tripleo-ci-testing')?.outcome).toBe('promoted');
      world.writeRelease(release, { approval: ['current-tripleo'] });
      await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'again' }] });
      const st = await handle.query(m.statusQuery);
      expect(st.controls.audit.filter((a) => a.action === 'configure')).toHaveLength(2); // a changed file is seen

      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
      expect(scheduled).not.toContain('loadReleaseConfig');
      expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(
        3,
      );
      expect(loads).toBe(3); // at start, and once per pass
      await recordHistory(env.client, handle.workflowId, 'controller-config-local-activity');
    });
  },
);
