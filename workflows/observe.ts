// A promotion's log lines and metrics from inside the workflow, through the SDK's workflow logger and metric meter:
// both are sinks the worker drops on replay, so a replayed or cache-evicted workflow neither logs nor counts twice,
// and neither adds a command (no patch needed). The worker's logger adds the workflow ID; these add the rest.
import { log, metricMeter } from '@temporalio/workflow';
import type { PromotionResult, StepName, StepRecord } from './contract.js';

export interface PromotionTags {
  release: string;
  distro: string;
  label: string;
  full_hash: string;
}

export function stepObserved(
  t: PromotionTags,
  step: StepName | 'compensate',
  state: StepRecord['state'],
  note?: string,
) {
  const fields = { ...t, step, state, ...(note ? { note } : {}) };
  if (state === 'failed') log.warn(`step ${step} ${state}`, fields);
  else log.info(`step ${step} ${state}`, fields);
  if (state !== 'running') {
    metricMeter
      .createCounter('promoter_promotion_steps', '', 'Promotion steps ended, by step and state')
      .add(1, { release: t.release, distro: t.distro, label: t.label, step, state });
  }
}

export function promotionObserved(t: PromotionTags, r: PromotionResult): void {
  const tags = { release: t.release, distro: t.distro, label: t.label };
  metricMeter
    .createCounter('promoter_promotions', '', 'Promotions ended, by release, label and outcome')
    .add(1, { ...tags, outcome: r.outcome });
  const fields = {
    ...t,
    outcome: r.outcome,
    previous: r.previous,
    ...(r.error ? { error: r.error } : {}),
    ...(r.restored?.length ? { restored: r.restored } : {}),
    ...(r.leftAhead?.length ? { leftAhead: r.leftAhead } : {}),
    ...(r.warnings.length ? { warnings: r.warnings } : {}),
  };
  if (!r.error || r.outcome === 'held') {
    log.info(`promotion ${r.outcome}`, fields);
    return;
  }
  metricMeter
    .createCounter('promoter_failures', '', 'Promotions that did not promote, by step and cause')
    .add(1, { ...tags, step: r.error.step, cause: r.error.type });
  log.warn(`promotion ${r.outcome}`, fields);
}
