// The decision's input and output types (see engine.ts). Pure data: it travels through activities and the CLI.
import type { DlrnHash } from './hash.js';
import type { GateInput, GateVerdict } from './policy.js';
import type { JobPicture, JobVote } from './votes.js';

export interface PromotionRecord {
  commit_hash: string | null;
  distro_hash: string | null;
  extended_hash: string | null;
  aggregate_hash: string | null;
  component: string | null;
  promote_name: string;
  timestamp: number;
}

export interface Waiver {
  job: string;
  fullHash: string;
  /** Epoch seconds; the waiver counts while expiresAt > now. */
  expiresAt: number;
  by?: string;
  reason?: string;
}

/** A terminal refusal the controller remembers for (label, full_hash). */
export interface Refusal {
  fullHash: string;
  at: number;
  type: string;
  message: string;
}

/** The stage policies that may hold a hash back after its criteria passed. */
export interface Gates {
  promotion: GateInput['promotion'];
  held: GateInput['held'];
  /** full_hashes approved for the target label. */
  approved: readonly string[];
}

export interface DecisionInput {
  candidateLabel: string;
  targetLabel: string;
  /** Recent promotions to the candidate label, newest first, already limited to latest_hashes_count. */
  candidatePromotions: PromotionRecord[];
  /** Promotions to the target label, newest first; [0] is the target's current hash. */
  targetHistory: PromotionRecord[];
  /** All votes per candidate full_hash; a missing key means no votes. */
  votes: Record<string, JobVote[]>;
  criteria: string[];
  alternativeCriteria?: Record<string, string[]>;
  waivers?: Waiver[];
  /** Epoch seconds (workflow time), for waiver expiry, soak time and in-progress age. */
  now: number;
  /** In-progress votes older than this (seconds) age out; default 24 h (release file: in_progress_timeout). */
  inProgressTimeoutSeconds?: number;
  /** full_hash -> its oldest promotion to the candidate label (the soak clock); else its oldest row here. */
  candidateSince?: Record<string, number>;
  /**
   * When the target's current hash first reached the candidate label; null: never. Orders candidates when the
   * current hash is not in the candidate window (after a force-promote). Absent: unknown, positional rule only.
   */
  currentCandidateSince?: number | null;
  /** full_hash -> why DLRN could not give its votes (e.g. 400 "combination not found"). */
  unresolved?: Record<string, string>;
  /** Hashes refused for good for this target label: skipped. */
  refused?: Refusal[];
  /** Soak, approval, hold and windows; absent: criteria only. */
  gates?: Gates;
}

export type CandidateStatus =
  | 'selected' // newest candidate that passes criteria and every per-hash gate: the one to promote
  | 'superseded' // passes criteria, older than the selected candidate
  | 'soaking' // passes criteria, not long enough in the candidate label yet
  | 'awaiting_approval' // passes criteria, waits for an operator's approval
  | 'refused' // DLRN refused it for good for this label; skipped until an operator clears it
  | 'in_progress' // only waiting for running jobs
  | 'missing_jobs' // some criteria jobs have no success (missing or failed)
  | 'unresolvable' // DLRN could not give its votes (the row names no build it knows)
  | 'skipped' // extended_hash of 40 characters or fewer: the old promoter skips such rows
  | 'already_promoted' // is the target's current hash
  | 'not_newer' // promoted to the target before, or older than such a hash (not evaluated)
  | 'duplicate' // same full_hash as a newer candidate row
  | 'malformed' // the row does not describe a valid hash
  | 'not_a_candidate'; // explainHash only: not among the candidate rows

export interface AlternativeUse {
  job: string;
  via: string;
}

/** How one hash's votes meet the criteria (criteria.ts). */
export interface Evaluation {
  passed: string[];
  missing: string[];
  failed: string[];
  inProgress: string[];
  waived: string[];
  alternativesUsed: AlternativeUse[];
  /** Every criteria job (and alternative that voted), with its full vote picture. */
  jobs: JobPicture[];
}

export interface CandidateExplanation extends Evaluation {
  /** For a malformed row, a best-effort key built from the raw fields. */
  fullHash: string;
  hash: DlrnHash | null;
  /** When this row promoted the hash to the candidate label (epoch seconds), if known. */
  timestamp: number | null;
  /** When the hash first reached the candidate label: the soak clock. */
  candidateSince: number | null;
  status: CandidateStatus;
  /** false: its votes were not looked at (older than the current hash, malformed, skipped, duplicate). */
  evaluated: boolean;
  reason: string;
  /** A per-hash gate (soak, approval) that holds it back. */
  gate?: GateVerdict;
}

export interface Decision {
  candidateLabel: string;
  targetLabel: string;
  selected: DlrnHash | null;
  selectedFullHash: string | null;
  /** Nothing selected: the newest candidate that passed criteria and waits for a gate (soak, approval). */
  waitingFullHash: string | null;
  currentTarget: DlrnHash | null;
  /**
   * What holds the stage back: a label gate (hold, window) on the selected hash, or, when nothing was selected, the
   * per-hash gate of the newest candidate that passed criteria. null: promote the selected hash now.
   */
  gate: GateVerdict | null;
  /** When evaluating again is worth it: a soak ends or a window opens (also for candidates newer than the selected). */
  wakeAt: number | null;
  /** One per candidate row, in input order (newest first). */
  candidates: CandidateExplanation[];
  /** Things an operator should know that did not stop the decision. */
  warnings: string[];
}
