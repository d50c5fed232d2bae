// DLRN read activities: thin adapters over the DLRN API client that gather what the decision engine needs. The
// promote activity lives in dlrn-promote.ts.
import type { DlrnClient, Promotion } from '../integrations/dlrn.js';
import type { JobVote, PromotionRecord } from '../domain/engine.js';
import { ErrorCode, isPromoterError, PromoterError } from '../domain/errors.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../domain/hash.js';
import { Context } from '@temporalio/activity';
import pLimit from 'p-limit';

export interface LabelHead {
  label: string;
  /** null when the label was never promoted. */
  fullHash: string | null;
  hash: DlrnHash | null;
  promotedAt: number | null;
  user: string | null;
}

export interface LabelHeadsInput {
  apiUrl: string;
  labels: string[];
  hashKind?: 'commit' | 'aggregate';
}

export interface GatherInput {
  apiUrl: string;
  hashKind: 'commit' | 'aggregate';
  candidateLabel: string;
  targetLabel: string;
  /** latest_hashes_count: how many distinct candidate hashes to look back. */
  lookBack: number;
}

export interface GatherResult {
  candidatePromotions: PromotionRecord[];
  targetHistory: PromotionRecord[];
  votes: Record<string, JobVote[]>;
  /** full_hash -> its oldest promotion to the candidate label (the soak clock). */
  candidateSince: Record<string, number>;
  /** When the target's current hash first reached the candidate label (null: never; absent: it is a candidate). */
  currentCandidateSince?: number | null;
  /** full_hash -> why DLRN could not give its votes. */
  unresolved: Record<string, string>;
}

export const toRecord = (p: Promotion): PromotionRecord => ({
  commit_hash: p.commit_hash,
  distro_hash: p.distro_hash,
  extended_hash: p.extended_hash,
  aggregate_hash: p.aggregate_hash,
  component: p.component,
  promote_name: p.promote_name,
  timestamp: p.timestamp,
});

/** In an aggregate pipeline, promote-batch writes one row per component and only the last carries the aggregate. */
export const ofKind = (kind: 'commit' | 'aggregate') => (p: Promotion) =>
  (kind === 'aggregate') === (p.aggregate_hash !== null);

export const safeFullHash = (r: PromotionRecord): string | null => {
  try {
    return fullHash(hashFromPromotion(r));
  } catch {
    return null; // the engine reports malformed rows; gathering just skips their votes
  }
};

const PAGE = 100;

/** Tells Temporal the activity is alive, so a dead worker is noticed within the heartbeat timeout. */
export function beat(what: string): void {
  try {
    Context.current().heartbeat(what);
  } catch {
    // called outside an activity (unit tests)
  }
}

/** The promotions/repo_status filter that names exactly this hash. */
export function hashQuery(h: DlrnHash) {
  if (h.kind === 'aggregate') return { aggregate_hash: h.aggregateHash };
  return {
    commit_hash: h.commitHash,
    distro_hash: h.distroHash,
    ...(h.extendedHash ? { extended_hash: h.extendedHash } : {}),
  };
}

export async function head(dlrn: DlrnClient, label: string, kind: 'commit' | 'aggregate'): Promise<Promotion | null> {
  const page = await dlrn.promotions({ promote_name: label, limit: kind === 'aggregate' ? 100 : 1 });
  return page.find(ofKind(kind)) ?? null;
}

export function createDlrnActivities(dlrnFor: (apiUrl: string) => DlrnClient) {
  return {
    /** The hash each label points at now: its newest promotion. */
    async labelHeads({ apiUrl, labels, hashKind }: LabelHeadsInput): Promise<LabelHead[]> {
      const dlrn = dlrnFor(apiUrl);
      return Promise.all(
        labels.map(async (label): Promise<LabelHead> => {
          const newest = hashKind
            ? await head(dlrn, label, hashKind)
            : ((await dlrn.promotions({ promote_name: label, limit: 1 }))[0] ?? null);
          if (!newest) return { label, fullHash: null, hash: null, promotedAt: null, user: null };
          const hash = hashFromPromotion(newest);
          return { label, fullHash: fullHash(hash), hash, promotedAt: newest.timestamp, user: newest.user ?? null };
        }),
      );
    },

    /**
     * Candidates newer than the target's current hash, the part of the target's history that matters (its head and
     * any candidate it held before), when each candidate first reached the candidate label, and every vote on the
     * newer candidates. Reads pages only as far as needed: `consistent` alone has a row per build.
     */
    async gatherCandidates(input: GatherInput): Promise<GatherResult> {
      const dlrn = dlrnFor(input.apiUrl);
      const keep = ofKind(input.hashKind);
      const candidatePromotions: PromotionRecord[] = [];
      const seen = new Set<string>();
      const kinds = { commit: 0, aggregate: 0 };
      for (let offset = 0; seen.size < input.lookBack; offset += PAGE) {
        const page = await dlrn.promotions({ promote_name: input.candidateLabel, offset, limit: PAGE });
        for (const row of page) kinds[row.aggregate_hash === null ? 'commit' : 'aggregate'] += 1;
        checkHashKind(input, kinds, page.length < PAGE);
        for (const row of page.filter(keep)) {
          const rec = toRecord(row);
          const key = safeFullHash(rec) ?? `malformed-${candidatePromotions.length}`;
          if (!seen.has(key) && seen.size >= input.lookBack) break;
          seen.add(key);
          candidatePromotions.push(rec);
        }
        beat(`${candidatePromotions.length} candidate rows`);
        if (page.length < PAGE) break;
      }
      const targetHead = await head(dlrn, input.targetLabel, input.hashKind);
      const targetHistory: PromotionRecord[] = targetHead ? [toRecord(targetHead)] : [];
      const headHash = targetHead ? safeFullHash(toRecord(targetHead)) : null;
      const distinct = [...new Map(candidatePromotions.map((r) => [safeFullHash(r), r])).entries()].filter(
        (e): e is [string, PromotionRecord] => e[0] !== null,
      );
      const limit = pLimit(8);
      const candidateSince: Record<string, number> = {};
      // Every label each candidate ever had, in one query per hash: was it on the target, when did it first reach
      // the candidate label (re-promotions put it back on top; the soak clock starts at the first).
      const onTarget = await Promise.all(
        distinct.map(([key, rec]) =>
          limit(async () => {
            const rows = (await dlrn.promotions({ ...hashQuery(hashFromPromotion(rec)), limit: PAGE })).filter(keep);
            const first = oldest(rows.filter((r) => r.promote_name === input.candidateLabel));
            if (first !== null) candidateSince[key] = first;
            const row = rows.find((r) => r.promote_name === input.targetLabel);
            if (row && key !== headHash) targetHistory.push(toRecord(row));
            return key === headHash || row !== undefined;
          }),
        ),
      );
      beat('target history');
      let currentCandidateSince: number | null | undefined;
      if (targetHead && headHash !== null && !distinct.some(([key]) => key === headHash)) {
        // The current hash is outside the candidate window (a force-promote): when did it reach the candidate label?
        const rows = await dlrn.promotionsAll({
          ...hashQuery(hashFromPromotion(toRecord(targetHead))),
          promote_name: input.candidateLabel,
        });
        currentCandidateSince = oldest(rows.filter(keep));
      }
      // Votes only for candidates newer than anything the target ever had: the older ones cannot be promoted.
      const cut = onTarget.indexOf(true);
      const newer = distinct.slice(0, cut === -1 ? distinct.length : cut);
      const votes: Record<string, JobVote[]> = {};
      const unresolved: Record<string, string> = {};
      await Promise.all(
        newer.map(([key, rec]) =>
          limit(async () => {
            try {
              votes[key] = await votesOf(dlrn, hashFromPromotion(rec));
            } catch (err) {
              // A row DLRN cannot resolve (400 "combination not found") is that candidate's problem only.
              if (!isPromoterError(err, ErrorCode.DlrnNotFound)) throw err;
              unresolved[key] = err.message;
            }
          }),
        ),
      );
      beat('votes');
      return {
        candidatePromotions,
        targetHistory,
        votes,
        candidateSince,
        ...(currentCandidateSince !== undefined ? { currentCandidateSince } : {}),
        unresolved,
      };
    },
  };
}

const oldest = (rows: readonly { timestamp: number }[]): number | null =>
  rows.length === 0 ? null : Math.min(...rows.map((r) => r.timestamp));

/** Every vote on one hash, as the engine reads them. */
export async function votesOf(dlrn: DlrnClient, h: DlrnHash): Promise<JobVote[]> {
  const rows =
    h.kind === 'aggregate'
      ? await dlrn.aggStatus({ aggregate_hash: h.aggregateHash })
      : await dlrn.repoStatus(hashQuery(h) as { commit_hash: string; distro_hash: string });
  return rows.map((v) => ({
    job_id: v.job_id,
    success: v.success,
    in_progress: v.in_progress,
    timestamp: v.timestamp,
    ...(v.url ? { url: v.url } : {}),
  }));
}

/**
 * The configured hash_kind must match what the candidate label holds: aggregate rows under `commit`, or only
 * commit rows under `aggregate`, would otherwise promote nothing, silently.
 */
function checkHashKind(input: GatherInput, kinds: { commit: number; aggregate: number }, lastPage: boolean): void {
  // Aggregate pipelines also write one commit row per component: only a page of them and no aggregate is wrong.
  const wrong =
    input.hashKind === 'commit'
      ? kinds.aggregate > 0
      : kinds.aggregate === 0 && (kinds.commit >= PAGE || (lastPage && kinds.commit > 0));
  if (!wrong) return;
  const other = input.hashKind === 'commit' ? 'aggregate' : 'commit';
  throw new PromoterError(
    ErrorCode.Config,
    `hash_kind is ${input.hashKind}, but ${input.candidateLabel} in ${input.apiUrl} holds ${other} hashes ` +
      `(${kinds.aggregate} rows with an aggregate_hash, ${kinds.commit} without)`,
    {
      context: { field: 'hash_kind', hashKind: input.hashKind, label: input.candidateLabel, ...kinds },
      suggestion: `set hash_kind: ${other} in the release file`,
    },
  );
}

export function assertLabelAt(label: string, expected: string | null, actual: string | null): void {
  if (expected !== actual) {
    throw new PromoterError(
      ErrorCode.LabelMoved,
      `${label} moved from ${expected ?? '(none)'} to ${actual ?? '(none)'} since the promotion was decided`,
      { context: { label, expected, actual }, suggestion: 'Someone else promoted this label; evaluate again.' },
    );
  }
}
