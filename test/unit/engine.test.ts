import { describe, expect, it } from 'vitest';

import {
  type CandidateStatus,
  type Decision,
  type DecisionInput,
  type JobVote,
  type PromotionRecord,
  type Waiver,
  decide,
  explainHash,
} from '../../domain/engine.js';
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import { fullHash, hashFromPromotion } from '../../domain/hash.js';

const CANDIDATE = 'tripleo-ci-testing';
const TARGET = 'current-tripleo';
const NOW = 1_700_000_000;

// ---- builders -------------------------------------------------------------------------------------------------

const sha = (seed: string): string => seed.repeat(Math.ceil(40 / seed.length)).slice(0, 40);

interface RecordSpec {
  c: string;
  d?: string;
  ext?: string;
  agg?: string;
  ts?: number;
}

const rec = (s: RecordSpec): PromotionRecord => ({
  commit_hash: sha(s.c),
  distro_hash: sha(s.d ?? 'd0'),
  extended_hash: s.ext ?? null,
  aggregate_hash: s.agg ?? null,
  component: null,
  promote_name: CANDIDATE,
  timestamp: s.ts ?? 1000,
});

const key = (r: PromotionRecord): string => fullHash(hashFromPromotion(r));
const on = (r: PromotionRecord, jobs: JobVotes): [PromotionRecord, JobVotes] => [r, jobs];

type VoteState = 'pass' | 'fail' | 'running';
type JobVotes = Record<string, VoteState | VoteState[]>;

const vote = (job: string, state: VoteState, timestamp: number): JobVote => ({
  job_id: job,
  success: state === 'pass',
  in_progress: state === 'running',
  timestamp,
  url: `https://logs.example/${job}/${timestamp}`,
});

function votesOf(entries: [PromotionRecord, JobVotes][]): Record<string, JobVote[]> {
  const out: Record<string, JobVote[]> = {};
  for (const [record, jobs] of entries) {
    out[key(record)] = Object.entries(jobs).flatMap(([job, states]) =>
      (Array.isArray(states) ? states : [states]).map((state, i) => vote(job, state, NOW - 100 + i)),
    );
  }
  return out;
}

interface Scenario {
  candidates: PromotionRecord[];
  target?: PromotionRecord[];
  votes?: [PromotionRecord, JobVotes][];
  criteria?: string[];
  alternatives?: Record<string, string[]>;
  waivers?: Waiver[];
}

const input = (s: Scenario): DecisionInput => ({
  candidateLabel: CANDIDATE,
  targetLabel: TARGET,
  candidatePromotions: s.candidates,
  targetHistory: s.target ?? [],
  votes: votesOf(s.votes ?? []),
  criteria: s.criteria ?? ['a', 'b'],
  alternativeCriteria: s.alternatives,
  waivers: s.waivers,
  now: NOW,
});

const waiver = (job: string, record: PromotionRecord, expiresAt = NOW + 3600): Waiver => ({
  job,
  fullHash: key(record),
  expiresAt,
  by: 'ruck-rover',
  reason: 'known flaky job',
});

// Newest first: R1 is the newest candidate. R0 was promoted to the target but is outside the candidate window.
const R0 = rec({ c: 'a0' });
const R1 = rec({ c: 'a1' });
const R2 = rec({ c: 'a2' });
const R3 = rec({ c: 'a3' });
const EXT1 = `${sha('e1')}_${sha('f1')}`;
const EXT2 = `${sha('e2')}_${sha('f2')}`;
const X1 = rec({ c: 'a1', ext: EXT1 });
const X2 = rec({ c: 'a1', ext: EXT2 });
const G1 = rec({ c: 'a1', agg: 'ab'.repeat(16) });
const G2 = rec({ c: 'a2', agg: 'cd'.repeat(16) });
const BAD = { ...rec({ c: 'a9' }), commit_hash: 'not-a-hash' };
const ALL: JobVotes = { a: 'pass', b: 'pass' };

// ---- decide ---------------------------------------------------------------------------------------------------

interface Case {
  name: string;
  scenario: Scenario;
  statuses: CandidateStatus[];
  selected: PromotionRecord | null;
  check?: (d: Decision) => void;
}

const cases: Case[] = [
  {
    name: 'newest passing candidate is selected, older passing one superseded',
    scenario: { candidates: [R1, R2], votes: [on(R1, ALL), on(R2, ALL)] },
    statuses: ['selected', 'superseded'],
    selected: R1,
    check: (d) => expect(d.candidates[1]?.reason).toContain('superseded by newer a1a1a1a1_d0d0d0d0'),
  },
  {
    name: 'older passing candidate is selected when the newer one misses jobs',
    scenario: { candidates: [R1, R2], votes: [on(R1, { a: 'pass' }), on(R2, ALL)] },
    statuses: ['missing_jobs', 'selected'],
    selected: R2,
    check: (d) => expect(d.candidates[0]).toMatchObject({ passed: ['a'], missing: ['b'], reason: 'missing jobs: b' }),
  },
  {
    name: 'missing jobs are named and sorted',
    scenario: { candidates: [R1], criteria: ['c', 'a', 'b'], votes: [on(R1, { b: 'pass' })] },
    statuses: ['missing_jobs'],
    selected: null,
    check: (d) => expect(d.candidates[0]).toMatchObject({ missing: ['a', 'c'], reason: 'missing jobs: a, c' }),
  },
  {
    name: 'failed, in-progress and missing jobs are listed apart',
    scenario: { candidates: [R1], criteria: ['a', 'b', 'c'], votes: [on(R1, { a: 'fail', b: 'running' })] },
    statuses: ['missing_jobs'],
    selected: null,
    check: (d) =>
      expect(d.candidates[0]).toMatchObject({
        missing: ['c'],
        failed: ['a'],
        inProgress: ['b'],
        reason: 'missing jobs: c; failed jobs: a; in progress: b',
      }),
  },
  {
    name: 'only running jobs left -> in_progress (a rerun after a failure counts as running)',
    scenario: { candidates: [R1], votes: [on(R1, { a: 'pass', b: ['fail', 'running'] })] },
    statuses: ['in_progress'],
    selected: null,
    check: (d) => expect(d.candidates[0]).toMatchObject({ inProgress: ['b'], failed: [], reason: /in progress: b/ }),
  },
  {
    name: 'a job that failed and then passed counts as passed',
    scenario: { candidates: [R1], votes: [on(R1, { a: 'pass', b: ['fail', 'pass'] })] },
    statuses: ['selected'],
    selected: R1,
  },
  {
    name: 'a newer candidate in progress does not hold back an older passing one',
    scenario: { candidates: [R1, R2], votes: [on(R1, { a: 'pass', b: 'running' }), on(R2, ALL)] },
    statuses: ['in_progress', 'selected'],
    selected: R2,
  },
  {
    name: 'no regression: a passing candidate older than the current target is not selected',
    scenario: { candidates: [R1, R2, R3], target: [R2], votes: [on(R1, { a: 'pass' }), on(R3, ALL)] },
    statuses: ['missing_jobs', 'already_promoted', 'not_newer'],
    selected: null,
    check: (d) => {
      expect(d.candidates[2]?.reason).toBe(`not evaluated: older than ${TARGET}'s current hash a2a2a2a2_d0d0d0d0`);
      // Not evaluated: never a verdict on jobs the decision did not look at.
      expect(d.candidates[2]).toMatchObject({ evaluated: false, passed: [], missing: [] });
    },
  },
  {
    name: 'already promoted: the only candidate is the current target',
    scenario: { candidates: [R1], target: [R1], votes: [on(R1, ALL)] },
    statuses: ['already_promoted'],
    selected: null,
    check: (d) => expect(d.candidates[0]?.reason).toBe(`is ${TARGET}'s current hash`),
  },
  {
    name: 'a candidate in the target history but not current cuts the list',
    scenario: { candidates: [R1, R2, R3], target: [R0, R2], votes: [on(R1, ALL), on(R3, ALL)] },
    statuses: ['selected', 'not_newer', 'not_newer'],
    selected: R1,
    check: (d) => {
      expect(d.candidates[1]?.reason).toContain('before its current hash a0a0a0a0_d0d0d0d0');
      expect(d.candidates[2]?.reason).toContain(`which was already promoted to ${TARGET}`);
    },
  },
  {
    name: 'duplicate rows: the newest occurrence is kept',
    scenario: { candidates: [R1, { ...R1, timestamp: 900 }, R2], votes: [on(R1, ALL)] },
    statuses: ['selected', 'duplicate', 'missing_jobs'],
    selected: R1,
    check: (d) => expect(d.candidates.map((c) => c.timestamp)).toEqual([1000, 900, 1000]),
  },
  {
    name: 'a malformed row is skipped and named',
    scenario: { candidates: [BAD, R1], votes: [on(R1, ALL)] },
    statuses: ['malformed', 'selected'],
    selected: R1,
    check: (d) => expect(d.candidates[0]).toMatchObject({ hash: null, reason: /commit_hash.*not-a-hash/ }),
  },
  {
    name: 'an alternative job satisfies its criteria job',
    scenario: { candidates: [R1], alternatives: { b: ['b-alt'] }, votes: [on(R1, { a: 'pass', 'b-alt': 'pass' })] },
    statuses: ['selected'],
    selected: R1,
    check: (d) =>
      expect(d.candidates[0]).toMatchObject({
        passed: ['a'],
        alternativesUsed: [{ job: 'b', via: 'b-alt' }],
        reason: /via alternatives: b by b-alt/,
      }),
  },
  {
    name: 'an alternative used for one candidate does not leak into the next (old promoter bug)',
    scenario: {
      candidates: [R1, R2],
      criteria: ['a', 'b', 'c'],
      alternatives: { b: ['b2'] },
      votes: [on(R1, { a: 'pass', b2: 'pass' }), on(R2, { a: 'pass', b: 'pass', c: 'pass' })],
    },
    statuses: ['missing_jobs', 'selected'],
    selected: R2,
    check: (d) => {
      expect(d.candidates[0]).toMatchObject({ missing: ['c'], alternativesUsed: [{ job: 'b', via: 'b2' }] });
      expect(d.candidates[1]).toMatchObject({ passed: ['a', 'b', 'c'], alternativesUsed: [] });
    },
  },
  {
    name: 'a waiver satisfies its job for its hash',
    scenario: { candidates: [R1], votes: [on(R1, { a: 'pass', b: 'fail' })], waivers: [waiver('b', R1)] },
    statuses: ['selected'],
    selected: R1,
    check: (d) => expect(d.candidates[0]).toMatchObject({ waived: ['b'], failed: [], reason: /waived: b/ }),
  },
  {
    name: 'an expired waiver is ignored',
    scenario: { candidates: [R1], votes: [on(R1, { a: 'pass' })], waivers: [waiver('b', R1, NOW)] },
    statuses: ['missing_jobs'],
    selected: null,
  },
  {
    name: 'a waiver for another hash is ignored',
    scenario: {
      candidates: [R1, R2],
      votes: [on(R1, { a: 'pass' }), on(R2, { a: 'pass' })],
      waivers: [waiver('b', R2)],
    },
    statuses: ['missing_jobs', 'selected'],
    selected: R2,
  },
  {
    name: 'no candidates',
    scenario: { candidates: [], target: [R0] },
    statuses: [],
    selected: null,
    check: (d) => expect(d.warnings).toEqual([]),
  },
  {
    name: 'first promotion: empty target history',
    scenario: { candidates: [R1, R2], votes: [on(R2, ALL)] },
    statuses: ['missing_jobs', 'selected'],
    selected: R2,
    check: (d) => expect([d.currentTarget, d.warnings]).toEqual([null, []]),
  },
  {
    name: 'aggregate hashes',
    scenario: { candidates: [G2, G1], target: [G1], votes: [on(G2, ALL)] },
    statuses: ['selected', 'already_promoted'],
    selected: G2,
    check: (d) => expect([d.selected?.kind, d.currentTarget?.kind]).toEqual(['aggregate', 'aggregate']),
  },
  {
    name: 'extended hashes of the same commit/distro are different candidates',
    scenario: { candidates: [X2, X1], target: [X1], votes: [on(X2, ALL), on(X1, ALL)] },
    statuses: ['selected', 'already_promoted'],
    selected: X2,
  },
  {
    name: 'criteria are deduped',
    scenario: { candidates: [R1], criteria: ['b', 'a', 'b'], votes: [on(R1, ALL)] },
    statuses: ['selected'],
    selected: R1,
    check: (d) => expect(d.candidates[0]).toMatchObject({ passed: ['a', 'b'], reason: /^all 2 criteria satisfied/ }),
  },
  {
    name: 'votes of jobs outside the criteria do not matter',
    scenario: { candidates: [R1], votes: [on(R1, { a: 'pass', b: 'pass', other: 'fail' })] },
    statuses: ['selected'],
    selected: R1,
  },
  {
    name: 'current target outside the candidate window is reported',
    scenario: { candidates: [R1], target: [R0], votes: [on(R1, ALL)] },
    statuses: ['selected'],
    selected: R1,
    check: (d) => expect(d.warnings).toEqual([expect.stringContaining('a0a0a0a0_d0d0d0d0')]),
  },
];

describe('decide', () => {
  it.each(cases)('$name', ({ scenario, statuses, selected, check }) => {
    const decision = decide(input(scenario));
    expect(decision.candidates.map((c) => c.status)).toEqual(statuses);
    expect(decision.selectedFullHash).toBe(selected === null ? null : key(selected));
    expect(decision.selected).toEqual(selected === null ? null : hashFromPromotion(selected));
    check?.(decision);
  });

  it.each([
    { name: 'no criteria', criteria: [] },
    { name: 'an empty job name', criteria: ['a', ''] },
  ])('refuses $name as a config error', ({ criteria }) => {
    expect(() => decide(input({ candidates: [R1], criteria }))).toThrow(
      expect.objectContaining({ code: ErrorCode.Config }),
    );
  });

  it("refuses to decide when the target's current promotion is malformed (could regress)", () => {
    expect(() => decide(input({ candidates: [R1], target: [BAD, R0] }))).toThrow(PromoterError);
    expect(decide(input({ candidates: [R1], target: [R0, BAD] })).warnings[0]).toMatch(/ignored malformed/);
  });

  it('does not mutate its input', () => {
    const given = input({
      candidates: [R1, R2, R1],
      target: [R3],
      criteria: ['a', 'b', 'a'],
      alternatives: { b: ['b2', 'b'] },
      waivers: [waiver('a', R2), waiver('a', R1, NOW - 1)],
      votes: [on(R1, { a: 'pass', b2: 'pass' }), on(R2, { b: 'running' })],
    });
    const before = structuredClone(given);
    deepFreeze(given);
    const decision = decide(given);
    expect(given).toEqual(before);
    expect(decision.selectedFullHash).toBe(key(R1));
  });
});

// ---- explainHash ----------------------------------------------------------------------------------------------

describe('explainHash', () => {
  const scenario = input({
    candidates: [R1, R2],
    target: [R0],
    votes: [on(R1, { a: 'pass' }), on(R2, ALL)],
  });
  it.each([
    { name: 'a candidate missing jobs', hash: key(R1), status: 'missing_jobs', reason: /missing jobs: b/ },
    { name: 'the selected candidate', hash: key(R2), status: 'selected', reason: /newest candidate that passes/ },
    { name: 'a hash promoted to the target only', hash: key(R0), status: 'not_a_candidate', reason: /promoted to/ },
    { name: 'an unknown hash', hash: key(R3), status: 'not_a_candidate', reason: /^not among the 2 latest/ },
  ])('$name', ({ hash, status, reason }) => {
    const explanation = explainHash(scenario, hash);
    expect(explanation.fullHash).toBe(hash);
    expect(explanation.status).toBe(status);
    expect(explanation.reason).toMatch(reason);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
