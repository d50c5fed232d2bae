// One stage: decide whether the target label moves, and to which hash, then run that promotion. The workflow ID
// stage/<release>/<distro>/<label> allows one running stage per label: the per-label lock, across any number of
// workers and without a host lock. The decision runs in one activity that returns a bounded summary, so a long
// window of candidates with many votes never weighs on history.
import { ApplicationFailure, ChildWorkflowFailure, setCurrentDetails } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import type { StageDecision } from '../domain/decision-summary.js';
import { artifactKinds, promotionFor, type ArtifactKind } from '../domain/promotion.js';
import { dlrn } from './activity-proxies.js';
import { runPromotion } from './start-promotion.js';
import type { PromotionResult, RefusalRecord, StageControls, StageResult } from './contract.js';

export interface StageInput {
  config: ReleaseConfig;
  targetLabel: string;
  dryRun?: boolean;
  controls?: StageControls;
}

/** How many refused hashes one stage run falls back from before it stops (the next tick goes on). */
export const MAX_REFUSALS_PER_STAGE = 3;

export async function stage(input: StageInput): Promise<StageResult> {
  const cfg = input.config;
  const p = promotionFor(cfg, input.targetLabel);
  const base = {
    release: cfg.release,
    distro: cfg.distro,
    targetLabel: p.targetLabel,
    candidateLabel: p.candidateLabel,
  };
  const refusals: RefusalRecord[] = [];
  const decideNow = (): Promise<StageDecision> =>
    dlrn.decideStage.executeWithOptions(
      {
        startToCloseTimeout: '5 minutes',
        heartbeatTimeout: '30 seconds',
        summary: `candidates of ${p.candidateLabel} and their votes`,
      },
      [
        {
          apiUrl: cfg.apiUrl,
          hashKind: cfg.hashKind,
          candidateLabel: p.candidateLabel,
          targetLabel: p.targetLabel,
          lookBack: cfg.latestHashesCount,
          criteria: p.criteria,
          alternativeCriteria: p.alternativeCriteria,
          waivers: input.controls?.waivers ?? [],
          refused: [...(input.controls?.refused ?? []), ...refusals],
          gates: { promotion: p, held: input.controls?.hold ?? null, approved: input.controls?.approved ?? [] },
          inProgressTimeoutSeconds: cfg.inProgressTimeoutSeconds,
          now: Math.floor(Date.now() / 1000),
        },
      ],
    );

  let lastRefused: PromotionResult | undefined;
  // A refusal this run fell back from is part of why the stage ended as it did.
  const why = (reason: string) =>
    refusals.length
      ? `${reason} (refused this run: ${refusals.map((r) => `${r.fullHash}: ${r.message}`).join('; ')})`
      : reason;
  for (;;) {
    setCurrentDetails(`evaluating **${p.candidateLabel} → ${p.targetLabel}** for ${cfg.release}/${cfg.distro}`);
    const d = await decideNow();
    const result = {
      ...base,
      before: d.before,
      selected: d.selectedFullHash,
      candidates: d.candidates,
      counts: d.counts,
      warnings: d.warnings,
      ...(refusals.length ? { refusals } : {}),
      // The refused promotion this run fell back from: what it restored and what stays ahead stay visible.
      ...(lastRefused ? { promotion: lastRefused } : {}),
    };
    if (d.gate) {
      // A label gate (hold, window) on the selected hash, or a hash gate (soak, approval) with nothing selected:
      // `selected` names the hash that waits.
      setCurrentDetails(`**${p.targetLabel}**: ${d.gate.reason}`);
      const waits = d.selectedFullHash ?? d.waitingFullHash;
      return { ...result, selected: waits, outcome: d.gate.outcome, reason: why(d.gate.reason), wakeAt: d.wakeAt };
    }
    if (!d.selected || !d.selectedFullHash) {
      setCurrentDetails(`nothing to promote to **${p.targetLabel}**: ${d.reason}`);
      return { ...result, outcome: 'nothing-to-promote', reason: why(d.reason), wakeAt: d.wakeAt };
    }
    const hash = d.selectedFullHash;
    if (input.dryRun || cfg.dryRun) {
      return { ...result, outcome: 'dry-run', reason: `would promote ${hash} to ${p.targetLabel}`, wakeAt: d.wakeAt };
    }
    const kinds: ArtifactKind[] = artifactKinds(cfg);
    let promoted;
    try {
      promoted = await runPromotion({
        config: cfg,
        targetLabel: p.targetLabel,
        candidateLabel: p.candidateLabel,
        hash: d.selected,
        expectedCurrent: d.before,
        kinds,
        reason: 'criteria met',
        // A hold placed while this pass runs stops the promotion before its DLRN commit.
        respectHolds: true,
      });
    } catch (err) {
      if (err instanceof ChildWorkflowFailure) {
        const cause = err.cause as ApplicationFailure | undefined;
        return { ...result, outcome: 'failed', reason: cause?.message ?? err.message };
      }
      throw err;
    }
    if ('busy' in promoted) {
      return { ...result, outcome: 'busy', reason: `a promotion of ${hash} to ${p.targetLabel} is already running` };
    }
    if (promoted.outcome === 'refused' && refusals.length < MAX_REFUSALS_PER_STAGE) {
      // Refused for good: remember it for the controller and fall back to the next passing candidate.
      refusals.push({
        label: p.targetLabel,
        fullHash: hash,
        at: Math.floor(Date.now() / 1000),
        type: promoted.error?.type ?? 'refused',
        message: promoted.error?.message ?? 'refused',
      });
      lastRefused = promoted;
      setCurrentDetails(`**${p.targetLabel}**: ${hash} refused; deciding again without it`);
      continue;
    }
    return {
      ...result,
      ...(refusals.length ? { refusals } : {}),
      outcome: promoted.outcome,
      reason: promotionReason(promoted, d.reason),
      promotion: promoted,
      wakeAt: d.wakeAt,
    };
  }
}

/** Why the stage ended as it did: the selection's reason when promoted, else the promotion's own cause. */
function promotionReason(r: PromotionResult, selected: string): string {
  if (r.outcome === 'promoted' || r.outcome === 'already-promoted') return selected;
  const ahead = r.leftAhead?.length ? `; still ahead of DLRN: ${r.leftAhead.slice(0, 5).join(', ')}` : '';
  const restored = r.restored?.length ? ` (restored: ${r.restored.join(', ')})` : '';
  return `${r.outcome}: ${r.error?.message ?? 'no cause recorded'}${restored}${ahead}`;
}
