// What of a decision travels through workflow history: bounded whatever the window, the criteria and the vote
// history (no vote lists, no URLs, a few candidates, clipped reasons). `explain` and `status` read the details from
// DLRN themselves. Pure.
import type { CandidateStatus, Decision } from './engine.js';
import type { DlrnHash } from './hash.js';
import type { GateVerdict } from './policy.js';

/** How many candidates a stage result names (newest first), how many job names per list, reason length. */
export const SUMMARY_LIMITS = { candidates: 10, jobs: 10, text: 300, warnings: 5 } as const;

export interface CandidateSummary {
  fullHash: string;
  status: CandidateStatus;
  reason: string;
  candidateSince: number | null;
  passed: number;
  /** Job names, at most SUMMARY_LIMITS.jobs each (the count says how many in all). */
  missing: string[];
  failed: string[];
  inProgress: string[];
  unsatisfied: number;
}

export interface StageDecision {
  selected: DlrnHash | null;
  selectedFullHash: string | null;
  /** Nothing selected: the newest candidate that passed criteria and waits for a gate (soak, approval). */
  waitingFullHash: string | null;
  /** The target's current hash. */
  before: string | null;
  /** The reason of the selected candidate, or of the newest one that waits. */
  reason: string;
  gate: GateVerdict | null;
  wakeAt: number | null;
  /** The newest candidates, evaluated ones first in window order. */
  candidates: CandidateSummary[];
  /** How many candidate rows had each status. */
  counts: Partial<Record<CandidateStatus, number>>;
  warnings: string[];
}

const clip = (s: string, n: number = SUMMARY_LIMITS.text) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const few = (names: readonly string[]) => names.slice(0, SUMMARY_LIMITS.jobs).map((n) => clip(n, 120));

export function summarize(d: Decision, before: string | null): StageDecision {
  const counts: Partial<Record<CandidateStatus, number>> = {};
  for (const c of d.candidates) counts[c.status] = (counts[c.status] ?? 0) + 1;
  const shown = d.candidates
    .filter((c) => c.status !== 'duplicate' && c.status !== 'not_newer')
    .slice(0, SUMMARY_LIMITS.candidates);
  const waiting = d.candidates.find((c) =>
    ['soaking', 'awaiting_approval', 'in_progress', 'missing_jobs'].includes(c.status),
  );
  const chosen = d.candidates.find((c) => c.status === 'selected');
  const reason =
    chosen?.reason ??
    (waiting ? `newest candidate ${waiting.fullHash}: ${waiting.reason}` : 'no candidate newer than the target');
  return {
    selected: d.selected,
    selectedFullHash: d.selectedFullHash,
    waitingFullHash: d.waitingFullHash,
    before,
    reason: clip(reason, 1000),
    gate: d.gate && { ...d.gate, reason: clip(d.gate.reason, 1000) },
    wakeAt: d.wakeAt,
    candidates: shown.map((c) => ({
      fullHash: c.fullHash.slice(0, 200),
      status: c.status,
      reason: clip(c.reason),
      candidateSince: c.candidateSince,
      passed: c.passed.length + c.alternativesUsed.length + c.waived.length,
      missing: few(c.missing),
      failed: few(c.failed),
      inProgress: few(c.inProgress),
      unsatisfied: c.missing.length + c.failed.length + c.inProgress.length,
    })),
    counts,
    warnings: d.warnings.slice(0, SUMMARY_LIMITS.warnings).map((w) => clip(w, 500)),
  };
}
