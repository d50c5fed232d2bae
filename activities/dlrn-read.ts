// Shared pieces of the DLRN read activities: what gathering takes and gives, promotion rows as the engine reads
// them, and the hash filter of the promotions and repo_status queries.
import type { DlrnClient, Promotion } from '../integrations/dlrn.js';
import type { JobVote, PromotionRecord } from '../domain/engine.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../domain/hash.js';
import { Context } from '@temporalio/activity';

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

export const PAGE = 100;

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

/**
 * The label's newest row of this kind. DLRN looks up each row's commit, so a head asks for one row: promote and
 * promote-batch put the aggregate on the newest row they write. Only a component row on top needs the page.
 */
export async function head(dlrn: DlrnClient, label: string, kind: 'commit' | 'aggregate'): Promise<Promotion | null> {
  const newest = await dlrn.promotions({ promote_name: label, limit: 1 });
  if (kind === 'commit' || newest.length === 0 || ofKind(kind)(newest[0]!)) return newest.find(ofKind(kind)) ?? null;
  const page = await dlrn.promotions({ promote_name: label, limit: 100 });
  return page.find(ofKind(kind)) ?? null;
}
