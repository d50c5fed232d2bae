// Properties of the decision over random vote histories (several votes per job, re-runs, in-progress rows of any
// age), random target histories and refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type DecisionInput, type JobVote, type PromotionRecord } from '../../domain/engine.js';

const NOW = 1_800_000_000;
const JOBS = ['a', 'b', 'c'];
const sha = (i: number, p: string) => `${p}${i.toString(16)}`.padStart(40, '0');
const row = (i: number, label: string, ts: number): PromotionRecord => ({
  commit_hash: sha(i, 'c'),
  distro_hash: sha(i, 'd'),
  extended_hash: null,
  aggregate_hash: null,
  component: null,
  promote_name: label,
  timestamp: ts,
});
const keyOf = (i: number) => `${sha(i, 'c')}_${sha(i, 'd').slice(0, 8)}`;

const voteArb = fc
  .record({
    job_id: fc.constantFrom(...JOBS, 'other'),
    success: fc.boolean(),
    in_progress: fc.boolean(),
    timestamp: fc.integer({ min: NOW - 3 * 86400, max: NOW }),
  })
  .map((v): JobVote => ({ ...v, in_progress: v.success ? false : v.in_progress }));

const scenarioArb = fc
  .record({
    n: fc.integer({ min: 1, max: 8 }),
    votes: fc.array(fc.array(voteArb, { maxLength: 12 }), { minLength: 8, maxLength: 8 }),
    current: fc.option(fc.integer({ min: 0, max: 7 }), { nil: null }),
    refused: fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]),
    timeout: fc.constantFrom(3600, 86400),
  })
  .map(({ n, votes, current, refused, timeout }): DecisionInput => {
    const candidates = Array.from({ length: n }, (_, i) => row(i, 'cand', NOW - (i + 1) * 3600));
    return {
      candidateLabel: 'cand',
      targetLabel: 'tgt',
      candidatePromotions: candidates,
      targetHistory: current !== null && current < n ? [row(current, 'tgt', NOW - 60)] : [],
      votes: Object.fromEntries(candidates.map((_, i) => [keyOf(i), votes[i]!])),
      criteria: JOBS,
      refused: refused.map((i) => ({ fullHash: keyOf(i), at: NOW, type: 'DlrnPurgedError', message: 'purged' })),
      inProgressTimeoutSeconds: timeout,
      now: NOW,
    };
  });

describe('decide: properties', () => {
  it('the order in which DLRN returns votes does not change the decision', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer(), (input, seed) => {
        const shuffled = Object.fromEntries(
          Object.entries(input.votes).map(([k, vs]) => [
            k,
            [...vs].sort((x, y) => ((x.timestamp * 31 + seed) % 97) - ((y.timestamp * 31 + seed) % 97)),
          ]),
        );
        expect(decide({ ...input, votes: shuffled })).toEqual(decide(input));
      }),
      { numRuns: 300 },
    );
  });

  it('the selected hash passes every criteria job, is not refused, and is newer than the current hash', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const d = decide(input);
        const i = d.candidates.findIndex((c) => c.status === 'selected');
        if (i === -1) return;
        const c = d.candidates[i]!;
        expect(c.passed).toEqual(JOBS);
        expect(input.refused!.some((r) => r.fullHash === c.fullHash)).toBe(false);
        const current = input.targetHistory[0];
        if (current) {
          const at = input.candidatePromotions.findIndex((r) => r.commit_hash === current.commit_hash);
          expect(i).toBeLessThan(at);
        }
        // Nothing newer could have been promoted instead.
        for (const newer of d.candidates.slice(0, i)) expect(['selected', 'superseded']).not.toContain(newer.status);
      }),
      { numRuns: 300 },
    );
  });

  it('one more passing vote never makes the decision pick an older hash', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 7 }), fc.constantFrom(...JOBS), (input, which, job) => {
        const n = input.candidatePromotions.length;
        const k = keyOf(which % n);
        const more = {
          ...input.votes,
          [k]: [...input.votes[k]!, { job_id: job, success: true, in_progress: false, timestamp: NOW - 1 }],
        };
        const pos = (d: ReturnType<typeof decide>) => {
          const i = d.candidates.findIndex((c) => c.status === 'selected');
          return i === -1 ? Infinity : i;
        };
        expect(pos(decide({ ...input, votes: more }))).toBeLessThanOrEqual(pos(decide(input)));
      }),
      { numRuns: 300 },
    );
  });

  it('a job is in progress only when its newest live in-progress row is newer than its newest failure', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        for (const c of decide(input).candidates) {
          for (const j of c.jobs) {
            if (j.state !== 'in_progress') continue;
            expect(j.votes.success).toBe(0);
            expect(j.inProgressSince).not.toBeNull();
            expect(j.inProgressSince!).toBeGreaterThan(NOW - input.inProgressTimeoutSeconds!);
            if (j.lastFailureAt !== null) expect(j.inProgressSince!).toBeGreaterThan(j.lastFailureAt);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
