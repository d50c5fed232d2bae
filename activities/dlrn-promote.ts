// The DLRN promote activity, the promotion's commit point: moves the label last, as RDO does. DLRN's promote is not
// idempotent (every POST inserts a row), so every POST is check-then-act: the target label is read right before it,
// and a POST that got no clear answer (timeout, reset, 5xx) is never sent again blindly: the label is read until it
// shows whether the POST landed. The activity heartbeats on an interval while any request is in flight, so a slow
// DLRN never looks like a dead worker (which would start a second attempt beside the first), and the cancellation
// signal stops its HTTP calls.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { DlrnClient } from '../integrations/dlrn.js';
import type { DlrnRepoClient } from '../integrations/dlrn-repo.js';
import { sleep } from '../integrations/dlrn-retry.js';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../domain/hash.js';
import { head } from './dlrn.js';

export interface PromoteLabelInput {
  apiUrl: string;
  baseUrl: string;
  hash: DlrnHash;
  /** The label the hash was promoted to before (an aggregate's repo files live under it). */
  candidateLabel: string;
  label: string;
  createPrevious: boolean;
}

export interface PromoteLabelResult {
  /** false when DLRN already had the hash on the label (a rerun after a crash). */
  promoted: boolean;
  /** full_hash of what the label held before, now on previous-<label>. */
  previous: string | null;
  /** DLRN's answer differed from the request (the old promoter only logged this). */
  warnings: string[];
}

/** The failure type of a promote DLRN refuses for good (403, 410 purged, 400 not found). */
export const DLRN_REFUSED = 'DlrnRefused';
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

export interface DlrnPromoteOptions {
  /** How often to heartbeat while a request is in flight (the SDK throttles what reaches the server). */
  heartbeatEveryMs?: number;
  /** How long to watch the label after a POST without a clear answer (default: the client's HTTP timeout). */
  settleMs?: number;
  /** POSTs per label move, each after a check showed the earlier one did not land. */
  postTries?: number;
}

/** Heartbeat details: what the next attempt needs after a crash. */
interface Progress {
  step: string;
  /** Set (null included) once previous-<label> is about to move: what it held before this promotion. */
  previousBefore?: DlrnHash | null;
}

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // called outside an activity
  }
}

export function createDlrnPromoteActivities(
  dlrnFor: (apiUrl: string) => DlrnClient,
  repoFor: (baseUrl: string) => DlrnRepoClient,
  { heartbeatEveryMs = 2_000, settleMs, postTries = 4 }: DlrnPromoteOptions = {},
) {
  return {
    /**
     * Moves the DLRN label last, as RDO does: the current hash to previous-<label> first, then the new hash.
     * Check-then-act on both, so running it twice (a crash after DLRN answered) adds no second promotion row. When
     * DLRN refuses the label's own promote for good, previous-<label> is put back before a non-retryable DlrnRefused.
     */
    async promoteDlrnLabel(input: PromoteLabelInput): Promise<PromoteLabelResult> {
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

      /** One POST per try, each right after the label showed the hash is not there yet. */
      const promoteChecked = async (h: DlrnHash, fromLabel: string, toLabel: string): Promise<string[]> => {
        for (let tries = 1; ; tries++) {
          if (await isAt(toLabel, h)) return [];
          beat(`promoting ${fullHash(h)} to ${toLabel}`);
          try {
            return await post(h, fromLabel, toLabel);
          } catch (err) {
            if (!(err instanceof PromoterError) || !err.retryable) throw err;
            beat(`no clear answer promoting ${fullHash(h)} to ${toLabel}: reading ${toLabel} until it shows`);
            if (await landedWithin(toLabel, h)) return [];
            if (tries >= postTries) throw err;
          }
        }
      };

      const post = async (h: DlrnHash, fromLabel: string, toLabel: string): Promise<string[]> => {
        if (h.kind === 'commit') {
          await dlrn.promote({
            commit_hash: h.commitHash,
            distro_hash: h.distroHash,
            ...(h.extendedHash ? { extended_hash: h.extendedHash } : {}),
            promote_name: toLabel,
          });
          return [];
        }
        const components = await repoFor(input.baseUrl).aggregateComponents(fromLabel, h.aggregateHash, signal);
        const res = await dlrn.promoteBatch(
          components.map((c) => ({
            commit_hash: c.commit_hash,
            distro_hash: c.distro_hash,
            ...(c.extended_hash ? { extended_hash: c.extended_hash } : {}),
            promote_name: toLabel,
          })),
        );
        if (res.aggregate_hash === h.aggregateHash) return [];
        return [`DLRN computed aggregate ${res.aggregate_hash} for ${toLabel}, expected ${h.aggregateHash}`];
      };

      /** The label's own promote failed for good: put previous-<label> back, then fail naming DLRN's answer. */
      const refused = async (err: PromoterError, current: DlrnHash | null): Promise<ApplicationFailure> => {
        const warnings: string[] = [];
        let restored: string | null = null;
        if (progress.previousBefore !== undefined) {
          const before = progress.previousBefore;
          if (before) {
            beat(`putting ${prevLabel} back to ${fullHash(before)}`);
            warnings.push(...(await promoteChecked(before, prevLabel, prevLabel)));
            restored = fullHash(before);
          } else {
            warnings.push(
              `${prevLabel} held nothing before and DLRN cannot unset a label: ` +
                `it stays at ${current ? fullHash(current) : '(none)'}`,
            );
          }
        }
        const status = typeof err.context.status === 'number' ? err.context.status : null;
        const dlrnMessage = typeof err.context.dlrnMessage === 'string' ? err.context.dlrnMessage : err.message;
        const details: DlrnRefusedDetails = {
          label,
          fullHash: fullHash(hash),
          status,
          dlrnMessage,
          code: err.code,
          previousRestored: restored,
          warnings,
        };
        const undo = restored ? `; ${prevLabel} put back to ${restored}` : warnings.length ? `; ${warnings[0]}` : '';
        return ApplicationFailure.create({
          type: REFUSALS.includes(err.code) ? DLRN_REFUSED : err.code,
          nonRetryable: true,
          message: `DLRN refused ${fullHash(hash)} on ${label}: ${status === null ? '' : `${status} `}${dlrnMessage}${undo}`,
          details: [details],
        });
      };

      try {
        const current = await headOf(label);
        if (current && fullHash(current) === fullHash(hash)) {
          const prev = await headOf(prevLabel);
          return { promoted: false, previous: prev ? fullHash(prev) : null, warnings: [] };
        }
        const warnings: string[] = [];
        if (input.createPrevious && current) {
          const prev = await headOf(prevLabel);
          if (!prev || fullHash(prev) !== fullHash(current)) {
            // Recorded before the move, so an attempt after a crash knows what to put back.
            if (progress.previousBefore === undefined) progress.previousBefore = prev;
            beat();
            warnings.push(...(await promoteChecked(current, label, prevLabel)));
          }
        }
        try {
          warnings.push(...(await promoteChecked(hash, input.candidateLabel, label)));
        } catch (err) {
          if (err instanceof PromoterError && !err.retryable) throw await refused(err, current);
          throw err;
        }
        return { promoted: true, previous: current ? fullHash(current) : null, warnings };
      } finally {
        clearInterval(timer);
      }
    },
  };
}
