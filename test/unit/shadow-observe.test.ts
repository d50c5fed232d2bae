// observeMoves on a fake DLRN: each move is judged with only the candidate rows and votes DLRN had at that moment
// (a re-run that passed after the move does not count, a candidate promoted after it is not one), the target's
// history before it (by promotion order), and the watermark moves past what was judged.
import { describe, expect, it } from 'vitest';
import { createShadowActivities, type ObserveMovesInput } from '../../activities/shadow.js';
import type { DlrnClient, Promotion } from '../../integrations/dlrn.js';

const hashOf = (c: string) => ({ commit_hash: c.repeat(40), distro_hash: 'd'.repeat(40) });
const full = (c: string) => `${c.repeat(40)}_dddddddd`;
type Vote = { job_id: string; success: boolean; in_progress: boolean; timestamp: number };

/** DLRN's promotions (oldest first, like its ids) and votes, read through the client's methods the activity uses. */
function fakeDlrn(rows: Promotion[], votes: Record<string, Vote[]>) {
  const promotions = async (q: { promote_name?: string; commit_hash?: string; offset?: number; limit?: number }) =>
    [...rows]
      .reverse()
      .filter(
        (r) =>
          (!q.promote_name || r.promote_name === q.promote_name) && (!q.commit_hash || r.commit_hash === q.commit_hash),
      )
      .slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 100));
  const repoStatus = async (q: { commit_hash: string }) =>
    (votes[q.commit_hash] ?? []).map((v) => ({ ...hashOf('x'), commit_hash: q.commit_hash, ...v }));
  return { promotions, repoStatus, aggStatus: async () => [] } as unknown as DlrnClient;
}

const row = (label: string, c: string, timestamp: number, user = 'old-promoter'): Promotion => ({
  ...hashOf(c),
  extended_hash: null,
  aggregate_hash: null,
  repo_hash: full(c),
  repo_url: 'http://repo',
  promote_name: label,
  component: null,
  user,
  timestamp,
});
const vote = (success: boolean, timestamp: number): Vote => ({ job_id: 'job', success, in_progress: false, timestamp });

describe('observeMoves', () => {
  const input: ObserveMovesInput = {
    apiUrl: 'http://dlrn',
    hashKind: 'commit',
    lookBack: 100,
    stages: [{ candidateLabel: 'tripleo-ci-testing', targetLabel: 'current-tripleo', criteria: ['job'] }],
    watermarks: {},
  };
  const rows = [row('tripleo-ci-testing', 'a', 100), row('current-tripleo', 'a', 150, 'ciuser')];
  const votes: Record<string, Vote[]> = {
    ['a'.repeat(40)]: [vote(true, 120)],
    // b failed at 250; its re-run passed at 1000, after the move to b at 500.
    ['b'.repeat(40)]: [vote(false, 250), vote(true, 1000)],
    ['c'.repeat(40)]: [vote(true, 210)],
    ['e'.repeat(40)]: [vote(true, 560)],
    ['f'.repeat(40)]: [vote(true, 710)],
    // 9 was tested before the moves but reached tripleo-ci-testing only after them.
    ['9'.repeat(40)]: [vote(true, 400)],
  };
  const { observeMoves } = createShadowActivities(() => fakeDlrn(rows, votes));

  it('judges each move as DLRN stood at that moment', async () => {
    const first = await observeMoves(input);
    expect(first).toEqual({ watermarks: { 'current-tripleo': { timestamp: 150, fullHash: full('a') } }, records: [] });

    rows.push(row('tripleo-ci-testing', 'c', 200), row('tripleo-ci-testing', 'b', 300));
    rows.push(row('current-tripleo', 'b', 500)); // b had failed by then: we would take c
    rows.push(row('tripleo-ci-testing', 'e', 550));
    rows.push(row('current-tripleo', 'e', 600)); // e passed at 560: we agree
    rows.push(row('tripleo-ci-testing', '9', 650), row('tripleo-ci-testing', 'f', 700)); // after both moves
    const second = await observeMoves({ ...input, watermarks: first.watermarks });
    expect(second.records.map((r) => [r.theirs, r.ours, r.agree, r.by, r.movedAt])).toEqual([
      [full('b'), full('c'), false, 'old-promoter', 500],
      [full('e'), full('e'), true, 'old-promoter', 600],
    ]);
    expect(second.records[0]).toMatchObject({ theirStatus: 'missing_jobs', theirReason: 'failed jobs: job' });
    expect(second.records[0]!.ourReason).toMatch(/newest candidate that passes every gate/);
    expect(second.watermarks).toEqual({ 'current-tripleo': { timestamp: 600, fullHash: full('e') } });

    // Nothing new: nothing judged twice.
    expect((await observeMoves({ ...input, watermarks: second.watermarks })).records).toEqual([]);
  });
});
