// The message contract of the promoter's workflows: every signal, update and query, and the result types they and
// the workflows return. Imported by workflows, activities and the CLI; imports no workflow implementation, so a
// client that loads it loads no workflow code.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import type { CandidateExplanation, Waiver } from '../domain/engine.js';
import type { DlrnHash } from '../domain/hash.js';
import type { GateOutcome } from '../domain/policy.js';
import type { ArtifactKind } from '../domain/promotion.js';

// --- promotion (one hash to one label) ----------------------------------------------------------------------

export type StepName = 'guard' | 'verify-artifacts' | 'snapshot' | 'containers' | 'images' | 'dlrn' | 'verify';

export interface StepRecord {
  step: StepName | 'compensate';
  state: 'running' | 'done' | 'skipped' | 'failed';
  at: number;
  note?: string;
}

export interface PromotionResult {
  fullHash: string;
  label: string;
  outcome: 'promoted' | 'already-promoted';
  /** full_hash the label held before (now previous-<label>). */
  previous: string | null;
  steps: StepRecord[];
  warnings: string[];
}

export const promotionProgressQuery = defineQuery<StepRecord[]>('promotionProgress');

// --- stage and release pass ----------------------------------------------------------------------------------

/** The controller's durable controls that apply to one stage. */
export interface StageControls {
  hold: { by: string; why: string } | null;
  /** full_hashes approved for this label. */
  approved: string[];
  waivers: Waiver[];
}

export type StageOutcome =
  'promoted' | 'nothing-to-promote' | 'already-promoted' | 'dry-run' | 'busy' | 'failed' | GateOutcome;

export interface StageResult {
  release: string;
  distro: string;
  targetLabel: string;
  candidateLabel: string;
  outcome: StageOutcome;
  /** The hash the target label held before this stage ran. */
  before: string | null;
  /** The hash chosen by the decision (promoted, or would be in a dry run). */
  selected: string | null;
  reason: string;
  candidates: CandidateExplanation[];
  promotion?: PromotionResult;
  /** When a gate (soak, window) lifts and the stage is worth evaluating again. */
  wakeAt?: number | null;
}

export type StageSummary = StageResult | { targetLabel: string; outcome: 'busy'; reason: string };

export interface ReleasePassResult {
  release: string;
  distro: string;
  stages: StageSummary[];
}

// --- release controller -------------------------------------------------------------------------------------

/** Who asked and why: recorded with every manual control. */
export interface Actor {
  by: string;
  why: string;
}

export interface EvaluateRequest {
  /** What triggered it: "schedule", "report-result periodic-…", "cli". */
  reason: string;
  /** Only these target labels; all when absent. */
  labels?: string[];
  /** A newer release config (from a schedule tick or the CLI): the controller uses it from now on. */
  config?: ReleaseConfig;
}

export interface RunPassRequest extends EvaluateRequest {
  dryRun?: boolean;
}

export interface HoldRequest extends Actor {
  label: string;
}

export interface ApproveRequest extends Actor {
  label: string;
  fullHash: string;
}

export interface WaiveRequest extends Actor {
  job: string;
  fullHash: string;
  /** How long the waiver lasts; it expires on a durable timer. */
  durationSeconds: number;
}

export interface AbortRequest extends Actor {
  /** Abort only a promotion to this label; any running pass when absent. */
  label?: string;
}

export interface RollbackRequest extends Actor {
  label: string;
  kinds?: ArtifactKind[];
}

export interface ForcePromoteRequest extends Actor {
  label: string;
  hash: DlrnHash;
  kinds?: ArtifactKind[];
}

export interface HoldRecord extends Actor {
  label: string;
  at: number;
}

export interface ApprovalRecord extends Actor {
  label: string;
  fullHash: string;
  at: number;
}

export interface WaiverRecord extends Actor {
  job: string;
  fullHash: string;
  at: number;
  expiresAt: number;
}

export interface AuditEntry {
  at: number;
  action:
    'hold' | 'unhold' | 'approve' | 'waive' | 'waiver-expired' | 'abort' | 'rollback' | 'force-promote' | 'configure';
  by: string;
  why: string;
  label?: string;
  fullHash?: string;
  job?: string;
}

/** The durable controls of a release: survive worker restarts because they live in workflow state. */
export interface Controls {
  holds: HoldRecord[];
  approvals: ApprovalRecord[];
  waivers: WaiverRecord[];
  audit: AuditEntry[];
}

export interface ControllerStatus {
  release: string;
  distro: string;
  controls: Controls;
  /** The pass running now, if any, and what triggered it. */
  running: { reason: string; startedAt: number; workflowId: string; labels: string[] } | null;
  lastPass: (ReleasePassResult & { finishedAt: number; reason: string }) | null;
  /** The last job that failed or was aborted. */
  lastError: { at: number; reason: string; message: string } | null;
  /** Re-evaluations the controller has planned (soak ends, windows open), epoch seconds. */
  wakeups: { at: number; label: string; why: string }[];
  pendingEvaluations: number;
}

export const evaluateSignal = defineSignal<[EvaluateRequest]>('evaluate');
export const configureUpdate = defineUpdate<void, [ReleaseConfig]>('configure');
export const runPassUpdate = defineUpdate<ReleasePassResult, [RunPassRequest]>('runPass');
export const holdUpdate = defineUpdate<Controls, [HoldRequest]>('hold');
export const unholdUpdate = defineUpdate<Controls, [HoldRequest]>('unhold');
export const approveUpdate = defineUpdate<Controls, [ApproveRequest]>('approve');
export const waiveUpdate = defineUpdate<Controls, [WaiveRequest]>('waive');
export const abortUpdate = defineUpdate<{ aborted: string[] }, [AbortRequest]>('abort');
export const rollbackUpdate = defineUpdate<PromotionResult, [RollbackRequest]>('rollback');
export const forcePromoteUpdate = defineUpdate<PromotionResult, [ForcePromoteRequest]>('forcePromote');
export const statusQuery = defineQuery<ControllerStatus>('status');
