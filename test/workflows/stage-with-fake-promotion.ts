// Workflows for the stage's workflow test: the real stage, and a promotion that DLRN refuses for good for the hashes
// named in its config's release name ("refuse:<full_hash>,<full_hash>"), as the saga reports it (COMMON interface 5).
import type { PromotionResult } from '../../workflows/contract.js';
import type { PromotionInput } from '../../workflows/promotion.js';
import { fullHash } from '../../domain/hash.js';

export { stage } from '../../workflows/stage.js';

export async function promotion(input: PromotionInput): Promise<PromotionResult> {
  const hash = fullHash(input.hash);
  const refused = (input.config.logFile ?? '').split(',').includes(hash);
  return {
    fullHash: hash,
    label: input.targetLabel,
    outcome: refused ? 'refused' : 'promoted',
    previous: input.expectedCurrent,
    steps: [],
    warnings: [],
    ...(refused ? { error: { step: 'dlrn', type: 'DlrnPurgedError', message: `410 ${hash} was purged` } } : {}),
  };
}
