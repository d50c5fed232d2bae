// The DLRN promote activity: moves the label last, as RDO does. Check-then-act, because DLRN's promote is not
// idempotent (every call inserts a promotion row).
import type { DlrnClient } from '../integrations/dlrn.js';
import type { DlrnRepoClient } from '../integrations/dlrn-repo.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../domain/hash.js';
import { beat, head } from './dlrn.js';

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

export function createDlrnPromoteActivities(
  dlrnFor: (apiUrl: string) => DlrnClient,
  repoFor: (baseUrl: string) => DlrnRepoClient,
) {
  return {
    /**
     * Moves the DLRN label last, as RDO does: the current hash to previous-<label> first, then the new hash.
     * Check-then-act on both, so running it twice (a crash after DLRN answered) adds no second promotion row.
     */
    async promoteDlrnLabel(input: PromoteLabelInput): Promise<PromoteLabelResult> {
      const dlrn = dlrnFor(input.apiUrl);
      const kind = input.hash.kind;
      beat('reading the label');
      const wanted = fullHash(input.hash);
      const current = await head(dlrn, input.label, kind);
      const currentHash = current ? hashFromPromotion(current) : null;
      if (currentHash && fullHash(currentHash) === wanted) {
        const prev = await head(dlrn, `previous-${input.label}`, kind);
        return { promoted: false, previous: prev ? fullHash(hashFromPromotion(prev)) : null, warnings: [] };
      }
      const warnings: string[] = [];
      if (input.createPrevious && currentHash) {
        const prev = await head(dlrn, `previous-${input.label}`, kind);
        if (!prev || fullHash(hashFromPromotion(prev)) !== fullHash(currentHash)) {
          warnings.push(...(await promoteTo(currentHash, input.label, `previous-${input.label}`)));
        }
      }
      warnings.push(...(await promoteTo(input.hash, input.candidateLabel, input.label)));
      return { promoted: true, previous: currentHash ? fullHash(currentHash) : null, warnings };

      async function promoteTo(h: DlrnHash, fromLabel: string, toLabel: string): Promise<string[]> {
        beat(`promoting ${fullHash(h)} to ${toLabel}`);
        if (h.kind === 'commit') {
          await dlrn.promote({
            commit_hash: h.commitHash,
            distro_hash: h.distroHash,
            ...(h.extendedHash ? { extended_hash: h.extendedHash } : {}),
            promote_name: toLabel,
          });
          return [];
        }
        const components = await repoFor(input.baseUrl).aggregateComponents(fromLabel, h.aggregateHash);
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
      }
    },
  };
}
