// One stage: decide whether the target label moves, and to which hash, then run that promotion. The workflow ID
// stage/<release>/<distro>/<label> allows one running stage per label: the per-label lock, across any number of
// workers and without a host lock.
import { ApplicationFailure, ChildWorkflowFailure, setCurrentDetails } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { decide } from '../domain/engine.js';
import { gate } from '../domain/policy.js';
import { fullHash } from '../domain/hash.js';
import { artifactKinds, promotionFor, type ArtifactKind } from '../domain/promotion.js';
import { dlrn } from './activity-proxies.js';
import { runPromotion } from './start-promotion.js';
import type { StageControls, StageResult } from './contract.js';

export interface StageInput {
  config: ReleaseConfig;
  targetLabel: string;
  dryRun?: boolean;
  controls?: StageControls;
}

export async function stage(input: StageInput): Promise<StageResult> {
  const cfg = input.config;
  const p = promotionFor(cfg, input.targetLabel);
  const base = {
    release: cfg.release,
    distro: cfg.distro,
    targetLabel: p.targetLabel,
    candidateLabel: p.candidateLabel,
  };
  setCurrentDetails(`evaluating **${p.candidateLabel} → ${p.targetLabel}** for ${cfg.release}/${cfg.distro}`);
  const gathered = await dlrn.gatherCandidates.executeWithOptions(
    { startToCloseTimeout: '5 minutes', summary: `candidates of ${p.candidateLabel} and their votes` },
    [
      {
        apiUrl: cfg.apiUrl,
        hashKind: cfg.hashKind,
        candidateLabel: p.candidateLabel,
        targetLabel: p.targetLabel,
        lookBack: cfg.latestHashesCount,
      },
    ],
  );
  const decision = decide({
    candidateLabel: p.candidateLabel,
    targetLabel: p.targetLabel,
    ...gathered,
    criteria: p.criteria,
    alternativeCriteria: p.alternativeCriteria,
    waivers: input.controls?.waivers ?? [],
    now: Math.floor(Date.now() / 1000),
  });
  const before = decision.currentTarget ? fullHash(decision.currentTarget) : null;
  const result = { ...base, before, selected: decision.selectedFullHash, candidates: decision.candidates };
  if (!decision.selected || !decision.selectedFullHash) {
    const waiting = decision.candidates.find((c) => c.status === 'in_progress' || c.status === 'missing_jobs');
    const reason = waiting
      ? `newest candidate ${waiting.fullHash}: ${waiting.reason}`
      : 'no candidate newer than the target';
    setCurrentDetails(`nothing to promote to **${p.targetLabel}**: ${reason}`);
    return { ...result, outcome: 'nothing-to-promote', reason };
  }
  const hash = decision.selectedFullHash;
  const verdict = gate({
    promotion: p,
    fullHash: hash,
    candidateSince: decision.candidates.find((c) => c.status === 'selected')?.timestamp ?? null,
    held: input.controls?.hold ?? null,
    approved: input.controls?.approved.includes(hash) ?? false,
    now: Math.floor(Date.now() / 1000),
  });
  if (verdict) {
    setCurrentDetails(`**${p.targetLabel}**: ${verdict.reason}`);
    return { ...result, outcome: verdict.outcome, reason: verdict.reason, wakeAt: verdict.wakeAt };
  }
  if (input.dryRun || cfg.dryRun) {
    return { ...result, outcome: 'dry-run', reason: `would promote ${hash} to ${p.targetLabel}` };
  }
  const kinds: ArtifactKind[] = artifactKinds(cfg);
  try {
    const promoted = await runPromotion({
      config: cfg,
      targetLabel: p.targetLabel,
      candidateLabel: p.candidateLabel,
      hash: decision.selected,
      expectedCurrent: before,
      kinds,
      reason: 'criteria met',
    });
    if ('busy' in promoted) {
      return { ...result, outcome: 'busy', reason: `a promotion of ${hash} to ${p.targetLabel} is already running` };
    }
    const why = decision.candidates.find((c) => c.status === 'selected')?.reason ?? 'criteria met';
    return { ...result, outcome: promoted.outcome, reason: why, promotion: promoted };
  } catch (err) {
    if (err instanceof ChildWorkflowFailure) {
      const cause = err.cause as ApplicationFailure | undefined;
      return { ...result, outcome: 'failed', reason: cause?.message ?? err.message };
    }
    throw err;
  }
}
