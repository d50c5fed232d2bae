// The decide activity against the real DLRN API (conformance instance, DLRN's own commits_2.yaml): DLRN's ordering
// of promotion rows, its per-hash promotion filter (the soak clock and target history come from it), real votes
// with re-runs, a row with a short extended_hash, and hash_kind checked against what DLRN holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecideActivities, type DecideStageInput } from '../../activities/decide.js';
import { votesOf } from '../../activities/dlrn.js';
import { evaluateVotes, rulesOf, type DecisionInput } from '../../domain/engine.js';
import { ErrorCode } from '../../domain/errors.js';
import { makeCommitHash } from '../../domain/hash.js';
import type { DlrnClient } from '../../integrations/dlrn.js';
import { C2, ensureCommits2, stackClient } from '../helpers/dlrn-client.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const run = `${Date.now()}`;
const CANDIDATE = `dec-cand-${run}`;
const TARGET = `dec-tgt-${run}`;
const A = `dec-a-${run}`;
const B = `dec-b-${run}`;
const H = 3600;
const now = () => Math.floor(Date.now() / 1000);
const key = (c: { commit_hash: string; distro_hash: string }) => `${c.commit_hash}_${c.distro_hash.slice(0, 8)}`;
let conf: DlrnClient;

const input = (over: Partial<DecideStageInput> = {}): DecideStageInput => ({
  apiUrl: stack.dlrnUrl('conformance'),
  hashKind: 'commit',
  candidateLabel: CANDIDATE,
  targetLabel: TARGET,
  lookBack: 10,
  criteria: [A, B],
  alternativeCriteria: {},
  waivers: [],
  refused: [],
  gates: {
    promotion: { targetLabel: TARGET, approvalRequired: false, soakSeconds: 0, windows: [], hold: false },
    held: null,
    approved: [],
  },
  inProgressTimeoutSeconds: 24 * H,
  now: now(),
  ...over,
});
const decideStage = (i: DecideStageInput) => createDecideActivities(() => conf).decideStage(i);
const vote = (c: typeof C2.c5654 | typeof C2.c5627, job: string, success: boolean, ago: number) =>
  conf.reportResult({ ...c, job_id: job, success, timestamp: now() - ago, url: `https://logs.example/${job}/${ago}` });

beforeAll(async () => {
  await ensureCommits2(stack);
  conf = stackClient(stack, 'conformance');
  await conf.promote({ ...C2.c5654, promote_name: CANDIDATE });
  await conf.promote({ ...C2.c5627, promote_name: CANDIDATE });
  // Newest: a row whose extended_hash has 21 characters (the old promoter skips such rows).
  await conf.promote({ ...C2.c5623, promote_name: CANDIDATE });
  await vote(C2.c5654, A, true, 3 * H);
  await vote(C2.c5654, B, false, 3 * H);
  await vote(C2.c5654, B, true, H); // re-run passed
  await vote(C2.c5627, A, true, 2 * H);
  await vote(C2.c5627, B, false, 2 * H);
}, 120_000);
afterAll(() => conf?.close());

describe('decideStage on the real DLRN', () => {
  it('skips the short extended hash, names the failed job, selects the hash whose re-run passed', async () => {
    const d = await decideStage(input());
    expect(d.candidates.map((c) => [c.fullHash.slice(0, 8), c.status])).toEqual([
      [C2.c5623.commit_hash.slice(0, 8), 'skipped'],
      [C2.c5627.commit_hash.slice(0, 8), 'missing_jobs'],
      [C2.c5654.commit_hash.slice(0, 8), 'selected'],
    ]);
    expect(d.candidates[1]).toMatchObject({ failed: [B], passed: 1 });
    expect(d.candidates[2]!.candidateSince).toBeGreaterThan(now() - 600);
  });

  it('after the target moved: the older hash is not evaluated, and explain can still read its votes', async () => {
    await conf.promote({ ...C2.c5654, promote_name: TARGET });
    const d = await decideStage(input());
    expect(d.before).toBe(key(C2.c5654));
    expect(d.candidates.map((c) => c.status)).toEqual(['skipped', 'missing_jobs', 'already_promoted']);
    // What explain does for a hash the decision did not evaluate: fetch its votes, show them as information.
    const rules = rulesOf({ criteria: [A, B], now: now(), targetLabel: TARGET } as DecisionInput);
    const jobs = evaluateVotes(
      await votesOf(conf, makeCommitHash({ commitHash: C2.c5654.commit_hash, distroHash: C2.c5654.distro_hash })),
      key(C2.c5654),
      rules,
    ).jobs;
    expect(jobs.find((j) => j.job === B)).toMatchObject({ state: 'passed', votes: { success: 1, failure: 1 } });
  });

  it('hash_kind aggregate on a label that holds commit hashes: one clear error naming hash_kind', async () => {
    await expect(decideStage(input({ hashKind: 'aggregate' }))).rejects.toMatchObject({
      code: ErrorCode.Config,
      message: expect.stringMatching(/^hash_kind is aggregate, but dec-cand-/),
    });
  });
});
