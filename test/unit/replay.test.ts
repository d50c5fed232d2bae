// Replays every recorded history of the current workflow version (test/replay/histories/<WORKFLOW_VERSION>/,
// recorded with RECORD_HISTORIES=1) against the current workflow code, so a change that breaks determinism fails CI
// unless it is guarded with patched() or bumps WORKFLOW_VERSION (workflows/version.ts). Older versions' histories are
// kept as they were recorded (MANIFEST.sha256): their runs stay pinned to the workers of their own version.
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_ROOT, historyFiles, readManifest, sha256 } from '../helpers/history.js';
import { workflowBundle } from '../helpers/temporal.js';
import { WORKFLOW_VERSION } from '../../workflows/version.js';

interface Recorded {
  workflowId: string;
  history: {
    events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
  };
}

const all = historyFiles();
const current = all.filter((f) => f.startsWith(`${WORKFLOW_VERSION}/`));
const read = (f: string) => JSON.parse(readFileSync(join(HISTORY_ROOT, f), 'utf8')) as Recorded;

describe('recorded histories', () => {
  it('are never overwritten or removed: every file matches MANIFEST.sha256, every manifest entry exists', () => {
    const manifest = readManifest();
    expect([...manifest.keys()].sort()).toEqual(all);
    for (const f of all) expect(sha256(join(HISTORY_ROOT, f)), f).toBe(manifest.get(f));
  });

  it(`of ${WORKFLOW_VERSION} cover signals, updates, abort, compensation, continue-as-new and fired timers`, () => {
    const types = new Set<string>();
    const activities = new Set<string>();
    for (const f of current) {
      for (const e of read(f).history.events) {
        types.add(e.eventType);
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
        if (name) activities.add(name);
      }
    }
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED'); // abort reaches a promotion as cancel
    expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(types).toContain('EVENT_TYPE_TIMER_FIRED');
    expect([...activities].some((a) => a.startsWith('restore'))).toBe(true); // compensation
  });
});

describe(`histories of ${WORKFLOW_VERSION} replay against the current workflow code`, () => {
  // Bundling the workflow code takes seconds on a loaded machine: once, before the replays.
  beforeAll(async () => {
    await workflowBundle();
  }, 120_000);

  it.each(current)(
    '%s',
    async (file) => {
      const { workflowId, history } = read(file);
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), replayName: file },
        historyFromJSON(history),
        workflowId,
      );
    },
    60_000,
  );
});
