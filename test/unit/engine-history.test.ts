// The decision on vote histories shaped like production: several votes per job with real timestamps, reruns that
// fail or pass, in-progress rows (from last_tested_repo) never closed; gates per hash; refusals; rows DLRN cannot
// resolve; the current hash outside the candidate window.
import { describe, expect, it } from 'vitest';
import { type DecisionInput, type JobVote, type PromotionRecord, decide } from '../../domain/engine.js';
import { fullHash, hashFromPromotion } from '../../domain/hash.js';

const CANDIDATE = 'tripleo-ci-testing';
const TARGET = 'current-tripleo';
const NOW = Date.parse('2026-11-23T12:00:00Z') / 1000;
const H = 3600;
const sha = (seed: string): string => seed.repeat(Math.ceil(40 / seed.length)).slice(0, 40);
const rec = (c: string, ts: number, ext: string | null = null): PromotionRecord => ({
  commit_hash: sha(c),
  distro_hash: sha('d0'),
  extended_hash: ext,
  aggregate_hash: null,
  component: null,
  promote_name: CANDIDATE,
  timestamp: ts,
});
const key = (r: PromotionRecord) => fullHash(hashFromPromotion(r));
type S = 'pass' | 'fail' | 'running';
const v = (job: string, s: S, ts: number): JobVote => ({
  job_id: job,
  success: s === 'pass',
  in_progress: s === 'running',
  timestamp: ts,
  url: `https://logs.rdoproject.org/${job}/${ts}`,
});

const R1 = rec('a1', NOW - 2 * H);
const R2 = rec('a2', NOW - 6 * H);
const R3 = rec('a3', NOW - 10 * H);

const base = (over: Partial<DecisionInput>): DecisionInput => ({
  candidateLabel: CANDIDATE,
  targetLabel: TARGET,
  candidatePromotions: [R1],
  targetHistory: [],
  votes: {},
  criteria: ['a', 'b'],
  now: NOW,
  ...over,
});

describe('votes: any success passes, otherwise the newest vote decides, stale in-progress rows age out', () => {
  it.each([
    {
      name: 'in progress then failed (run crashed mid-way, then reported the failure): failed',
      votes: [v('b', 'running', NOW - 3 * H), v('b', 'fail', NOW - 2 * H)],
      state: 'failed',
    },
    {
      name: 'failed then re-run in progress: in progress',
      votes: [v('b', 'fail', NOW - 3 * H), v('b', 'running', NOW - 1 * H)],
      state: 'in_progress',
    },
    {
      name: 'failed, then a re-run whose in-progress row never closed (older than 24 h): failed',
      votes: [v('b', 'fail', NOW - 30 * H), v('b', 'running', NOW - 26 * H)],
      state: 'failed',
    },
    {
      name: 'only an in-progress row that never closed: aged out, missing',
      votes: [v('b', 'running', NOW - 25 * H)],
      state: 'missing',
    },
    {
      name: 'in-progress and result with the same timestamp (report_result reuses it): the result decides',
      votes: [v('b', 'fail', NOW - 2 * H), v('b', 'running', NOW - 2 * H)],
      state: 'failed',
    },
    {
      name: 'fail, fail, pass, in progress: any success passes',
      votes: [
        v('b', 'fail', NOW - 5 * H),
        v('b', 'fail', NOW - 4 * H),
        v('b', 'pass', NOW - 3 * H),
        v('b', 'running', NOW - H),
      ],
      state: 'passed',
    },
  ])('$name', ({ votes, state }) => {
    const d = decide(base({ votes: { [key(R1)]: [v('a', 'pass', NOW - 3 * H), ...votes] } }));
    const job = d.candidates[0]!.jobs.find((j) => j.job === 'b')!;
    expect(job.state).toBe(state);
  });

  it('explains the full picture of a job: failed at T, re-run in progress since T, with vote counts', () => {
    const votes = [
      v('a', 'pass', NOW - 3 * H),
      v('b', 'fail', NOW - 3 * H),
      v('b', 'fail', NOW - 2 * H),
      v('b', 'running', NOW - H),
    ];
    const d = decide(base({ votes: { [key(R1)]: votes } }));
    const b = d.candidates[0]!.jobs.find((j) => j.job === 'b')!;
    expect(b).toMatchObject({
      state: 'in_progress',
      votes: { success: 0, failure: 2, inProgress: 1, staleInProgress: 0 },
      lastFailureAt: NOW - 2 * H,
      inProgressSince: NOW - H,
    });
    expect(b.summary).toBe(
      'failed at 2026-11-23T10:00:00Z, re-run in progress since 2026-11-23T11:00:00Z (2 failed, 1 in progress)',
    );
  });

  it('an in-progress timeout of 0 turns ageing off', () => {
    const votes = [v('a', 'pass', NOW - 3 * H), v('b', 'running', NOW - 300 * H)];
    const d = decide(base({ votes: { [key(R1)]: votes }, inProgressTimeoutSeconds: 0 }));
    expect(d.candidates[0]!.status).toBe('in_progress');
  });

  it('the in-progress timeout is configurable', () => {
    const votes = [v('a', 'pass', NOW - 3 * H), v('b', 'fail', NOW - 5 * H), v('b', 'running', NOW - 3 * H)];
    const d = decide(base({ votes: { [key(R1)]: votes }, inProgressTimeoutSeconds: 2 * H }));
    expect(d.candidates[0]!.jobs.find((j) => j.job === 'b')).toMatchObject({
      state: 'failed',
      votes: { staleInProgress: 1 },
    });
    expect(d.candidates[0]!.status).toBe('missing_jobs');
  });
});

describe('hashes older than or equal to the current one are not evaluated', () => {
  it('says "not evaluated" instead of reporting their jobs as missing', () => {
    const d = decide(base({ candidatePromotions: [R1, R2, R3], targetHistory: [{ ...R2, promote_name: TARGET }] }));
    expect(d.candidates.map((c) => c.status)).toEqual(['missing_jobs', 'already_promoted', 'not_newer']);
    for (const c of d.candidates.slice(1)) {
      expect(c.evaluated).toBe(false);
      expect(c.missing).toEqual([]);
    }
    expect(d.candidates[2]!.reason).toMatch(/^not evaluated: older than/);
  });

  it('an older passing hash is "superseded", never "promotable"', () => {
    const all = (ts: number) => [v('a', 'pass', ts), v('b', 'pass', ts)];
    const d = decide(
      base({ candidatePromotions: [R1, R2], votes: { [key(R1)]: all(NOW - H), [key(R2)]: all(NOW - 5 * H) } }),
    );
    expect(d.candidates.map((c) => c.status)).toEqual(['selected', 'superseded']);
  });
});

describe('no regression outside the candidate window', () => {
  const R0 = rec('a0', NOW - 30 * H);
  const all = (ts: number) => [v('a', 'pass', ts), v('b', 'pass', ts)];
  it('candidates that reached the candidate label before the current hash did are not newer', () => {
    // Someone force-promoted R2 long ago... here: the current hash R0 reached the candidate label 8 h ago.
    const d = decide(
      base({
        candidatePromotions: [R1, R3],
        targetHistory: [{ ...R0, promote_name: TARGET }],
        currentCandidateSince: NOW - 8 * H,
        votes: { [key(R1)]: all(NOW - H), [key(R3)]: all(NOW - 9 * H) },
        candidateSince: { [key(R1)]: NOW - 2 * H, [key(R3)]: NOW - 10 * H },
      }),
    );
    expect(d.candidates.map((c) => c.status)).toEqual(['selected', 'not_newer']);
    // Only R3 passes: it must not be promoted over the newer current hash.
    const d2 = decide(
      base({
        candidatePromotions: [R1, R3],
        targetHistory: [{ ...R0, promote_name: TARGET }],
        currentCandidateSince: NOW - 8 * H,
        votes: { [key(R3)]: all(NOW - 9 * H) },
        candidateSince: { [key(R1)]: NOW - 2 * H, [key(R3)]: NOW - 10 * H },
      }),
    );
    expect(d2.selectedFullHash).toBeNull();
    expect(d2.candidates[1]!.reason).toMatch(/reached tripleo-ci-testing .* before current-tripleo's current hash/);
  });

  it('refuses, naming the current hash, when it never was on the candidate label', () => {
    const d = decide(
      base({
        candidatePromotions: [R1],
        targetHistory: [{ ...R0, promote_name: TARGET }],
        currentCandidateSince: null,
        votes: { [key(R1)]: all(NOW - H) },
      }),
    );
    expect(d.selectedFullHash).toBeNull();
    expect(d.candidates[0]!.status).toBe('not_newer');
    expect(d.warnings.join('\n')).toMatch(/a0a0a0a0_d0d0d0d0 .*never was on tripleo-ci-testing/);
  });
});

describe('gates per hash: the newest hash that passes criteria and every gate', () => {
  const all = (ts: number) => [v('a', 'pass', ts), v('b', 'pass', ts)];
  const promotion = { targetLabel: TARGET, approvalRequired: false, soakSeconds: 6 * H, windows: [], hold: false };
  it('a 6 h soak with a pass every 4 h still promotes (the older hash has soaked)', () => {
    const d = decide(
      base({
        candidatePromotions: [R1, R2],
        votes: { [key(R1)]: all(NOW - H), [key(R2)]: all(NOW - 5 * H) },
        candidateSince: { [key(R1)]: NOW - 2 * H, [key(R2)]: NOW - 7 * H },
        gates: { promotion, held: null, approved: [] },
      }),
    );
    expect(d.candidates.map((c) => c.status)).toEqual(['soaking', 'selected']);
    expect(d.selectedFullHash).toBe(key(R2));
    expect(d.wakeAt).toBe(NOW - 2 * H + 6 * H);
  });

  it('the soak clock starts at the oldest promotion to the candidate label, not a re-promotion', () => {
    const again = { ...R2, timestamp: NOW - H };
    const d = decide(
      base({
        candidatePromotions: [again, R1, R2],
        votes: { [key(R2)]: all(NOW - 5 * H) },
        gates: { promotion, held: null, approved: [] },
      }),
    );
    expect(d.selectedFullHash).toBe(key(R2));
    expect(d.candidates[0]).toMatchObject({ status: 'selected', candidateSince: NOW - 6 * H });
  });

  it('approval is checked per hash: an approved older hash goes, the unapproved newer one waits', () => {
    const d = decide(
      base({
        candidatePromotions: [R1, R2],
        votes: { [key(R1)]: all(NOW - H), [key(R2)]: all(NOW - 5 * H) },
        gates: { promotion: { ...promotion, soakSeconds: 0, approvalRequired: true }, held: null, approved: [key(R2)] },
      }),
    );
    expect(d.candidates.map((c) => c.status)).toEqual(['awaiting_approval', 'selected']);
  });

  it('nothing passes its gates: the newest waiting hash and its gate are named, with a wake-up', () => {
    const d = decide(
      base({
        candidatePromotions: [R1],
        votes: { [key(R1)]: all(NOW - H) },
        candidateSince: { [key(R1)]: NOW - 2 * H },
        gates: { promotion, held: null, approved: [] },
      }),
    );
    expect([d.selectedFullHash, d.waitingFullHash, d.gate?.outcome, d.wakeAt]).toEqual([
      null,
      key(R1),
      'soaking',
      NOW + 4 * H,
    ]);
  });

  it('a hold applies to the label: the decision names the hash and the gate', () => {
    const d = decide(
      base({
        candidatePromotions: [R1],
        votes: { [key(R1)]: all(NOW - H) },
        gates: { promotion: { ...promotion, soakSeconds: 0 }, held: { by: 'amy', why: 'CI outage' }, approved: [] },
      }),
    );
    expect(d.selectedFullHash).toBe(key(R1));
    expect(d.gate).toMatchObject({ outcome: 'held' });
  });
});

describe('refusals, unresolvable rows and short extended hashes skip one candidate only', () => {
  const all = (ts: number) => [v('a', 'pass', ts), v('b', 'pass', ts)];
  it('a refused hash is skipped with the remembered reason; the next passing one is selected', () => {
    const d = decide(
      base({
        candidatePromotions: [R1, R2],
        votes: { [key(R1)]: all(NOW - H), [key(R2)]: all(NOW - 5 * H) },
        refused: [{ fullHash: key(R1), at: NOW - 600, type: 'DlrnRefused', message: '410 purged' }],
      }),
    );
    expect(d.candidates.map((c) => c.status)).toEqual(['refused', 'selected']);
    expect(d.candidates[0]!.reason).toMatch(/410 purged/);
  });

  it('a row DLRN cannot resolve is that candidate only, with the reason', () => {
    const d = decide(
      base({
        candidatePromotions: [R1, R2],
        votes: { [key(R2)]: all(NOW - 5 * H) },
        unresolved: { [key(R1)]: 'commit_hash+distro_hash+extended_hash combination not found' },
      }),
    );
    expect(d.candidates.map((c) => c.status)).toEqual(['unresolvable', 'selected']);
    expect(d.candidates[0]!.reason).toMatch(/combination not found/);
  });

  it.each(['None', '', 'abc', sha('e1')])(
    'a row whose extended_hash is %j (<= 40 chars) is skipped like the old promoter does',
    (ext) => {
      const short = rec('a1', NOW - H, ext);
      const d = decide(
        base({ candidatePromotions: [short, R2], votes: { [key(short)]: all(NOW - H), [key(R2)]: all(NOW - 5 * H) } }),
      );
      expect(d.candidates.map((c) => c.status)).toEqual(['skipped', 'selected']);
      expect(d.candidates[0]!.reason).toMatch(/extended_hash/);
    },
  );
});
