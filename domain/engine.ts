// The promotion decision: which candidate hash (if any) goes from the candidate label to the target label, and why
// every other candidate does not. Pure function of its input (no I/O; `now` is passed in): the decide activity and
// the CLI's `explain` run it. Same outcomes as the old promoter's promote_label_to_label, minus its bugs:
// alternative criteria apply per candidate (the old one mutated its criteria set), malformed rows never crash it,
// and soak time and approval are gates of each hash, so an older hash that passes them goes while newer ones wait.

import { ErrorCode, PromoterError } from './errors.js';
import { type DlrnHash, describeHash, fullHash, hashFromPromotion } from './hash.js';
import { gate, type GateVerdict } from './policy.js';
import {
  emptyEvaluation,
  evaluateVotes,
  normalizeRules,
  satisfied,
  satisfiedReason,
  unsatisfiedReason,
  type Evaluation,
} from './criteria.js';
import type {
  CandidateExplanation,
  CandidateStatus,
  Decision,
  DecisionInput,
  PromotionRecord,
} from './engine-types.js';

export type { JobPicture, JobVote } from './votes.js';
export type * from './engine-types.js';
export { evaluateVotes, rulesOf, type Rules } from './criteria.js';

interface TargetState {
  current: DlrnHash | null;
  promoted: ReadonlySet<string>;
  warnings: string[];
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const has = <T>(r: Record<string, T> | undefined, k: string): boolean =>
  r !== undefined && Object.prototype.hasOwnProperty.call(r, k);

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

/** Evaluates one hash's votes against the criteria (exported for `explain` of hashes the decision skips). */
function explanation(
  key: string,
  hash: DlrnHash | null,
  record: unknown,
  status: CandidateStatus,
  evaluation: Evaluation | null,
  reason: string,
  candidateSince: number | null = null,
): CandidateExplanation {
  const timestamp = (record as { timestamp?: unknown } | null)?.timestamp;
  return {
    fullHash: key,
    hash,
    timestamp: typeof timestamp === 'number' ? timestamp : null,
    candidateSince,
    status,
    evaluated: evaluation !== null,
    ...(evaluation ?? emptyEvaluation()),
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

/** The 2024 promoter skips candidate rows whose extended_hash is set but 40 characters or fewer ('None', ''). */
function shortExtended(record: PromotionRecord): string | null {
  const ext = (record as { extended_hash?: unknown }).extended_hash;
  return typeof ext === 'string' && ext.length <= 40 ? ext : null;
}

/** The soak clock of each hash: DLRN's oldest promotion to the candidate label, else its oldest row in the window. */
function sinceOf(input: DecisionInput): (key: string) => number | null {
  const oldest = new Map<string, number>();
  for (const r of input.candidatePromotions) {
    try {
      const k = fullHash(hashFromPromotion(r));
      if (typeof r.timestamp === 'number') oldest.set(k, Math.min(oldest.get(k) ?? r.timestamp, r.timestamp));
    } catch {
      // malformed rows have no clock
    }
  }
  return (key) => (has(input.candidateSince, key) ? input.candidateSince![key]! : (oldest.get(key) ?? null));
}

/** Splits the gates into the label's (hold, windows: same for every hash) and the hash's own (soak, approval). */
function gateChecks(input: DecisionInput) {
  const g = input.gates;
  if (!g) return { label: null, hash: () => null };
  const label = gate({
    promotion: { ...g.promotion, soakSeconds: 0, approvalRequired: false },
    fullHash: '',
    candidateSince: null,
    held: g.held,
    approved: false,
    now: input.now,
  });
  const hash = (fullHashKey: string, since: number | null): GateVerdict | null =>
    gate({
      promotion: { ...g.promotion, hold: false, windows: [] },
      fullHash: fullHashKey,
      candidateSince: since,
      held: null,
      approved: g.approved.includes(fullHashKey),
      now: input.now,
    });
  return { label, hash };
}

/**
 * Decides which candidate, if any, to promote from candidateLabel to targetLabel. Never throws on a bad candidate row;
 * throws PromoterError Config on empty criteria, MalformedHash when the target's current promotion is unreadable.
 */
export function decide(input: DecisionInput): Decision {
  const rules = normalizeRules(input);
  const target = readTarget(input);
  const currentKey = target.current === null ? null : fullHash(target.current);
  const since = sinceOf(input);
  const gates = gateChecks(input);
  const refusals = new Map((input.refused ?? []).map((r) => [r.fullHash, r]));
  const seen = new Set<string>();
  const candidates: CandidateExplanation[] = [];
  const warnings = [...target.warnings];
  let cut: { key: string; hash: DlrnHash } | null = null;
  let selected: CandidateExplanation | null = null;
  let firstHeld: CandidateExplanation | null = null;
  const wakeups: number[] = [];

  // The current hash is outside the candidate window: order by when each hash reached the candidate label.
  const outside = currentKey !== null && !input.candidatePromotions.some((r) => safeKey(r) === currentKey);
  const currentSince = outside ? input.currentCandidateSince : undefined;
  if (outside && currentSince === null) {
    warnings.push(
      `${input.targetLabel}'s current hash ${describeHash(target.current!)} never was on ${input.candidateLabel}: ` +
        'cannot tell which candidates are newer, so none is promoted; force-promote or roll back to a hash from it',
    );
  }

  for (const record of input.candidatePromotions) {
    let hash: DlrnHash;
    try {
      hash = hashFromPromotion(record);
    } catch (err) {
      const reason = `malformed promotion record: ${errorMessage(err)}`;
      candidates.push(explanation(rawKey(record), null, record, 'malformed', null, reason));
      continue;
    }
    const key = fullHash(hash);
    const clock = since(key);
    const add = (status: CandidateStatus, evaluation: Evaluation | null, reason: string) => {
      const e = explanation(key, hash, record, status, evaluation, reason, clock);
      candidates.push(e);
      return e;
    };
    if (seen.has(key)) {
      add('duplicate', null, `duplicate of a newer promotion of ${describeHash(hash)} to ${input.candidateLabel}`);
      continue;
    }
    seen.add(key);
    const ext = shortExtended(record);
    if (ext !== null) {
      add(
        'skipped',
        null,
        `extended_hash ${JSON.stringify(ext)} has ${ext.length} characters (40 or fewer): skipped, as the old promoter does`,
      );
      continue;
    }

    if (cut === null && target.promoted.has(key)) {
      // No regression: this hash reached the target before, so it and everything older are out.
      cut = { key, hash };
      if (key === currentKey) add('already_promoted', null, `is ${input.targetLabel}'s current hash`);
      else
        add(
          'not_newer',
          null,
          `not evaluated: was promoted to ${input.targetLabel} before its current hash ${describeCurrent(target)}`,
        );
      continue;
    }
    if (cut !== null) {
      const reason =
        cut.key === currentKey
          ? `not evaluated: older than ${input.targetLabel}'s current hash ${describeHash(cut.hash)}`
          : `not evaluated: older than ${describeHash(cut.hash)}, which was already promoted to ${input.targetLabel}`;
      add('not_newer', null, reason);
      continue;
    }
    if (currentSince === null) {
      add(
        'not_newer',
        null,
        `not evaluated: cannot tell whether it is newer than ${input.targetLabel}'s current hash ${describeCurrent(target)}`,
      );
      continue;
    }
    if (typeof currentSince === 'number' && (clock === null || clock <= currentSince)) {
      const when = clock === null ? 'at an unknown time' : `at ${iso(clock)}`;
      add(
        'not_newer',
        null,
        `not evaluated: reached ${input.candidateLabel} ${when}, before ${input.targetLabel}'s current hash ` +
          `${describeCurrent(target)} did (${iso(currentSince)})`,
      );
      continue;
    }
    if (has(input.unresolved, key)) {
      add('unresolvable', null, `DLRN cannot give its votes: ${input.unresolved![key]}`);
      continue;
    }
    // Evaluated even when refused or superseded, so `explain` can still show the jobs.
    const votes = has(input.votes, key) ? input.votes[key]! : [];
    const evaluation = evaluateVotes(votes, key, rules);
    const refusal = refusals.get(key);
    if (refusal) {
      add(
        'refused',
        evaluation,
        `refused for ${input.targetLabel} at ${iso(refusal.at)} (${refusal.type}): ${refusal.message}; ` +
          'skipped until an operator clears the refusal',
      );
      continue;
    }
    if (!satisfied(evaluation)) {
      const status = evaluation.missing.length + evaluation.failed.length === 0 ? 'in_progress' : 'missing_jobs';
      add(status, evaluation, unsatisfiedReason(evaluation));
      continue;
    }
    const ok = satisfiedReason(evaluation, rules.criteria.length);
    if (selected !== null) {
      add('superseded', evaluation, `${ok}; superseded by newer ${describeHash(selected.hash!)}`);
      continue;
    }
    const held = gates.hash(key, clock);
    if (held) {
      const e = add(held.outcome === 'soaking' ? 'soaking' : 'awaiting_approval', evaluation, `${ok}; ${held.reason}`);
      e.gate = held;
      firstHeld ??= e;
      if (held.wakeAt !== null) wakeups.push(held.wakeAt);
      continue;
    }
    selected = add('selected', evaluation, `${ok}; newest candidate that passes every gate`);
  }

  if (
    target.current !== null &&
    cut === null &&
    outside &&
    currentSince === undefined &&
    input.candidatePromotions.length > 0
  ) {
    // Without DLRN's timestamps newness is known only by position in the candidate window, as in the old promoter.
    warnings.push(
      `${input.targetLabel}'s current hash ${describeHash(target.current)} and its history are not among the ` +
        `${input.candidatePromotions.length} candidates from ${input.candidateLabel}: all of them count as newer`,
    );
  }
  const verdict = selected !== null ? gates.label : (firstHeld?.gate ?? null);
  if (verdict?.wakeAt !== null && verdict?.wakeAt !== undefined) wakeups.push(verdict.wakeAt);
  return {
    candidateLabel: input.candidateLabel,
    targetLabel: input.targetLabel,
    selected: selected?.hash ?? null,
    selectedFullHash: selected?.fullHash ?? null,
    waitingFullHash: selected === null ? (firstHeld?.fullHash ?? null) : null,
    currentTarget: target.current,
    gate: verdict,
    wakeAt: wakeups.length > 0 ? Math.min(...wakeups) : null,
    candidates,
    warnings,
  };
}

function safeKey(record: PromotionRecord): string | null {
  try {
    return fullHash(hashFromPromotion(record));
  } catch {
    return null;
  }
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
  return explanation(hashKey, null, null, 'not_a_candidate', null, reason);
}
