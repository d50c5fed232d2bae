// Test-only bundle entry: the promoter's workflows plus a parent that starts a promotion the way stage,
// force-promote and rollback do (runPromotion), so a test can see what they see.
import {
  runPromotion,
  type StartPromotionRequest,
  type StartPromotionResult,
} from '../../workflows/start-promotion.js';

export * from '../../workflows/index.js';

export async function promotionParent(req: StartPromotionRequest): Promise<StartPromotionResult> {
  return runPromotion(req);
}
