// What a promotion tells the world while it runs and when it ends: the step log (promotionProgress query and the
// Web UI's current details), the PromotionResult, and the failure that carries it (COMMON interface 5).
import { ApplicationFailure, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { ErrorCode } from '../domain/errors.js';
import {
  PromotionFailureType,
  promotionProgressQuery,
  type PromotionError,
  type PromotionOutcome,
  type PromotionResult,
  type StepName,
  type StepRecord,
} from './contract.js';
import { promotionObserved, stepObserved, type PromotionTags } from './observe.js';

const STEPS: StepName[] = [
  'guard',
  'verify-artifacts',
  'snapshot',
  'containers',
  'images',
  'hold-check',
  'dlrn',
  'verify',
];

/** DLRN said no for good to this (label, hash): the controller remembers it and the stage moves on. */
const DLRN_REFUSALS: readonly string[] = [
  'DlrnRefused',
  ErrorCode.DlrnForbidden,
  ErrorCode.DlrnPurged,
  ErrorCode.DlrnNotFound,
  ErrorCode.DlrnBadRequest,
];

/** The innermost failure: the activity's own error, not Temporal's "Activity task failed" wrapper around it. */
export function rootCause(err: unknown): { message: string; type: string; details: unknown[] } {
  let e = err as { message?: string; type?: string; cause?: unknown; details?: unknown[] } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return { message: e?.message ?? String(err), type: e?.type ?? 'Error', details: e?.details ?? [] };
}

/** The error record of a step that failed, with the activity's suggestion as the hint. */
export function errorOf(step: StepName, err: unknown): PromotionError {
  const root = rootCause(err);
  const hint = (root.details[0] as { suggestion?: unknown } | undefined)?.suggestion;
  return { step, type: root.type, message: root.message, ...(typeof hint === 'string' ? { hint } : {}) };
}

export const isDlrnRefusal = (e: PromotionError) => e.step === 'dlrn' && DLRN_REFUSALS.includes(e.type);

export class Progress {
  readonly steps: StepRecord[] = [];
  readonly warnings: string[] = [];
  current: StepName = 'guard';
  private readonly tags: PromotionTags;
  private readonly where: string;

  constructor(
    private readonly fullHash: string,
    private readonly label: string,
    at: { release: string; distro: string },
  ) {
    this.tags = { release: at.release, distro: at.distro, label, full_hash: fullHash };
    this.where = `${at.release}/${at.distro}`;
    setHandler(promotionProgressQuery, () => this.steps);
  }

  start(step: StepName, note?: string): void {
    this.current = step;
    this.record(step, 'running', note);
  }

  done(step: StepName, note?: string): void {
    this.record(step, 'done', note);
  }

  skipped(step: StepName, note?: string): void {
    this.record(step, 'skipped', note);
  }

  failed(step: StepName, note: string): void {
    this.record(step, 'failed', note);
  }

  compensation(state: StepRecord['state'], note?: string): void {
    this.steps.push({ step: 'compensate', state, at: Date.now(), ...(note ? { note } : {}) });
    stepObserved(this.tags, 'compensate', state, note);
    this.details(`compensation ${state}${note ? ` — ${note}` : ''}`);
  }

  result(
    outcome: PromotionOutcome,
    extra: Partial<Pick<PromotionResult, 'previous' | 'error' | 'restored' | 'leftAhead'>> = {},
  ): PromotionResult {
    const result: PromotionResult = {
      fullHash: this.fullHash,
      label: this.label,
      outcome,
      previous: extra.previous ?? null,
      steps: this.steps,
      warnings: this.warnings,
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.restored ? { restored: extra.restored } : {}),
      ...(extra.leftAhead ? { leftAhead: extra.leftAhead } : {}),
    };
    const ahead = result.leftAhead?.length ? `\n\nleft ahead of DLRN: ${result.leftAhead.join('; ')}` : '';
    const warned = result.warnings.length ? `\n\nwarnings: ${result.warnings.join('; ')}` : '';
    promotionObserved(this.tags, result);
    this.details(
      `**${outcome}**${result.error ? ` at ${result.error.step}: ${result.error.message}` : ''}${ahead}${warned}`,
    );
    return result;
  }

  private record(step: StepName, state: StepRecord['state'], note?: string): void {
    this.steps.push({ step, state, at: Date.now(), ...(note ? { note } : {}) });
    stepObserved(this.tags, step, state, note);
    this.details(`step ${STEPS.indexOf(step) + 1}/${STEPS.length}: **${step}** ${state}${note ? ` — ${note}` : ''}`);
  }

  private details(line: string): void {
    setCurrentDetails(`**${this.fullHash} → ${this.label}** (${this.where})\n\n${line}`);
  }
}

/** Ends the workflow as Failed with the result in details[0], for runPromotion to hand back. */
export function promotionFailure(result: PromotionResult, cause?: unknown): ApplicationFailure {
  const e = result.error;
  const restored = result.restored?.length ? ` (restored: ${result.restored.join(', ')})` : '';
  const ahead = result.leftAhead?.length ? ` (left ahead: ${result.leftAhead.join('; ')})` : '';
  return ApplicationFailure.create({
    type: result.outcome === 'refused' ? PromotionFailureType.Refused : PromotionFailureType.Failed,
    nonRetryable: true,
    message: `promotion of ${result.fullHash} to ${result.label} ${result.outcome} at ${e?.step ?? '?'}: ${e?.message ?? ''}${restored}${ahead}`,
    details: [result],
    ...(cause instanceof Error ? { cause } : {}),
  });
}
