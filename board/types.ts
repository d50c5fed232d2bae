// The board's data: what the page shows and the JSON API (/api/v1) returns, one shape for both. Plain data, stable:
// fields are only ever added (board/API.md documents them).
import type { JobState } from '../domain/votes.js';
import type { ApprovalRecord, HoldRecord, RefusalRecord, WaiverRecord } from '../workflows/contract.js';

/**
 * The headline of a label, in britney's spirit: does anyone have to act?
 * - up-to-date: no newer candidate;
 * - promotable: the next pass promotes the next candidate;
 * - waiting: jobs in progress, soak, window: check later;
 * - blocked: needs action (failed jobs, approval, hold, refusal, failed promotion, controller down).
 */
export type VerdictKind = 'up-to-date' | 'promotable' | 'waiting' | 'blocked';

export interface Verdict {
  kind: VerdictKind;
  mustAct: boolean;
  /** e.g. "blocked: needs action — failed jobs: periodic-…". */
  headline: string;
}

export interface JobCheck {
  job: string;
  state: JobState;
  /** The job's votes in words ("failed at …, re-run in progress since …"). */
  summary: string;
  /** The newest vote's CI log (DLRN votes carry a url). */
  url: string | null;
  waived: boolean;
}

export interface CandidateView {
  fullHash: string;
  /** The engine's status: selected, in_progress, missing_jobs, soaking, awaiting_approval, refused, … */
  status: string;
  reason: string;
  /** When it reached the candidate label (epoch seconds). */
  since: number | null;
  jobs: JobCheck[];
}

export interface FailureView {
  at: number;
  fullHash: string;
  outcome: string;
  /** The error type and step, e.g. "DlrnRefused at dlrn". */
  cause: string;
  message: string;
  workflowId: string;
  workflowUrl: string | null;
}

export interface LabelView {
  label: string;
  candidateLabel: string;
  current: { fullHash: string | null; since: number | null };
  next: CandidateView | null;
  /** What the next candidate waits for, in plain words, one line each. */
  waitingFor: string[];
  /** When the controller evaluates again by itself (soak end, window opens), epoch seconds. */
  wakeAt: number | null;
  verdict: Verdict;
  holds: HoldRecord[];
  approvals: ApprovalRecord[];
  /** Waivers on this label's candidates. */
  waivers: WaiverRecord[];
  refusals: RefusalRecord[];
  lastFailure: FailureView | null;
  links: { page: string; api: string; changes: string | null };
}

export interface ControllerView {
  workflowId: string;
  /** running, absent, closed, wedged, no-worker, unanswered, unreachable (client/controller.ts). */
  state: string;
  detail: string | null;
  workflowUrl: string | null;
  running: { reason: string; startedAt: number; workflowId: string; workflowUrl: string | null } | null;
  lastError: { at: number; reason: string; message: string } | null;
}

export interface ReleaseView {
  release: string;
  distro: string;
  hashKind: string;
  controller: ControllerView;
  labels: LabelView[];
  /** Set when the release could not be read at all (DLRN down); labels is then empty. */
  error: string | null;
}

export interface HistoryEntry {
  fullHash: string;
  at: number;
  /** DLRN user that moved the label. */
  user: string | null;
  /** true when the user is the one this promoter writes DLRN with. */
  byThisPromoter: boolean;
  /** Each criteria job on this hash (the newest entries only; null when not read). */
  checks: JobCheck[] | null;
  /** What changed against the entry before it. */
  changes: string | null;
}

export interface LabelPage {
  release: string;
  distro: string;
  hashKind: string;
  controller: ControllerView;
  view: LabelView;
  candidates: CandidateView[];
  history: HistoryEntry[];
}

export interface BuildRef {
  commitHash: string;
  distroHash: string;
  projectName: string | null;
  dtCommit: number | null;
}

export interface ComponentChange {
  component: string | null;
  projectName: string | null;
  from: BuildRef | null;
  to: BuildRef | null;
  /** DLRN's builds of the project after `from` up to `to`, newest first (empty when DLRN cannot list them). */
  builds: BuildRef[];
  truncated: boolean;
}

export interface Changes {
  release: string;
  distro: string;
  from: string;
  to: string;
  /** Components whose commit differs (commit hashes: the one project). */
  changed: ComponentChange[];
  /** Components that are the same in both (aggregates only). */
  unchanged: string[];
  /** Why the list may be incomplete (no GraphQL on this DLRN, a repo file missing). */
  notes: string[];
}

/** Where the board reads from: the live stack, or injected data (tests, the 50-release bench). */
export interface BoardSource {
  releases(): Promise<ReleaseView[]>;
  label(release: string, distro: string, label: string): Promise<LabelPage | null>;
  changes(release: string, distro: string, from: string, to: string): Promise<Changes | null>;
}
