// The one place a promotion workflow is started, for stages, force-promotions and rollbacks alike: its ID (the
// idempotency key), reuse and parent-close policies, search attributes and Web UI summary.
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ChildWorkflowFailure, executeChild, ParentClosePolicy, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { fullHash as fullHashOf } from '../domain/hash.js';
import { promotionFor, promotionSummary, promotionWorkflowId } from '../domain/promotion.js';
import { PromotionFailureType, type PromotionResult } from './contract.js';
import { promotion, type PromotionInput } from './promotion.js';
import { CandidateLabel, Distro, FullHash, PromotionLabel, Release } from './search-attributes.js';

export interface StartPromotionRequest extends Omit<PromotionInput, 'config'> {
  config: ReleaseConfig;
  /** "force-" or "roll back " in front of the summary sentence. */
  summaryPrefix?: string;
}

export type StartPromotionResult = PromotionResult | { busy: true; workflowId: string };

/**
 * Runs one promotion as a child workflow and waits for it. At most one run per (label, hash) at a time: a second
 * start while one runs answers busy. REQUEST_CANCEL: a parent that is cancelled (abort) or ends asks the promotion
 * to stop, and the promotion's own compensation decides what that means; it is never terminated mid-step.
 * A promotion that ended refused or failed (its workflow Failed, for the Web UI) comes back as its PromotionResult;
 * an abort still propagates as cancellation.
 */
export async function runPromotion(req: StartPromotionRequest): Promise<StartPromotionResult> {
  const { config: cfg, summaryPrefix, ...input } = req;
  const hash = fullHashOf(input.hash);
  const workflowId = promotionWorkflowId(cfg.release, cfg.distro, input.targetLabel, hash);
  const p = promotionFor(cfg, input.targetLabel);
  try {
    return await executeChild(promotion, {
      workflowId,
      // One run at a time per (label, hash); a later run finds DLRN already at the hash and changes nothing.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [{ config: cfg, ...input }],
      staticSummary: `${summaryPrefix ?? ''}${promotionSummary(hash, input.targetLabel, cfg.release, cfg.distro)}`,
      staticDetails: `candidate label ${p.candidateLabel}; criteria: ${p.criteria.join(', ')}`,
      typedSearchAttributes: [
        { key: Release, value: cfg.release },
        { key: Distro, value: cfg.distro },
        { key: PromotionLabel, value: input.targetLabel },
        { key: CandidateLabel, value: p.candidateLabel },
        { key: FullHash, value: hash },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { busy: true, workflowId };
    const result = resultOf(err);
    if (result) return result;
    throw err;
  }
}

const FAILURE_TYPES: readonly string[] = Object.values(PromotionFailureType);

/** The PromotionResult a failed promotion carries in details[0] (COMMON interface 5). */
function resultOf(err: unknown): PromotionResult | undefined {
  if (!(err instanceof ChildWorkflowFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const { type, details } = err.cause;
  if (!type || !FAILURE_TYPES.includes(type)) return undefined;
  return details?.[0] as PromotionResult | undefined;
}
