// The DLRN promote activity, the promotion's commit point: moves the label last, as RDO does. DLRN's promote is not
// idempotent (every POST inserts a row), so the step is check-then-act: it reads the label and previous-<label>
// (and, for a stage, asks the controller for a hold) right before it POSTs, and a POST that got no clear answer
// (timeout, reset, 5xx) is never sent again blindly: the label is read until it shows whether the POST landed. The
// activity heartbeats on an interval while any request is in flight, so a slow DLRN never looks like a dead worker
// (which would start a second attempt beside the first), and the cancellation signal stops its HTTP calls.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { DlrnClient, PromoteRequest, PromoteResult } from '../integrations/dlrn.js';
import type { DlrnRepoClient } from '../integrations/dlrn-repo.js';
import { sleep } from '../integrations/dlrn-retry.js';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { fullHash, hashFromPromotion, type AggregateHash, type CommitHash, type DlrnHash } from '../domain/hash.js';
import { assertLabelAt, head } from './dlrn.js';

export interface PromoteLabelInput {
  apiUrl: string;
  baseUrl: string;
  hash: DlrnHash;
  /** The label the hash was promoted to before (an aggregate's repo files live under it). */
  candidateLabel: string;
  label: string;
  createPrevious: boolean;
}

/** commitDlrnLabel's input: the promotion's guard and hold check travel with the commit. */
export interface CommitLabelInput extends PromoteLabelInput {
  /**
   * The guard: the full_hash the label held when the promotion was decided (null: none). A label found elsewhere,
   * and not at the hash either, fails LabelMoved before anything is sent.
   */
  expectedCurrent: string | null;
  /** Ask this release's controller for a hold on the label, with the reads right before the POST (stages). */
  holdsOf?: { release: string; distro: string };
}

export interface PromoteLabelResult {
  /** false when DLRN already had the hash on the label (a rerun after a crash), or a hold stopped the step. */
  promoted: boolean;
  /** full_hash of what the label held before, now on previous-<label>. */
  previous: string | null;
  /** DLRN's answer differed from the request (the old promoter only logged this). */
  warnings: string[];
  /** full_hash the label holds after the step, from DLRN's answer to the POST or a read (absent: older code). */
  head?: string | null;
  /** The hold that stopped the step before anything was sent. */
  held?: { by: string; why: string };
  /** The label held the hash when the step's first attempt read it: nothing of this promotion moved it. */
  already?: boolean;
}

/** The failure type of a promote DLRN refuses for good (403, 410 purged, 400 not found). */
export const DLRN_REFUSED = 'DlrnRefused';
/** DLRN refused previous-<label>'s item (the label's current hash), not the candidate: not the candidate's refusal. */
export const DLRN_PREVIOUS_REFUSED = 'DlrnPreviousRefused';
const REFUSALS: readonly ErrorCode[] = [ErrorCode.DlrnForbidden, ErrorCode.DlrnPurged, ErrorCode.DlrnNotFound];

/** details[0] of a DlrnRefused failure. */
export interface DlrnRefusedDetails {
  label: string;
  fullHash: string;
  status: number | null;
  dlrnMessage: string;
  code: ErrorCode;
  /** full_hash previous-<label> was put back to; null when nothing was put back. */
  previousRestored: string | null;
  warnings: string[];
}

type Hold = { by: string; why: string } | null;

export interface DlrnPromoteOptions {
  /** How often to heartbeat while a request is in flight (the SDK throttles what reaches the server). */
  heartbeatEveryMs?: number;
  /** How long to watch the label after a POST without a clear answer (default: the client's HTTP timeout). */
  settleMs?: number;
  /** POSTs per label move, each after a check showed the earlier one did not land. */
  postTries?: number;
  /** The controller's hold on a label (the checkControls activity's answer); needed for holdsOf. */
  holdOf?: (ref: { release: string; distro: string; label: string }) => Promise<{ hold: Hold }>;
}

/** Heartbeat details: what the next attempt needs after a crash. */
interface Progress {
  step: string;
  /** Set (null included) once previous-<label> is about to move on its own: what it held before this promotion. */
  previousBefore?: DlrnHash | null;
}

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // called outside an activity
  }
}

const itemOf = (h: CommitHash, promoteName: string): PromoteRequest => ({
  commit_hash: h.commitHash,
  distro_hash: h.distroHash,
  ...(h.extendedHash ? { extended_hash: h.extendedHash } : {}),
  promote_name: promoteName,
});

const dlrnAnswer = (err: PromoterError) => ({
  status: typeof err.context.status === 'number' ? err.context.status : null,
  dlrnMessage: typeof err.context.dlrnMessage === 'string' ? err.context.dlrnMessage : err.message,
});

export function createDlrnPromoteActivities(
  dlrnFor: (apiUrl: string) => DlrnClient,
  repoFor: (baseUrl: string) => DlrnRepoClient,
  { heartbeatEveryMs = 2_000, settleMs, postTries = 4, holdOf }: DlrnPromoteOptions = {},
) {
  /**
   * Moves the DLRN label last, as RDO does: the current hash to previous-<label> and the new hash to the label.
   * Commit hashes move both in one promote-batch (one authenticated POST; DLRN checks every item before it writes
   * any and commits them together). Check-then-act, so running it twice (a crash after DLRN answered) adds no
   * second row. When DLRN refuses for good, nothing moved; a previous-<label> moved on its own (aggregates) is
   * put back before a non-retryable DlrnRefused.
   */
  const promote = async (
    input: PromoteLabelInput & Partial<Pick<CommitLabelInput, 'expectedCurrent' | 'holdsOf'>>,
  ): Promise<PromoteLabelResult> => {
    const ctx = activityContext();
    const signal = ctx?.cancellationSignal;
    const client = dlrnFor(input.apiUrl);
    const dlrn = client.withSignal(signal);
    const settle = settleMs ?? client.timeoutMs;
    const { hash, label } = input;
    const kind = hash.kind;
    const prevLabel = `previous-${label}`;
    const earlier = ctx?.info.heartbeatDetails as Progress | undefined;
    const progress: Progress = { step: 'reading the label' };
    if (earlier && 'previousBefore' in earlier) progress.previousBefore = earlier.previousBefore ?? null;
    const beat = (step?: string) => {
      if (step) progress.step = step;
      ctx?.heartbeat(progress);
    };
    beat();
    const timer = setInterval(beat, heartbeatEveryMs);

    const headOf = async (l: string) => {
      const p = await head(dlrn, l, kind);
      return p ? hashFromPromotion(p) : null;
    };
    const isAt = async (l: string, h: DlrnHash) => (await headOf(l).then((x) => x && fullHash(x))) === fullHash(h);
    const landedWithin = async (l: string, h: DlrnHash) => {
      for (const end = Date.now() + settle; ;) {
        if (await isAt(l, h)) return true;
        const left = end - Date.now();
        if (left <= 0) return false;
        await sleep(Math.min(1_000, left), signal);
      }
    };

    /**
     * One POST moving h to toLabel (last in its batch), sent again only after reading toLabel showed the earlier
     * one did not land. The caller has just read toLabel without h. Answers DLRN's answer, or null when a read
     * showed the POST landed.
     */
    const postChecked = async (
      h: DlrnHash,
      toLabel: string,
      send: () => Promise<PromoteResult>,
    ): Promise<PromoteResult | null> => {
      for (let tries = 1; ; tries++) {
        beat(`promoting ${fullHash(h)} to ${toLabel}`);
        try {
          return await send();
        } catch (err) {
          if (!(err instanceof PromoterError) || !err.retryable) throw err;
          beat(`no clear answer promoting ${fullHash(h)} to ${toLabel}: reading ${toLabel} until it shows`);
          if (await landedWithin(toLabel, h)) return null;
          if (tries >= postTries) throw err;
        }
      }
    };

    /** An aggregate's component commits as one batch to toLabel: DLRN computes the aggregate for it. */
    const aggregateBatch = (h: AggregateHash, fromLabel: string, toLabel: string) => async () => {
      const components = await repoFor(input.baseUrl).aggregateComponents(fromLabel, h.aggregateHash, signal);
      return dlrn.promoteBatch(
        components.map((c) => ({
          commit_hash: c.commit_hash,
          distro_hash: c.distro_hash,
          ...(c.extended_hash ? { extended_hash: c.extended_hash } : {}),
          promote_name: toLabel,
        })),
      );
    };
    const aggregateWarnings = (h: DlrnHash, toLabel: string, answer: PromoteResult | null): string[] =>
      h.kind === 'aggregate' && answer && answer.aggregate_hash !== h.aggregateHash
        ? [`DLRN computed aggregate ${answer.aggregate_hash} for ${toLabel}, expected ${h.aggregateHash}`]
        : [];

    /** What the label holds after a POST: DLRN's answer names the label's new row; else read it. */
    const headAfter = async (answer: PromoteResult | null): Promise<string | null> => {
      if (!answer) return fullHash(hash); // a read just showed it there
      if (answer.promote_name === label) {
        try {
          return fullHash(hashFromPromotion(answer));
        } catch {
          // an answer we cannot read as a hash: read the label instead
        }
      }
      const now = await headOf(label);
      return now && fullHash(now);
    };

    /** DLRN refused for good: put back a previous-<label> that moved on its own, then fail naming DLRN's answer. */
    const refused = async (
      err: PromoterError,
      current: DlrnHash | null,
      batched: boolean,
    ): Promise<ApplicationFailure> => {
      const warnings: string[] = [];
      let restored: string | null = null;
      if (progress.previousBefore !== undefined) {
        const before = progress.previousBefore;
        if (before) {
          beat(`putting ${prevLabel} back to ${fullHash(before)}`);
          if (!(await isAt(prevLabel, before))) {
            const send =
              before.kind === 'commit'
                ? () => dlrn.promoteBatch([itemOf(before, prevLabel)])
                : aggregateBatch(before, prevLabel, prevLabel);
            warnings.push(...aggregateWarnings(before, prevLabel, await postChecked(before, prevLabel, send)));
          }
          restored = fullHash(before);
        } else {
          warnings.push(
            `${prevLabel} held nothing before and DLRN cannot unset a label: ` +
              `it stays at ${current ? fullHash(current) : '(none)'}`,
          );
        }
      }
      const { status, dlrnMessage } = dlrnAnswer(err);
      const details: DlrnRefusedDetails = {
        label,
        fullHash: fullHash(hash),
        status,
        dlrnMessage,
        code: err.code,
        previousRestored: restored,
        warnings,
      };
      const undo = restored
        ? `; ${prevLabel} put back to ${restored}`
        : warnings.length
          ? `; ${warnings[0]}`
          : batched
            ? `; nothing moved (${prevLabel} was in the same batch)`
            : '';
      return ApplicationFailure.create({
        type: REFUSALS.includes(err.code) ? DLRN_REFUSED : err.code,
        nonRetryable: true,
        message: `DLRN refused ${fullHash(hash)} on ${label}: ${status === null ? '' : `${status} `}${dlrnMessage}${undo}`,
        details: [details],
      });
    };

    /** DLRN checks a batch's items in order: a refusal naming the current hash is previous-<label>'s item. */
    const previousRefused = (err: PromoterError, current: CommitHash): ApplicationFailure | null => {
      const { status, dlrnMessage } = dlrnAnswer(err);
      const named = `${current.commitHash}_${current.distroHash}`;
      if (!dlrnMessage.includes(named) && !dlrnMessage.includes(`promote_name ${prevLabel}`)) return null;
      return ApplicationFailure.create({
        type: DLRN_PREVIOUS_REFUSED,
        nonRetryable: true,
        message:
          `DLRN refused moving ${prevLabel} to ${fullHash(current)}, what ${label} holds now: ` +
          `${status === null ? '' : `${status} `}${dlrnMessage}; nothing moved`,
        details: [{ label: prevLabel, fullHash: fullHash(current), status, dlrnMessage, code: err.code }],
      });
    };

    try {
      const [current, prev, hold] = await Promise.all([
        headOf(label),
        headOf(prevLabel),
        input.holdsOf ? askHold(holdOf, { ...input.holdsOf, label }) : null,
      ]);
      const currentFull = current && fullHash(current);
      if (currentFull === fullHash(hash)) {
        const already = (ctx?.info.attempt ?? 1) === 1; // a later attempt may find its own earlier POST
        return { promoted: false, previous: prev && fullHash(prev), warnings: [], head: currentFull, already };
      }
      if (input.expectedCurrent !== undefined) assertLabelAt(label, input.expectedCurrent, currentFull);
      if (hold) return { promoted: false, previous: null, warnings: [], head: currentFull, held: hold };
      const movePrevious = input.createPrevious && current !== null && (!prev || fullHash(prev) !== currentFull);

      if (hash.kind === 'commit') {
        // previous-<label> and the label in one batch: atomic, and one password check instead of two.
        const items = [...(movePrevious ? [itemOf(current as CommitHash, prevLabel)] : []), itemOf(hash, label)];
        let answer: PromoteResult | null;
        try {
          answer = await postChecked(hash, label, () => dlrn.promoteBatch(items));
        } catch (err) {
          if (!(err instanceof PromoterError) || !REFUSALS.includes(err.code)) throw err;
          throw (
            (movePrevious && previousRefused(err, current as CommitHash)) || (await refused(err, current, movePrevious))
          );
        }
        return { promoted: true, previous: currentFull, warnings: [], head: await headAfter(answer) };
      }

      // Aggregates keep one batch per label: DLRN computes the aggregate hash (and writes its repo file) only for
      // a batch's last promote_name, so previous-<label> moves in a batch of its own, first.
      const warnings: string[] = [];
      if (movePrevious) {
        // Recorded before the move, so an attempt after a crash knows what to put back.
        if (progress.previousBefore === undefined) progress.previousBefore = prev;
        beat();
        const sent = await postChecked(current, prevLabel, aggregateBatch(current as AggregateHash, label, prevLabel));
        warnings.push(...aggregateWarnings(current, prevLabel, sent));
      }
      let answer: PromoteResult | null;
      try {
        answer = await postChecked(hash, label, aggregateBatch(hash, input.candidateLabel, label));
      } catch (err) {
        if (err instanceof PromoterError && !err.retryable) throw await refused(err, current, false);
        throw err;
      }
      warnings.push(...aggregateWarnings(hash, label, answer));
      return { promoted: true, previous: currentFull, warnings, head: await headAfter(answer) };
    } finally {
      clearInterval(timer);
    }
  };

  return {
    /** The contract of promotions started before the commit guard (patch dlrn-commit-guarded): no guard, no hold. */
    promoteDlrnLabel: (input: PromoteLabelInput): Promise<PromoteLabelResult> => promote(input),
    /**
     * The DLRN step of a promotion: the guard (expectedCurrent) and the hold check run with the reads right before
     * the POST, and the label's head comes back for verify. A new activity name, so a worker still running the old
     * code (a rolling restart) never receives a guard it would ignore: the task waits for a worker that has it.
     */
    commitDlrnLabel: (input: CommitLabelInput): Promise<PromoteLabelResult> => promote(input),
  };
}

async function askHold(
  holdOf: DlrnPromoteOptions['holdOf'],
  ref: { release: string; distro: string; label: string },
): Promise<Hold> {
  if (!holdOf) throw new PromoterError(ErrorCode.Config, 'holdsOf was asked but the worker wired no hold check');
  return (await holdOf(ref)).hold;
}
