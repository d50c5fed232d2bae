// How one hash's votes meet a stage's criteria: alternatives per candidate (never mutating the config, unlike the
// old promoter), waivers, and the vote rule of votes.ts. Pure.
import { ErrorCode, PromoterError } from './errors.js';
import type { DecisionInput, Evaluation, Waiver } from './engine-types.js';
import { DEFAULT_IN_PROGRESS_TIMEOUT, jobPicture, jobPictures, type JobVote } from './votes.js';

export type { Evaluation };

export interface Rules {
  criteria: readonly string[];
  alternatives: ReadonlyMap<string, readonly string[]>;
  waivers: readonly Waiver[];
  timeout: number;
  now: number;
}

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();
export const list = (items: readonly string[]): string => items.join(', ');

export function normalizeRules(input: DecisionInput): Rules {
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
  return {
    criteria: sorted(criteria),
    alternatives,
    waivers,
    timeout: input.inProgressTimeoutSeconds ?? DEFAULT_IN_PROGRESS_TIMEOUT,
    now: input.now,
  };
}

export function evaluateVotes(votes: readonly JobVote[], hashKey: string, rules: Rules): Evaluation {
  const pictures = jobPictures(votes, rules.now, rules.timeout);
  const stateOf = (job: string) => pictures.get(job)?.state ?? 'missing';
  const passedJob = (job: string): boolean => stateOf(job) === 'passed';
  const result: Evaluation = {
    passed: [],
    missing: [],
    failed: [],
    inProgress: [],
    waived: [],
    alternativesUsed: [],
    jobs: [],
  };
  for (const job of rules.criteria) {
    result.jobs.push(pictures.get(job) ?? jobPicture(job, [], rules.now, rules.timeout));
    for (const alt of rules.alternatives.get(job) ?? []) {
      const p = pictures.get(alt);
      if (p) result.jobs.push(p);
    }
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
      const state = stateOf(job);
      if (state === 'in_progress') result.inProgress.push(job);
      else if (state === 'failed') result.failed.push(job);
      else result.missing.push(job);
    }
  }
  return result;
}

/** The rules of a decision input, for evaluating votes outside decide(). */
export const rulesOf = (input: DecisionInput): Rules => normalizeRules(input);

export const satisfied = (e: Evaluation): boolean => e.missing.length + e.failed.length + e.inProgress.length === 0;

export function unsatisfiedReason(e: Evaluation): string {
  if (e.missing.length + e.failed.length === 0) return `waiting for jobs in progress: ${list(e.inProgress)}`;
  const parts: string[] = [];
  if (e.missing.length > 0) parts.push(`missing jobs: ${list(e.missing)}`);
  if (e.failed.length > 0) parts.push(`failed jobs: ${list(e.failed)}`);
  if (e.inProgress.length > 0) parts.push(`in progress: ${list(e.inProgress)}`);
  return parts.join('; ');
}

export function satisfiedReason(e: Evaluation, total: number): string {
  const extras: string[] = [];
  if (e.alternativesUsed.length > 0) {
    extras.push(`via alternatives: ${list(e.alternativesUsed.map((a) => `${a.job} by ${a.via}`))}`);
  }
  if (e.waived.length > 0) extras.push(`waived: ${list(e.waived)}`);
  return `all ${total} criteria satisfied${extras.length > 0 ? ` (${extras.join('; ')})` : ''}`;
}

export const emptyEvaluation = (): Evaluation => ({
  passed: [],
  missing: [],
  failed: [],
  inProgress: [],
  waived: [],
  alternativesUsed: [],
  jobs: [],
});
