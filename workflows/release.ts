// One promotion pass over a release's chain, stage after stage in chain order, so a hash whose criteria are met can
// travel tripleo-ci-testing -> current-tripleo -> current-tripleo-rdo in one pass. Started by the schedule of the
// release, by the CLI, and by the sandbox run.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, setCurrentDetails } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { stageOrder } from '../domain/stage-order.js';
import { stageWorkflowId } from '../domain/promotion.js';
import { CandidateLabel, Distro, PromotionLabel, Release } from './search-attributes.js';
import { stage } from './stage.js';
import type { ReleasePassResult, StageControls, StageSummary } from './contract.js';

export interface ReleasePassInput {
  config: ReleaseConfig;
  dryRun?: boolean;
  /** Controls per target label (holds, approvals, waivers), from the release controller. */
  controls?: Record<string, StageControls>;
  /** Only these target labels (in chain order); all when absent. */
  labels?: string[];
}

export async function promoteRelease(input: ReleasePassInput): Promise<ReleasePassResult> {
  const cfg = input.config;
  const order = stageOrder(cfg);
  const stages: StageSummary[] = [];
  const moved = new Set<string>();
  for (const label of order) {
    const p = cfg.promotions.find((x) => x.targetLabel === label)!;
    // A pass asked for some labels still follows the chain: a stage whose candidate label just moved runs too.
    if (input.labels && !input.labels.includes(label) && !moved.has(p.candidateLabel)) continue;
    setCurrentDetails(`stage ${stages.length + 1}/${order.length}: **${p.candidateLabel} → ${label}**`);
    try {
      const result = await executeChild(stage, {
        workflowId: stageWorkflowId(cfg.release, cfg.distro, label),
        args: [{ config: cfg, targetLabel: label, dryRun: input.dryRun, controls: input.controls?.[label] }],
        staticSummary: `evaluate ${p.candidateLabel} → ${label} for ${cfg.release}/${cfg.distro}`,
        typedSearchAttributes: [
          { key: Release, value: cfg.release },
          { key: Distro, value: cfg.distro },
          { key: PromotionLabel, value: label },
          { key: CandidateLabel, value: p.candidateLabel },
        ],
      });
      stages.push(result);
      if (result.outcome === 'promoted') moved.add(label);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      stages.push({ targetLabel: label, outcome: 'busy', reason: `another evaluation of ${label} is running` });
    }
  }
  setCurrentDetails(moved.size ? `promoted: ${[...moved].join(', ')}` : 'no label moved');
  return { release: cfg.release, distro: cfg.distro, stages };
}
