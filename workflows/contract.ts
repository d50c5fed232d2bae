// The message contract of the promoter's workflows: every signal, update and query, and the result types they and
// the workflows return. Imported by workflows, activities and the CLI; imports no workflow implementation, so a
// client that loads it loads no workflow code.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CandidateStatus, Waiver } from '../domain/engine.js';
import type { CandidateSummary } from '../domain/decision-summary.js';
import type { DlrnHash } from '../domain/hash.js';
import type { GateOutcome } from '../domain/policy.js';
import type { ArtifactKind } from '../domain/promotion.js';

// --- promotion (one hash to one label) ----------------------------------------------------------------------

export type StepName =
  'guard' | 'verify-artifacts' | 'snapshot' | 'containers' | 'images' | 'hold-check' | 'dlrn' | 'verify';

export interface StepRecord {
  step: StepName | 'compensate';
  state: 'running' | 'done' | 'skipped' | 'failed';
  at: number;
  note?: string;
}

/**
 * How a promotion ended, in Kargo's spirit: promoted; refused (terminal: DLRN or a registry said no for good, or a
 * hold placed while it ran stopped it before the DLRN commit); failed and fully undone (every artifact back where
 * it was); failed and partly undone (leftAhead names what stays ahead of DLRN, and where; also used when the
 * verify after the DLRN commit finds an artifact that disagrees with DLRN, named in leftAhead, nothing undone).
 */
export type PromotionOutcome =
  'promoted' | 'already-promoted' | 'held' | 'refused' | 'failed-undone' | 'failed-partly-undone';

export interface PromotionError {
  step: StepName;
  /** The activity's error type (an ErrorCode), e.g. DlrnRefused. */
  type: string;
  message: string;
  hint?: string;
}

export interface PromotionResult {
  fullHash: string;
  label: string;
  outcome: PromotionOutcome;
  /** full_hash the label held before (now previous-<label>). */
  previous: string | null;
  steps: StepRecord[];
  warnings: string[];
  /** Set unless promoted / already-promoted. */
  error?: PromotionError | null;
  /** What compensation put back, e.g. "container tags (44)", "qcow2 links". */
  restored?: string[];
  /** What stays ahead of (or behind) DLRN after compensation, e.g. "target/openstack-nova-api:current-tripleo". */
  leftAhead?: string[];
}

/**
 * The failure types a promotion workflow ends with when it did not promote (so the Web UI shows Failed); details[0]
 * is the full PromotionResult, which runPromotion hands back to the stage or controller as a returned result.
 */
export const PromotionFailureType = { Refused: 'PromotionRefused', Failed: 'PromotionFailed' } as const;

export const promotionProgressQuery = defineQuery<StepRecord[]>('promotionProgress');

// --- stage and release pass ----------------------------------------------------------------------------------

/** The controller's durable controls that apply to one stage. */
export interface StageControls {
  hold: { by: string; why: string } | null;
  /** full_hashes approved for this label. */
  approved: string[];
  waivers: Waiver[];
  /** Hashes DLRN refused for good for this label: skipped until an operator clears them. */
  refused: RefusalRecord[];
}

/** A terminal refusal of (label, full_hash), remembered by the controller until an operator clears it. */
export interface RefusalRecord {
  label: string;
  fullHash: string;
  at: number;
  type: string;
  message: string;
}

export type StageOutcome = 'nothing-to-promote' | 'dry-run' | 'busy' | 'failed' | GateOutcome | PromotionOutcome;

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
  /** The newest candidates, bounded (no votes, no URLs): `explain` reads the details from DLRN. */
  candidates: CandidateSummary[];
  /** How many candidate rows had each status. */
  counts?: Partial<Record<CandidateStatus, number>>;
  warnings?: string[];
  promotion?: PromotionResult;
  /** Hashes refused for good during this stage run (the stage then fell back to the next candidate): remember them. */
  refusals?: RefusalRecord[];
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
  /**
   * The identity the Temporal client connected with (user@host), besides the free-text --by; checked against the
   * release's `controls` allow-lists and kept in the audit log. Absent from requests of older clients.
   */
  identity?: string;
}

export interface EvaluateRequest {
  /** What triggered it: "schedule", "report-result periodic-…", "cli". */
  reason: string;
  /** Only these target labels; all when absent. */
  labels?: string[];
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
    | 'hold'
    | 'unhold'
    | 'approve'
    | 'waive'
    | 'waiver-expired'
    | 'abort'
    | 'rollback'
    | 'force-promote'
    | 'configure'
    | 'refused'
    | 'clear-refusal'
    | 'unapprove'
    | 'unwaive';
  by: string;
  why: string;
  /** The requester's client identity (user@host), when the request carried one. */
  identity?: string;
  label?: string;
  fullHash?: string;
  job?: string;
}

/** The durable controls of a release: survive worker restarts because they live in workflow state. */
export interface Controls {
  holds: HoldRecord[];
  approvals: ApprovalRecord[];
  waivers: WaiverRecord[];
  /** Terminal refusals per (label, full_hash): skipped by stages until cleared. */
  refusals: RefusalRecord[];
  audit: AuditEntry[];
}

/** What a control update answers: the entry it recorded (never the whole audit log: history stays small). */
export interface ControlAck {
  entry: AuditEntry;
}

export interface ClearRefusalRequest extends Actor {
  label: string;
  fullHash: string;
}

/** Withdraws the approval of a hash for a label. */
export interface UnapproveRequest extends Actor {
  label: string;
  fullHash: string;
}

/** Withdraws a waiver before its timer ends it. */
export interface UnwaiveRequest extends Actor {
  job: string;
  fullHash: string;
}

/** The release configuration the controller runs with: read by the worker from its config dir. */
export interface ConfigVersion {
  /** sha256 of the release file's content, first 12 hex. */
  version: string;
  file: string;
  loadedAt: number;
}

/** A promotion that did not end promoted, as status shows it. */
export interface PromotionFailureRecord {
  at: number;
  label: string;
  fullHash: string;
  outcome: PromotionOutcome;
  error: PromotionError | null;
  leftAhead: string[];
  workflowId: string;
}

export interface ControllerStatus {
  release: string;
  distro: string;
  controls: Controls;
  /** The configuration the controller runs with now (null until it first loaded one). */
  config: ConfigVersion | null;
  /** The pass running now, if any, and what triggered it. */
  running: { reason: string; startedAt: number; workflowId: string; labels: string[] } | null;
  lastPass: (ReleasePassResult & { finishedAt: number; reason: string }) | null;
  /** The last job that failed or was aborted. */
  lastError: { at: number; reason: string; message: string } | null;
  /** The newest promotions that did not end promoted (bounded), newest first. */
  failures: PromotionFailureRecord[];
  /** Re-evaluations the controller has planned (soak ends, windows open), epoch seconds. */
  wakeups: { at: number; label: string; why: string }[];
  pendingEvaluations: number;
  /** Staleness alarms per label and notifications waiting for delivery (absent before notifications). */
  notify?: NotifyStatus;
}

export interface NotifyStatus {
  /** The label has held fullHash since `since`; staleAt: when the next stale notification is due (epoch seconds). */
  alarms: { label: string; fullHash: string; since: number; staleAt: number; reported: number }[];
  undelivered: number;
}

/** What a running promotion asks the controller just before the DLRN commit (item: holds placed mid-pass). */
export interface GateAnswer {
  hold: { by: string; why: string } | null;
}

export const evaluateSignal = defineSignal<[EvaluateRequest]>('evaluate');
export const runPassUpdate = defineUpdate<ReleasePassResult, [RunPassRequest]>('runPass');
export const holdUpdate = defineUpdate<ControlAck, [HoldRequest]>('hold');
export const unholdUpdate = defineUpdate<ControlAck, [HoldRequest]>('unhold');
export const approveUpdate = defineUpdate<ControlAck, [ApproveRequest]>('approve');
export const waiveUpdate = defineUpdate<ControlAck, [WaiveRequest]>('waive');
export const clearRefusalUpdate = defineUpdate<ControlAck, [ClearRefusalRequest]>('clearRefusal');
export const abortUpdate = defineUpdate<{ aborted: string[] }, [AbortRequest]>('abort');
export const rollbackUpdate = defineUpdate<PromotionResult, [RollbackRequest]>('rollback');
export const forcePromoteUpdate = defineUpdate<PromotionResult, [ForcePromoteRequest]>('forcePromote');
export const unapproveUpdate = defineUpdate<ControlAck, [UnapproveRequest]>('unapprove');
export const unwaiveUpdate = defineUpdate<ControlAck, [UnwaiveRequest]>('unwaive');
/** The whole audit log the controller keeps (status shows only its tail), oldest first. */
export const auditQuery = defineQuery<AuditEntry[]>('audit');
export const statusQuery = defineQuery<ControllerStatus>('status');
/** Answered from the controller's state; the promotion's checkControls activity asks it with the target label. */
export const gateQuery = defineQuery<GateAnswer, [string]>('gate');

// Shadow mode (workflow shadow/<release>/<distro>): what this promoter would have chosen whenever someone else
// moved a label, and why. It never writes.
export interface ShadowRecord {
  targetLabel: string;
  candidateLabel: string;
  /** The move's DLRN timestamp (epoch seconds): the decision used only rows and votes up to it. */
  movedAt: number;
  /** The DLRN user of the promotion row. */
  by: string | null;
  /** The hash they moved the label to, and ours at that moment (null: we would not have moved it). */
  theirs: string;
  ours: string | null;
  agree: boolean;
  /** Why we chose ours (or nothing). */
  ourReason: string;
  /** What our engine says of their hash: its status and reason. */
  theirStatus: string;
  theirReason: string;
}

export interface ShadowReport {
  release: string;
  distro: string;
  /** When shadowing started (epoch seconds); moves before it are not judged. */
  since: number;
  polls: number;
  agreements: number;
  disagreements: number;
  /** The newest records (bounded), oldest first. */
  records: ShadowRecord[];
  lastError: string | null;
}

export const shadowReportQuery = defineQuery<ShadowReport>('shadowReport');
