// The promotion decision: which candidate hash (if any) goes from the candidate label to the target label, and why
// every other candidate does not. Pure function of its input (no I/O, no clock): it runs inside the workflow sandbox
// and the CLI's `explain` reuses it. Same outcomes as the old promoter's promote_label_to_label, minus its bugs:
// alternative criteria apply per candidate (the old one mutated its criteria set), malformed rows never crash it.

import { ErrorCode, PromoterError } from './errors.js';
import { type DlrnHash, describeHash, fullHash, hashFromPromotion } from './hash.js';

export interface PromotionRecord {
  commit_hash: string | null;
  distro_hash: string | null;
  extended_hash: string | null;
  aggregate_hash: string | null;
  component: string | null;
  promote_name: string;
  timestamp: number;
}

export interface JobVote {
  job_id: string;
  success: boolean;
  in_progress: boolean;
  timestamp: number;
  url?: string;
}

export interface Waiver {
  job: string;
  fullHash: string;
  /** Epoch seconds; the waiver counts while expiresAt > now. */
  expiresAt: number;
  by?: string;
  reason?: string;
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
  /** Epoch seconds (workflow time), for waiver expiry. */
  now: number;
}

export type CandidateStatus =
  | 'selected' // newest eligible candidate with all criteria satisfied: the one to promote
  | 'promotable' // all criteria satisfied, superseded by a newer selected candidate
  | 'in_progress' // only waiting for running jobs
  | 'missing_jobs' // some criteria jobs have no success (missing or failed)
  | 'already_promoted' // is the target's current hash
  | 'not_newer' // promoted to the target before, or older than such a hash
  | 'duplicate' // same full_hash as a newer candidate row
  | 'malformed' // the row does not describe a valid hash
  | 'not_a_candidate'; // explainHash only: not among the candidate rows

export interface AlternativeUse {
  job: string;
  via: string;
}

export interface CandidateExplanation {
  /** For a malformed row, a best-effort key built from the raw fields. */
  fullHash: string;
  hash: DlrnHash | null;
  /** When the hash was promoted to the candidate label (epoch seconds), if known. */
  timestamp: number | null;
  status: CandidateStatus;
  passed: string[];
  missing: string[];
  failed: string[];
  inProgress: string[];
  waived: string[];
  alternativesUsed: AlternativeUse[];
  reason: string;
}

export interface Decision {
  candidateLabel: string;
  targetLabel: string;
  selected: DlrnHash | null;
  selectedFullHash: string | null;
  currentTarget: DlrnHash | null;
  /** One per candidate row, in input order (newest first). */
  candidates: CandidateExplanation[];
  /** Things an operator should know that did not stop the decision. */
  warnings: string[];
}

interface Evaluation {
  passed: string[];
  missing: string[];
  failed: string[];
  inProgress: string[];
  waived: string[];
  alternativesUsed: AlternativeUse[];
}

interface JobState {
  success: boolean;
  inProgress: boolean;
  failed: boolean;
}

interface Rules {
  criteria: readonly string[];
  alternatives: ReadonlyMap<string, readonly string[]>;
  waivers: readonly Waiver[];
}

interface TargetState {
  current: DlrnHash | null;
  promoted: ReadonlySet<string>;
  warnings: string[];
}

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();
const list = (items: readonly string[]): string => items.join(', ');

function normalizeRules(input: DecisionInput): Rules {
  const criteria = input.criteria;
  if (!Array.isArray(criteria) || criteria.length === 0 || criteria.some((j) => typeof j !== 'string' || j === '')) {
    throw new PromoterError(ErrorCode.Config, `promotion ${input.targetLabel} has no valid criteria`, {
      context: { targetLabel: input.targetLabel, criteria },
      suggestion: `list at least one job under promotions.${input.targetLabel}.criteria`,
    });
  }
  // Fresh copies: nothing the engine builds may alias (and so later mutate) the caller's config.
  const alternatives = new Map<string, readonly string[]>();
  for (const [job, alts] of Object.entries(input.alternativeCriteria ?? {})) {
    if (!Array.isArray(alts)) continue;
    const distinct = [...new Set(alts)].filter((alt) => alt !== job);
    alternatives.set(job, distinct);
  }
  const waivers = (input.waivers ?? []).filter((w) => w.expiresAt > input.now);
  // Deduped and sorted once, so every job list in the output comes out sorted.
  return { criteria: sorted(criteria), alternatives, waivers };
}

function readTarget(input: DecisionInput): TargetState {
  const promoted = new Set<string>();
  const warnings: string[] = [];
  let current: DlrnHash | null = null;
  for (const [index, record] of input.targetHistory.entries()) {
    try {
      const hash = hashFromPromotion(record);
      promoted.add(fullHash(hash));
      if (index === 0) current = hash;
    } catch (err) {
      const message = errorMessage(err);
      // Without the current target hash we cannot tell newer from older: refuse rather than risk a regression.
      if (index === 0) {
        throw new PromoterError(
          ErrorCode.MalformedHash,
          `current promotion of ${input.targetLabel} is malformed, cannot tell which candidates are newer: ${message}`,
          { context: { label: input.targetLabel, record }, cause: err },
        );
      }
      warnings.push(`ignored malformed promotion to ${input.targetLabel}: ${message}`);
    }
  }
  return { current, promoted, warnings };
}

function jobStates(votes: readonly JobVote[]): Map<string, JobState> {
  const states = new Map<string, JobState>();
  for (const vote of votes) {
    const state = states.get(vote.job_id) ?? { success: false, inProgress: false, failed: false };
    if (vote.success === true) state.success = true;
    else if (vote.in_progress === true) state.inProgress = true;
    else state.failed = true;
    states.set(vote.job_id, state);
  }
  return states;
}

function evaluate(hashKey: string, input: DecisionInput, rules: Rules): Evaluation {
  const votes = Object.prototype.hasOwnProperty.call(input.votes, hashKey) ? input.votes[hashKey] : undefined;
  const states = jobStates(votes ?? []);
  const passedJob = (job: string): boolean => states.get(job)?.success === true;
  const result: Evaluation = { passed: [], missing: [], failed: [], inProgress: [], waived: [], alternativesUsed: [] };
  for (const job of rules.criteria) {
    if (passedJob(job)) {
      result.passed.push(job);
      continue;
    }
    // First passing alternative in config order, so the explanation is stable.
    const via = rules.alternatives.get(job)?.find(passedJob);
    if (via !== undefined) {
      result.alternativesUsed.push({ job, via });
    } else if (rules.waivers.some((w) => w.job === job && w.fullHash === hashKey)) {
      result.waived.push(job);
    } else {
      const state = states.get(job);
      if (state?.inProgress) result.inProgress.push(job);
      else if (state?.failed) result.failed.push(job);
      else result.missing.push(job);
    }
  }
  return result;
}

const satisfied = (e: Evaluation): boolean => e.missing.length + e.failed.length + e.inProgress.length === 0;

function unsatisfiedReason(e: Evaluation): string {
  if (e.missing.length + e.failed.length === 0) return `waiting for jobs in progress: ${list(e.inProgress)}`;
  const parts: string[] = [];
  if (e.missing.length > 0) parts.push(`missing jobs: ${list(e.missing)}`);
  if (e.failed.length > 0) parts.push(`failed jobs: ${list(e.failed)}`);
  if (e.inProgress.length > 0) parts.push(`in progress: ${list(e.inProgress)}`);
  return parts.join('; ');
}

function satisfiedReason(e: Evaluation, total: number): string {
  const extras: string[] = [];
  if (e.alternativesUsed.length > 0) {
    extras.push(`via alternatives: ${list(e.alternativesUsed.map((a) => `${a.job} by ${a.via}`))}`);
  }
  if (e.waived.length > 0) extras.push(`waived: ${list(e.waived)}`);
  return `all ${total} criteria satisfied${extras.length > 0 ? ` (${extras.join('; ')})` : ''}`;
}

const emptyEvaluation = (): Evaluation => ({
  passed: [],
  missing: [],
  failed: [],
  inProgress: [],
  waived: [],
  alternativesUsed: [],
});

function explanation(
  key: string,
  hash: DlrnHash | null,
  record: unknown,
  status: CandidateStatus,
  evaluation: Evaluation,
  reason: string,
): CandidateExplanation {
  const timestamp = (record as { timestamp?: unknown } | null)?.timestamp;
  return {
    fullHash: key,
    hash,
    timestamp: typeof timestamp === 'number' ? timestamp : null,
    status,
    ...evaluation,
    reason,
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Something to show for a row that has no valid full_hash. */
function rawKey(record: unknown): string {
  const r = (typeof record === 'object' && record !== null ? record : {}) as Record<string, unknown>;
  if (r.aggregate_hash !== null && r.aggregate_hash !== undefined) return String(r.aggregate_hash);
  return `${String(r.commit_hash)}_${String(r.distro_hash).slice(0, 8)}`;
}

/**
 * Decides which candidate, if any, to promote from candidateLabel to targetLabel. Never throws on a bad candidate row;
 * throws PromoterError Config on empty criteria, MalformedHash when the target's current promotion is unreadable.
 */
export function decide(input: DecisionInput): Decision {
  const rules = normalizeRules(input);
  const target = readTarget(input);
  const currentKey = target.current === null ? null : fullHash(target.current);
  const seen = new Set<string>();
  const candidates: CandidateExplanation[] = [];
  let cut: { key: string; hash: DlrnHash } | null = null;
  let selected: CandidateExplanation | null = null;

  for (const record of input.candidatePromotions) {
    let hash: DlrnHash;
    try {
      hash = hashFromPromotion(record);
    } catch (err) {
      const reason = `malformed promotion record: ${errorMessage(err)}`;
      candidates.push(explanation(rawKey(record), null, record, 'malformed', emptyEvaluation(), reason));
      continue;
    }
    const key = fullHash(hash);
    if (seen.has(key)) {
      const reason = `duplicate of a newer promotion of ${describeHash(hash)} to ${input.candidateLabel}`;
      candidates.push(explanation(key, hash, record, 'duplicate', emptyEvaluation(), reason));
      continue;
    }
    seen.add(key);
    // Evaluated even when not eligible, so `explain` can still show the jobs.
    const evaluation = evaluate(key, input, rules);

    if (cut === null && target.promoted.has(key)) {
      // No regression: this hash reached the target before, so it and everything older are out.
      cut = { key, hash };
      const status = key === currentKey ? 'already_promoted' : 'not_newer';
      const reason =
        status === 'already_promoted'
          ? `is ${input.targetLabel}'s current hash`
          : `was promoted to ${input.targetLabel} before its current hash ${describeCurrent(target)}`;
      candidates.push(explanation(key, hash, record, status, evaluation, reason));
    } else if (cut !== null) {
      const reason =
        cut.key === currentKey
          ? `older than ${input.targetLabel}'s current hash ${describeHash(cut.hash)}`
          : `older than ${describeHash(cut.hash)}, which was already promoted to ${input.targetLabel}`;
      candidates.push(explanation(key, hash, record, 'not_newer', evaluation, reason));
    } else if (!satisfied(evaluation)) {
      const status = evaluation.missing.length + evaluation.failed.length === 0 ? 'in_progress' : 'missing_jobs';
      candidates.push(explanation(key, hash, record, status, evaluation, unsatisfiedReason(evaluation)));
    } else if (selected === null) {
      const reason = `${satisfiedReason(evaluation, rules.criteria.length)}; newest passing candidate`;
      selected = explanation(key, hash, record, 'selected', evaluation, reason);
      candidates.push(selected);
    } else {
      const newer = describeHash(selected.hash as DlrnHash);
      const reason = `${satisfiedReason(evaluation, rules.criteria.length)}; superseded by newer ${newer}`;
      candidates.push(explanation(key, hash, record, 'promotable', evaluation, reason));
    }
  }

  const warnings = [...target.warnings];
  if (target.current !== null && cut === null && input.candidatePromotions.length > 0) {
    // Same limit as the old promoter: newness is known only by position in the candidate window.
    warnings.push(
      `${input.targetLabel}'s current hash ${describeHash(target.current)} and its history are not among the ` +
        `${input.candidatePromotions.length} candidates from ${input.candidateLabel}: all of them count as newer`,
    );
  }
  return {
    candidateLabel: input.candidateLabel,
    targetLabel: input.targetLabel,
    selected: selected?.hash ?? null,
    selectedFullHash: selected?.fullHash ?? null,
    currentTarget: target.current,
    candidates,
    warnings,
  };
}

function describeCurrent(target: TargetState): string {
  return target.current === null ? '(none)' : describeHash(target.current);
}

/** The explanation for one full_hash (the CLI's `explain`): its candidate entry, or why it is not a candidate. */
export function explainHash(input: DecisionInput, hashKey: string): CandidateExplanation {
  const decision = decide(input);
  const found = decision.candidates.find((c) => c.fullHash === hashKey && c.status !== 'duplicate');
  if (found !== undefined) return found;
  const where = `not among the ${input.candidatePromotions.length} latest promotions of ${input.candidateLabel}`;
  const promoted = readTarget(input).promoted.has(hashKey);
  const reason = promoted ? `${where}; it was promoted to ${input.targetLabel} before` : where;
  return explanation(hashKey, null, null, 'not_a_candidate', emptyEvaluation(), reason);
}
