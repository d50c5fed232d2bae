// The promotion's DLRN step with the guard and the hold check inside the commit (patch dlrn-commit-guarded): a
// DLRN-only promotion is one activity; with artifacts, nothing reads DLRN between the artifacts and the commit, and
// verify takes the label's head from the commit. Time-skipping server, fake activities over a small world.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { fullHash } from '../../domain/hash.js';
import { recordHistory } from '../helpers/history.js';
import { failedResult, type Harness, promotionSuite } from '../helpers/promotion-harness.js';
import { fail, LABEL, NEW, OLD, OLDER } from '../helpers/promotion-world.js';
import { timeSkippingEnv } from '../helpers/workflow-env.js';

const [old, neu, older] = [fullHash(OLD), fullHash(NEW), fullHash(OLDER)];
let env: TestWorkflowEnvironment;
let h: Harness;

promotionSuite(timeSkippingEnv, (e, x) => ((env = e), (h = x)));

/** A stage's DLRN-only promotion of NEW over OLD. */
const dlrnOnly = () => h.start({ kinds: ['dlrn'], respectHolds: true });
const activitiesRun = () => ({ ...h.world.attempts });

describe('a DLRN-only promotion', () => {
  it('is one activity: the guard, the hold check and the commit in commitDlrnLabel; verify reads nothing', async () => {
    const handle = await dlrnOnly();
    const r = await handle.result();
    await recordHistory(env.client, handle.workflowId, 'promotion-dlrn-only-one-step');
    expect(r).toMatchObject({ outcome: 'promoted', previous: old, warnings: [] });
    expect(activitiesRun()).toEqual({ commitDlrnLabel: 1 });
    expect(h.world.holdsAsked).toBe(1);
    expect(h.world.events).toEqual([`dlrn previous-${LABEL} -> ${old}`, `dlrn ${LABEL} -> ${neu}`]);
    expect(r.steps.filter((s) => s.state !== 'running').map((s) => `${s.step} ${s.state}`)).toEqual([
      'guard skipped',
      'verify-artifacts done',
      'snapshot done',
      'containers skipped',
      'images skipped',
      'dlrn done',
      'verify done',
    ]);
  });

  it('a label someone moved since the decision: LabelMoved from the DLRN step, nothing written', async () => {
    h.world.dlrn[LABEL]!.push(older);
    const { type, result } = await failedResult(await dlrnOnly());
    expect(type).toBe('PromotionFailed');
    expect(result).toMatchObject({
      outcome: 'failed-undone',
      error: { step: 'dlrn', type: 'LabelMovedError', message: expect.stringContaining(`to ${older}`) },
    });
    expect(activitiesRun()).toEqual({ commitDlrnLabel: 1 }); // no read again after LabelMoved
    expect(h.world.rows(LABEL, neu)).toBe(0);
  });

  it('a hold placed while the pass ran: held before the POST, nothing written', async () => {
    h.world.hold = { by: 'alice', why: 'infra outage' };
    const handle = await dlrnOnly();
    const r = await handle.result();
    await recordHistory(env.client, handle.workflowId, 'promotion-dlrn-only-held');
    expect(r).toMatchObject({
      outcome: 'held',
      error: { step: 'hold-check', type: 'Held', message: 'current-tripleo held by alice: infra outage' },
    });
    expect([h.world.events, h.world.head(LABEL)]).toEqual([[], old]);
  });

  it('DLRN already at the hash: already-promoted, nothing written', async () => {
    h.world.dlrn[LABEL]!.push(neu);
    const r = await (await dlrnOnly()).result();
    expect(r.outcome).toBe('already-promoted');
    expect([h.world.events, h.world.rows(LABEL, neu)]).toEqual([[], 1]);
  });

  it('a crash after DLRN took the batch: the retry finds its own POST landed, promoted once', async () => {
    // The first attempt writes, then dies before it reports (a worker killed after DLRN answered).
    h.world.after.commitDlrnLabel = fail('WorkerDied', 'the worker died after DLRN answered', { times: 1 });
    const r = await (await dlrnOnly()).result();
    expect(r.outcome).toBe('promoted');
    expect([
      h.world.attempts.commitDlrnLabel,
      h.world.rows(LABEL, neu),
      h.world.rows(`previous-${LABEL}`, old),
    ]).toEqual([2, 1, 1]);
  });

  it('every attempt of the step fails after DLRN took it: one read shows the label at the hash, promoted', async () => {
    h.world.after.commitDlrnLabel = fail('DlrnUnavailableError', 'DLRN answered 503 after the write');
    const r = await (await dlrnOnly()).result();
    expect(r.outcome).toBe('promoted');
    expect(r.warnings.join()).toMatch(/DLRN step failed .* is at/);
    expect(h.world.attempts.labelHeads).toBe(1);
    expect(h.world.rows(LABEL, neu)).toBe(1);
  });

  it("DLRN refusing previous-<label>'s item (the current hash) fails it: not the candidate's refusal", async () => {
    const message = `DLRN refused moving previous-${LABEL} to ${old}, what ${LABEL} holds now: 410 purged; nothing moved`;
    h.world.before.commitDlrnLabel = fail('DlrnPreviousRefused', message, { nonRetryable: true });
    const { type, result } = await failedResult(await dlrnOnly());
    expect(type).toBe('PromotionFailed');
    expect(result).toMatchObject({ outcome: 'failed-undone', error: { step: 'dlrn', type: 'DlrnPreviousRefused' } });
  });

  it('force-promote and rollback (no respectHolds) do not ask for holds', async () => {
    h.world.hold = { by: 'alice', why: 'infra outage' };
    const r = await (await h.start({ kinds: ['dlrn'] })).result();
    expect(r.outcome).toBe('promoted');
    expect(h.world.holdsAsked).toBe(0);
  });
});

describe('a promotion with artifacts', () => {
  it('reads DLRN once, before the artifacts: the commit guards itself and verify takes its head', async () => {
    const handle = await h.start({ respectHolds: true });
    const r = await handle.result();
    await recordHistory(env.client, handle.workflowId, 'promotion-artifacts-guarded-commit');
    expect(r.outcome).toBe('promoted');
    expect([h.world.attempts.labelHeads, h.world.attempts.checkControls, h.world.holdsAsked]).toEqual([
      1,
      undefined,
      1,
    ]);
    expect(h.world.head(LABEL)).toBe(neu);
  });

  it('a hold stops it before the commit and puts the artifacts back', async () => {
    h.world.hold = { by: 'alice', why: 'infra outage' };
    const r = await (await h.start({ respectHolds: true })).result();
    expect(r).toMatchObject({ outcome: 'held', error: { step: 'hold-check' } });
    expect(r.restored).toEqual(['qcow2 links', 'container tags (9)']);
    expect([h.world.tagsOff(LABEL, old), h.world.links[LABEL], h.world.head(LABEL)]).toEqual([[], old, old]);
  });

  it('the label moved while the artifacts moved: LabelMoved at the commit, artifacts put back', async () => {
    h.world.after.promoteQcowImages = () => void h.world.dlrn[LABEL]!.push(older);
    const { result } = await failedResult(await h.start({ respectHolds: true }));
    expect(result).toMatchObject({ outcome: 'failed-undone', error: { step: 'dlrn', type: 'LabelMovedError' } });
    expect([h.world.tagsOff(LABEL, old), h.world.links[LABEL], h.world.rows(LABEL, neu)]).toEqual([[], old, 0]);
  });
});
