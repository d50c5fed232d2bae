// The decide activity on a DLRN with production-shaped data: what the stage gets back stays small, hash_kind is
// checked against what DLRN holds, a row DLRN cannot resolve costs only that candidate.
import { describe, expect, it } from 'vitest';
import { createDecideActivities, type DecideStageInput } from '../../activities/decide.js';
import { createDlrnActivities } from '../../activities/dlrn.js';
import { ErrorCode } from '../../domain/errors.js';
import { FakeDlrn } from '../helpers/fake-dlrn.js';

const NOW = Date.parse('2026-11-23T12:00:00Z') / 1000;
const H = 3600;
const hex = (n: number, salt: string) => (salt + n.toString(16)).padStart(40, '0').slice(-40);
const CANDIDATE = 'tripleo-ci-testing';
const TARGET = 'current-tripleo';
const criteria = Array.from(
  { length: 20 },
  (_, i) => `periodic-tripleo-ci-centos-9-scenario${String(i).padStart(3, '0')}-standalone-master`,
);

/** n builds, one every 2 h, newest last; each job failed, re-ran (in progress, never closed), failed again, passed on some. */
function production(n: number): FakeDlrn {
  const dlrn = new FakeDlrn();
  for (let i = 0; i < n; i++) {
    const t = NOW - (n - i) * 2 * H;
    const commit = hex(i, 'c');
    const distro = hex(i, 'd');
    dlrn.promote({
      commit_hash: commit,
      distro_hash: distro,
      extended_hash: null,
      aggregate_hash: null,
      component: null,
      promote_name: CANDIDATE,
      timestamp: t,
    });
    criteria.forEach((job, j) => {
      dlrn.vote(commit, distro, { job_id: job, success: false, in_progress: true, timestamp: t + 60 });
      dlrn.vote(commit, distro, { job_id: job, success: false, in_progress: false, timestamp: t + 1800 });
      dlrn.vote(commit, distro, { job_id: job, success: false, in_progress: true, timestamp: t + 1900 });
      if ((i + j) % 3 !== 0)
        dlrn.vote(commit, distro, { job_id: job, success: true, in_progress: false, timestamp: t + 3600 });
    });
  }
  // The target's current hash: the oldest build.
  dlrn.promote({
    commit_hash: hex(0, 'c'),
    distro_hash: hex(0, 'd'),
    extended_hash: null,
    aggregate_hash: null,
    component: null,
    promote_name: TARGET,
    timestamp: NOW - n * 2 * H + H,
  });
  return dlrn;
}

const input = (over: Partial<DecideStageInput> = {}): DecideStageInput => ({
  apiUrl: 'http://dlrn',
  hashKind: 'commit',
  candidateLabel: CANDIDATE,
  targetLabel: TARGET,
  lookBack: 100,
  criteria,
  alternativeCriteria: {},
  waivers: [],
  refused: [],
  gates: {
    promotion: { targetLabel: TARGET, approvalRequired: false, soakSeconds: 0, windows: [], hold: false },
    held: null,
    approved: [],
  },
  inProgressTimeoutSeconds: 24 * H,
  now: NOW,
  ...over,
});

describe('decideStage', () => {
  it('100 candidates x 20 criteria x 4 votes: the stage result stays small (no votes, no URLs)', async () => {
    const dlrn = production(101);
    const gathered = await createDlrnActivities(() => dlrn.client()).gatherCandidates(input());
    const d = await createDecideActivities(() => dlrn.client()).decideStage(input());
    const gatheredSize = JSON.stringify(gathered).length;
    const size = JSON.stringify(d).length;
    console.log(`gathered ${gatheredSize} bytes (what went into history before), stage decision ${size} bytes`);
    expect(gatheredSize).toBeGreaterThan(1_000_000);
    expect(size).toBeLessThan(16_000);
    expect(JSON.stringify(d)).not.toContain('https://');
    expect(d.candidates.length).toBeLessThanOrEqual(10);
    expect(Object.values(d.counts).reduce((a, b) => a + (b ?? 0), 0)).toBe(100);
  });

  it('a row DLRN cannot resolve (400 combination not found) costs that candidate only', async () => {
    const dlrn = production(3);
    dlrn.unknown.add(`${hex(2, 'c')}_${hex(2, 'd')}`);
    // Make build 1 pass everything.
    for (const job of criteria)
      dlrn.vote(hex(1, 'c'), hex(1, 'd'), { job_id: job, success: true, in_progress: false, timestamp: NOW - H });
    const d = await createDecideActivities(() => dlrn.client()).decideStage(input());
    expect(d.candidates.map((c) => c.status)).toEqual(['unresolvable', 'selected', 'already_promoted']);
    expect(d.candidates[0]!.reason).toMatch(/combination not found/);
  });

  it.each([
    { kind: 'commit' as const, rows: 'aggregate', agg: true },
    { kind: 'aggregate' as const, rows: 'commit', agg: false },
  ])('hash_kind $kind on a label holding $rows hashes: one clear error naming hash_kind', async ({ kind, agg }) => {
    const dlrn = new FakeDlrn();
    for (let i = 0; i < 3; i++) {
      dlrn.promote({
        commit_hash: hex(i, 'c'),
        distro_hash: hex(i, 'd'),
        extended_hash: null,
        aggregate_hash: agg ? hex(i, 'a').slice(8) : null,
        component: agg ? 'tripleo' : null,
        promote_name: CANDIDATE,
        timestamp: NOW - i * H,
      });
    }
    const err = await createDecideActivities(() => dlrn.client())
      .decideStage(input({ hashKind: kind }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.Config,
      message: expect.stringMatching(new RegExp(`^hash_kind is ${kind}, but ${CANDIDATE}`)),
    });
    expect((err as { suggestion: string }).suggestion).toMatch(/set hash_kind: /);
  });

  it('the soak clock is the oldest promotion to the candidate label, read from DLRN beyond the window', async () => {
    const dlrn = production(5);
    const b2 = { commit_hash: hex(2, 'c'), distro_hash: hex(2, 'd') };
    for (const job of criteria)
      dlrn.vote(b2.commit_hash, b2.distro_hash, { job_id: job, success: true, in_progress: false, timestamp: NOW - H });
    // Build 2 re-promoted to the candidate label a minute ago: its first promotion (6 h ago) is outside the window.
    dlrn.promote({
      ...b2,
      extended_hash: null,
      aggregate_hash: null,
      component: null,
      promote_name: CANDIDATE,
      timestamp: NOW - 60,
    });
    const soak = input({
      lookBack: 2,
      gates: { ...input().gates, promotion: { ...input().gates.promotion, soakSeconds: H } },
    });
    const d = await createDecideActivities(() => dlrn.client()).decideStage(soak);
    expect(d.selectedFullHash).toBe(`${b2.commit_hash}_${b2.distro_hash.slice(0, 8)}`);
    expect(d.candidates[0]!.candidateSince).toBe(NOW - 6 * H);
  });
});
