// The promoter's own metrics and log lines from activities, through the SDK's activity metric meter and logger, so
// they reach the worker's one Prometheus endpoint and one JSON log stream (worker/telemetry.ts). Release, distro,
// label and full_hash come from the workflow ID the activity runs for (domain/workflow-id.ts): no input widens.
import { Context } from '@temporalio/activity';
import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import type { StageDecision } from '../domain/decision-summary.js';
import type { PromotionRecord } from '../domain/engine-types.js';
import { workflowIdParts, type WorkflowIdParts } from '../domain/workflow-id.js';
import { activityContext } from './heartbeat.js';

/** Why a candidate newer than the label is not promoted yet (the `reason` tag of promoter_candidates_waiting). */
export const WAITING_REASONS = ['missing', 'failed', 'in_progress', 'soak', 'window', 'approval', 'held'] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** Buckets of promoter_decision_seconds: a decision takes 50 ms against a near DLRN, 30 s against a slow one. */
export const DECISION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Among the candidates a decision names (newest first, newer than the label), how many wait and for what. */
export function waitingByReason(d: StageDecision): Record<WaitingReason, number> {
  const n = Object.fromEntries(WAITING_REASONS.map((r) => [r, 0])) as Record<WaitingReason, number>;
  for (const c of d.candidates) {
    if (c.status === 'missing_jobs') n[c.failed.length > 0 ? 'failed' : 'missing']++;
    else if (c.status === 'in_progress') n.in_progress++;
    else if (c.status === 'soaking') n.soak++;
    else if (c.status === 'awaiting_approval') n.approval++;
    else if (c.status === 'selected' && d.gate?.outcome === 'outside-window') n.window++;
    else if (c.status === 'selected' && d.gate?.outcome === 'held') n.held++;
  }
  return n;
}

/** When the label last moved, by anyone: its newest promotion row (null: it never held a hash). */
export function lastMoved(targetHistory: readonly PromotionRecord[]): number | null {
  return targetHistory.length ? Math.max(...targetHistory.map((r) => r.timestamp)) : null;
}

interface Here {
  meter: MetricMeter;
  log: Context['log'] | undefined;
  ids: WorkflowIdParts | null;
}

function here(): Here {
  const ctx = activityContext();
  return {
    meter: ctx?.metricMeter ?? noopMetricMeter,
    log: ctx?.log,
    ids: workflowIdParts(ctx?.info.workflowExecution?.workflowId),
  };
}

const labelTags = (ids: WorkflowIdParts | null, label: string) => ({
  release: ids?.release ?? 'unknown',
  distro: ids?.distro ?? 'unknown',
  label,
});

export interface DecisionObserved {
  targetLabel: string;
  candidateLabel: string;
  decision: StageDecision;
  targetHistory: readonly PromotionRecord[];
  /** Epoch seconds, workflow time. */
  now: number;
  seconds: number;
}

/** One decision: its time, the label's age, the waiting candidates by reason, and one log line with the table. */
export function observeDecision(o: DecisionObserved): void {
  const { meter, log, ids } = here();
  const tags = labelTags(ids, o.targetLabel);
  meter
    .createHistogram('promoter_decision_seconds', 'float', 's', 'Time of one stage decision (DLRN reads + engine)')
    .record(o.seconds, tags);
  const moved = lastMoved(o.targetHistory);
  if (moved !== null) {
    meter
      .createGauge('promoter_label_moved_timestamp_seconds', 'int', 's', 'When the label last moved in DLRN (epoch)')
      .set(moved, tags);
    meter
      .createGauge('promoter_label_age_seconds', 'int', 's', 'Seconds since the label last moved, at the last decision')
      .set(Math.max(0, o.now - moved), tags);
  }
  const waiting = meter.createGauge(
    'promoter_candidates_waiting',
    'int',
    '',
    'Candidates newer than the label, by what they wait for',
  );
  const byReason = waitingByReason(o.decision);
  for (const reason of WAITING_REASONS) waiting.set(byReason[reason], { ...tags, reason });
  const d = o.decision;
  log?.info('decision', {
    ...tags,
    full_hash: d.selectedFullHash ?? d.waitingFullHash ?? null,
    candidateLabel: o.candidateLabel,
    before: d.before,
    selected: d.selectedFullHash,
    gate: d.gate?.outcome ?? null,
    reason: d.reason,
    seconds: Math.round(o.seconds * 1000) / 1000,
    waiting: byReason,
    counts: d.counts,
    candidates: d.candidates.map((c) => ({
      full_hash: c.fullHash,
      status: c.status,
      passed: c.passed,
      missing: c.missing,
      failed: c.failed,
      inProgress: c.inProgress,
      reason: c.reason,
    })),
  });
}

/** What one successful attempt of the container step moved (a retry counts only the images it did itself). */
export function observeContainers(label: string, images: number, bytes: number): void {
  const { meter, ids } = here();
  const tags = { ...labelTags(ids, label), kind: 'containers' };
  meter.createCounter('promoter_artifact_bytes', 'By', 'Bytes copied to target registries').add(bytes, tags);
  meter.createCounter('promoter_artifact_images', '', 'Artifact images moved to the label').add(images, tags);
}

/** The qcow2 step moved the label's link (one image set). */
export function observeQcow(label: string): void {
  const { meter, ids } = here();
  meter
    .createCounter('promoter_artifact_images', '', 'Artifact images moved to the label')
    .add(1, { ...labelTags(ids, label), kind: 'qcow2' });
}
