// One promotion: one hash to one label of one release/distro. Runs as its own workflow whose ID is
// promotion/<release>/<distro>/<label>/<full_hash>, so it happens once per (label, hash).
//
// The runbook: guard (label still where the decision saw it) -> verify every artifact exists -> snapshot what the
// label points at now -> containers -> qcow2 images -> DLRN previous-<label> and <label> (the commit point, which
// reads the label again and asks the controller for holds right before its POST) -> verify all agree. A DLRN-only
// promotion is that one commit step: its own guard is the only one it needs.
//
// Failure semantics: transient errors are retried inside each step. Before the commit, a step that fails for good,
// a hold or an abort stops the promotion: in-flight artifact activities are cancelled and awaited, then every
// compensation puts its tags or links back on its own; what could not be put back is named (leftAhead). The DLRN
// step is not cancellable, and when it fails the label is read again: at the new hash, the promotion is done. Once
// DLRN has moved, nothing is undone.
import { CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { ErrorCode } from '../domain/errors.js';
import { fullHash as fullHashOf, type DlrnHash } from '../domain/hash.js';
import type { ArtifactKind } from '../domain/promotion.js';
import type { PromotionError, PromotionOutcome, PromotionResult } from './contract.js';
import { errorOf, isDlrnRefusal, Progress, promotionFailure, rootCause } from './promotion-record.js';
import * as s from './promotion-steps.js';

export interface PromotionInput {
  config: ReleaseConfig;
  targetLabel: string;
  candidateLabel: string;
  hash: DlrnHash;
  /** full_hash the target held when the promotion was decided; null if it never held one. */
  expectedCurrent: string | null;
  kinds: ArtifactKind[];
  /** Why: "criteria met", or who forced it and why. */
  reason: string;
  /** Move the old hash to previous-<label> (default: the config's create_previous; a rollback says false). */
  createPrevious?: boolean;
  /** Ask the controller for a hold right before the DLRN commit (stage promotions; not operator acts). */
  respectHolds?: boolean;
}

/**
 * Since this patch the DLRN step guards itself and asks for holds (commitDlrnLabel), and verify takes the label's
 * head from it: a DLRN-only promotion skips the first guard, the hold-check and every DLRN read around the commit.
 */
export const COMMIT_GUARDED_PATCH = 'dlrn-commit-guarded';

export async function promotion(input: PromotionInput): Promise<PromotionResult> {
  const { config: cfg, targetLabel: label } = input;
  const hash = fullHashOf(input.hash);
  const t = s.targetOf(cfg, label, hash, input.hash);
  const log = new Progress(hash, label, cfg);
  const createPrevious = input.createPrevious ?? cfg.createPrevious;
  const undo: s.Compensation[] = [];
  let kinds = input.kinds;
  let digests: Record<string, string> = {};
  let before: string | null = null;

  /** Stops before the commit: compensate (never cancelled), then end held, refused, failed or cancelled. */
  const stop = async (outcome: PromotionOutcome, error: PromotionError) =>
    CancellationScope.nonCancellable(async () => {
      let restored: string[] = [];
      let leftAhead: string[] = [];
      if (undo.length > 0) {
        log.compensation('running', undo.map((c) => c.what).join(', '));
        ({ restored, leftAhead } = await s.compensate(undo));
        log.compensation(leftAhead.length ? 'failed' : 'done', [...restored, ...leftAhead].join('; '));
      }
      const partly = outcome === 'failed-undone' && leftAhead.length > 0;
      return log.result(partly ? 'failed-partly-undone' : outcome, { error, restored, leftAhead });
    });

  const guarded = patched(COMMIT_GUARDED_PATCH);
  // Nothing moves before DLRN: the commit's own guard, right before its POST, is the guard.
  const dlrnOnly = guarded && kinds.includes('dlrn') && s.artifactKindsOf(t, kinds).length === 0;
  let committed: Committed | null = null;
  try {
    let dlrnDone = false;
    if (dlrnOnly) log.skipped('guard', 'the DLRN step reads the label right before its POST');
    else {
      log.start('guard');
      before = await s.labelHead(t);
      dlrnDone = before === hash;
      if (!dlrnDone && before !== input.expectedCurrent) throw s.labelMoved(t, input.expectedCurrent, before);
      // DLRN at the hash only settles DLRN: the artifact kinds asked for still move if they lag (force --kinds).
      if (dlrnDone) kinds = kinds.filter((k) => k !== 'dlrn');
    }
    const artifacts = s.artifactKindsOf(t, kinds);
    if (!dlrnOnly) log.done('guard', dlrnDone ? `DLRN already has ${hash} on ${label}` : undefined);
    if (dlrnDone && artifacts.length === 0) return log.result('already-promoted');

    log.start('verify-artifacts');
    digests = await s.verifyArtifacts(t, artifacts);
    log.done('verify-artifacts');

    log.start('snapshot');
    const snap = await s.snapshot(t, artifacts);
    const atHash = s.kindsAtHash(t, snap, digests);
    log.done('snapshot', atHash.length ? `already at ${hash}: ${atHash.join(', ')}` : undefined);
    if (dlrnDone && artifacts.every((k) => atHash.includes(k))) return log.result('already-promoted');

    if (artifacts.includes('containers') && !atHash.includes('containers')) {
      log.start('containers', `${t.imageList.length} images to ${t.registries.length} registries`);
      undo.push(s.restoreTags(t, snap.tags!));
      log.done('containers', await s.promoteContainers(t));
    } else log.skipped('containers', atHash.includes('containers') ? `already at ${hash}` : undefined);

    if (artifacts.includes('images') && !atHash.includes('images')) {
      log.start('images');
      undo.push(s.restoreLinks(t, snap.links!));
      await s.promoteQcow(t, createPrevious);
      log.done('images');
    } else log.skipped('images', atHash.includes('images') ? `already at ${hash}` : undefined);

    const commitChecksHolds = guarded && kinds.includes('dlrn');
    if (input.respectHolds && !commitChecksHolds) {
      log.start('hold-check');
      const hold = await s.checkHold(t);
      if (hold) return await stop('held', held(log, label, hold));
      log.done('hold-check');
    }

    if (kinds.includes('dlrn') && guarded) {
      log.start('dlrn', 'guard and hold check, then previous-label and label');
      const c = await CancellationScope.nonCancellable(() => commitGuarded(t, input, createPrevious, log, before));
      if ('held' in c) return await stop('held', held(log, label, c.held));
      if (dlrnOnly && c.already) return log.result('already-promoted');
      committed = c;
    } else if (kinds.includes('dlrn')) {
      log.start('dlrn', 'guard, then previous-label, then label');
      const now = await s.labelHead(t);
      if (now === hash) {
        log.done('dlrn', `${label} reached ${hash} meanwhile`);
        committed = { previous: before };
      } else {
        if (now !== input.expectedCurrent) throw s.labelMoved(t, input.expectedCurrent, now);
        committed = await CancellationScope.nonCancellable(() => commit(t, input, createPrevious, log, before));
      }
    } else log.skipped('dlrn');
  } catch (err) {
    const error = isCancellation(err)
      ? { step: log.current, type: 'Aborted', message: 'the promotion was cancelled (abort)' }
      : errorOf(log.current, err);
    log.failed(log.current, error.message);
    const result = await stop(isDlrnRefusal(error) ? 'refused' : 'failed-undone', error);
    if (isCancellation(err)) throw err; // an abort ends as cancelled, after compensation
    throw promotionFailure(result, err);
  }

  // Past the commit: an abort no longer changes anything, and nothing is undone.
  return CancellationScope.nonCancellable(async () => {
    log.start('verify');
    const { problems, unread } = await s.verifyAll(t, input.kinds, digests, committed?.head);
    log.warnings.push(...unread);
    const previous = committed?.previous ?? null;
    if (problems.length > 0) {
      const message = `${problems.length} disagreement(s) after the promotion: ${problems.slice(0, 5).join('; ')}`;
      log.failed('verify', message);
      const error = { step: 'verify' as const, type: ErrorCode.VerifyFailed, message };
      throw promotionFailure(log.result('failed-partly-undone', { previous, error, leftAhead: problems }));
    }
    log.done('verify', unread.length ? `${unread.length} read(s) failed: see warnings` : undefined);
    return log.result('promoted', { previous });
  });
}

/** What the DLRN step leaves for verify: previous-<label>'s new hash, and the label's head when the step knows it. */
interface Committed {
  previous: string | null;
  head?: string | null;
  /** The label held the hash before this promotion's step ran. */
  already?: boolean;
}

/** The hold-check's failure record: the promotion stops before the commit. */
function held(log: Progress, label: string, hold: { by: string; why: string }): PromotionError {
  const error = { step: 'hold-check' as const, type: 'Held', message: `${label} held by ${hold.by}: ${hold.why}` };
  log.failed('hold-check', error.message);
  return error;
}

/**
 * The DLRN commit with its guard and hold check. If the step fails (retries exhausted, a timeout, any error but
 * LabelMoved, which read the label itself) DLRN may still have taken it: the label is read again, and at the new
 * hash the promotion is done rather than undone.
 */
async function commitGuarded(
  t: s.Target,
  input: PromotionInput,
  createPrevious: boolean,
  log: Progress,
  before: string | null,
): Promise<Committed | { held: { by: string; why: string } }> {
  try {
    const r = await s.commitDlrn(t, input.candidateLabel, createPrevious, input.expectedCurrent, input.respectHolds);
    if (r.held) return { held: r.held };
    log.warnings.push(...r.warnings);
    log.done('dlrn', r.promoted ? `previous-${t.label} → ${r.previous ?? '(none)'}` : `${t.label} is at ${t.hash}`);
    return { previous: r.previous, head: r.head, already: r.already };
  } catch (err) {
    if (rootCause(err).type === ErrorCode.LabelMoved) throw err;
    return { previous: before ?? input.expectedCurrent, head: await landedDespite(t, err, log) };
  }
}

/**
 * The DLRN commit. If the step fails (retries exhausted, a timeout, any error) DLRN may still have taken it: the
 * label is read again, and at the new hash the promotion is done rather than undone.
 */
async function commit(
  t: s.Target,
  input: PromotionInput,
  createPrevious: boolean,
  log: Progress,
  before: string | null,
): Promise<{ previous: string | null }> {
  try {
    const r = await s.promoteDlrn(t, input.candidateLabel, createPrevious);
    log.warnings.push(...r.warnings);
    log.done('dlrn', r.promoted ? `previous-${t.label} → ${r.previous ?? '(none)'}` : 'already there');
    return { previous: r.previous };
  } catch (err) {
    await landedDespite(t, err, log);
    return { previous: before };
  }
}

/** The DLRN step failed: answers the label's head if DLRN took the hash anyway (done), else rethrows the error. */
async function landedDespite(t: s.Target, err: unknown, log: Progress): Promise<string> {
  const now = await s.labelHead(t).catch(() => undefined);
  if (now !== t.hash) throw err;
  const why = errorOf('dlrn', err).message;
  log.warnings.push(`the DLRN step failed (${why}) but ${t.label} is at ${t.hash}: promoted`);
  log.done('dlrn', `${t.label} is at ${t.hash} (the step's error came after DLRN took it)`);
  return now;
}
