// How promotions are started and scheduled: runPromotion (used by stage, force-promote and rollback) hands a failed
// promotion's result back, and every activity the saga schedules has timeouts sized to its role.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import type { StartPromotionResult } from '../../workflows/start-promotion.js';
import { input, type Harness, promotionSuite } from '../helpers/promotion-harness.js';
import { fail, World } from '../helpers/promotion-world.js';
import { localEnv } from '../helpers/workflow-env.js';

let env: TestWorkflowEnvironment;
let h: Harness;

// The time-skipping server does not start children with search attributes.
promotionSuite(localEnv, (e, x) => ((env = e), (h = x)));

const runParent = (id: string, over = {}) =>
  env.client.workflow.execute<(req: unknown) => Promise<StartPromotionResult>>('promotionParent', {
    taskQueue: h.taskQueue,
    workflowId: id,
    args: [{ ...input(over), summaryPrefix: 'force: ' }],
  });

describe('runPromotion', () => {
  it('returns the result of a refused promotion (no failure to parse), started with REQUEST_CANCEL', async () => {
    h.world.before.commitDlrnLabel = fail('DlrnRefused', '410 Gone: hash purged', { nonRetryable: true });
    const id = `parent-${Date.now()}`;
    const r = await runParent(id);
    expect(r).toMatchObject({
      outcome: 'refused',
      error: { step: 'dlrn', type: 'DlrnRefused', message: '410 Gone: hash purged' },
      restored: ['qcow2 links', 'container tags (9)'],
      leftAhead: [],
    });
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    const started = history.events!.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    const attrs = started!.startChildWorkflowExecutionInitiatedEventAttributes!;
    expect(attrs.parentClosePolicy).toBe(3); // PARENT_CLOSE_POLICY_REQUEST_CANCEL
    expect(attrs.workflowId).toMatch(/^promotion\/master\/centos9\/current-tripleo\//);
  }, 30_000);

  it('returns a promoted result as before', async () => {
    const r = await runParent(`parent-ok-${Date.now()}`);
    expect(r).toMatchObject({ outcome: 'promoted', warnings: [] });
  });
});

// ---- timeouts per activity ------------------------------------------------------------------------------------

const MINUTE = 60;
/** Activities that can run long: heartbeat (a dead worker costs seconds) and a start-to-close that fits 150 images. */
const LONG: Record<string, number> = {
  verifyContainerImages: 20 * MINUTE,
  containerTagsAt: 20 * MINUTE,
  promoteContainerImages: 60 * MINUTE,
  restoreContainerTags: 20 * MINUTE,
  verifyQcowImages: 5 * MINUTE,
  qcowLinksAt: 5 * MINUTE,
  promoteQcowImages: 5 * MINUTE,
  restoreQcowLinks: 5 * MINUTE,
  commitDlrnLabel: 5 * MINUTE,
};
/** Quick reads that do not heartbeat: a short start-to-close, so a lost worker costs seconds too. (The hold check
 * runs inside commitDlrnLabel.) */
const SHORT = ['labelHeads'];

const seconds = (d: temporal.api.common.v1.IPayload | { seconds?: unknown } | null | undefined) =>
  d && 'seconds' in d ? Number(d.seconds ?? 0) : 0;

describe('activity timeouts', () => {
  it('every activity that can run long heartbeats within 30 s; quick reads have a short start-to-close', async () => {
    h.world.hold = { by: 'alice', why: 'freeze' };
    const held = await h.start({ respectHolds: true }); // schedules both restores
    await held.result();
    h.world = new World();
    const promoted = await h.start({ kinds: ['containers', 'images', 'dlrn'] });
    await promoted.result();

    const scheduled = new Map<string, { heartbeat: number; startToClose: number }>();
    for (const handle of [held, promoted]) {
      for (const e of (await handle.fetchHistory()).events ?? []) {
        const a = e.activityTaskScheduledEventAttributes;
        if (!a) continue;
        scheduled.set(a.activityType!.name!, {
          heartbeat: seconds(a.heartbeatTimeout),
          startToClose: seconds(a.startToCloseTimeout),
        });
      }
    }
    const wrong: string[] = [];
    for (const [name, t] of scheduled) {
      if (name in LONG) {
        if (t.heartbeat === 0 || t.heartbeat > 30) wrong.push(`${name}: heartbeatTimeout ${t.heartbeat}s`);
        if (t.startToClose < LONG[name]!) wrong.push(`${name}: startToClose ${t.startToClose}s < ${LONG[name]}s`);
      } else {
        if (t.heartbeat !== 0) wrong.push(`${name}: heartbeats (${t.heartbeat}s) but is a quick read`);
        if (t.startToClose > MINUTE) wrong.push(`${name}: startToClose ${t.startToClose}s for a quick read`);
      }
    }
    expect(wrong).toEqual([]);
    expect([...scheduled.keys()].sort()).toEqual([...Object.keys(LONG), ...SHORT].sort());
  });
});
