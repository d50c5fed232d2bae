// The evaluation order of a release's stages. Its own module, free of zod and yaml, because workflows run it: every
// module a workflow imports is evaluated again for every workflow the worker starts, and stays in memory as long as
// that workflow is cached.
import type { ReleaseConfig } from './config.js';

/**
 * Target labels in evaluation order: file order, except that a stage comes after the stage producing its
 * candidate label, so a hash can advance through a whole chain in one pass.
 */
export function stageOrder(cfg: Pick<ReleaseConfig, 'promotions'>): string[] {
  const targets = new Set(cfg.promotions.map((p) => p.targetLabel));
  const ordered: string[] = [];
  const pending = [...cfg.promotions];
  while (pending.length > 0) {
    const i = pending.findIndex((p) => !targets.has(p.candidateLabel) || ordered.includes(p.candidateLabel));
    // A cycle cannot pass validation; fall back to file order rather than loop forever.
    const [next] = pending.splice(i === -1 ? 0 : i, 1);
    if (next) ordered.push(next.targetLabel);
  }
  return ordered;
}
