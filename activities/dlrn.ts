// DLRN read activities: thin adapters over the DLRN API client that gather what the decision engine needs
// (dlrn-gather.ts). The promote activity lives in dlrn-promote.ts.
import type { DlrnClient } from '../integrations/dlrn.js';
import type { JobVote } from '../domain/engine.js';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../domain/hash.js';
import { gather, votesOfMany } from './dlrn-gather.js';
import { head, type GatherInput, type GatherResult, type LabelHead, type LabelHeadsInput } from './dlrn-read.js';

export * from './dlrn-read.js';

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
     * Candidates newer than the target's current hash, the part of the target's history that matters, when each
     * candidate first reached the candidate label, and every vote on the newer candidates (dlrn-gather.ts).
     */
    async gatherCandidates(input: GatherInput): Promise<GatherResult> {
      return gather(dlrnFor(input.apiUrl), input);
    },
  };
}

/** Every vote on one hash, as the engine reads them, through the same path as the decision's (GraphQL, else REST). */
export async function votesOf(dlrn: DlrnClient, h: DlrnHash): Promise<JobVote[]> {
  const key = fullHash(h);
  const { votes, unresolved } = await votesOfMany(dlrn, [[key, h]]);
  if (key in unresolved) {
    throw new PromoterError(ErrorCode.DlrnNotFound, unresolved[key]!, { context: { fullHash: key } });
  }
  return votes[key] ?? [];
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
