// One stage decision at RDO scale against the real DLRN API (issue 10, P2): 100 candidates x 20 criteria, the only
// passing hash 90 deep, production-shaped data (test/helpers/production-dlrn.ts). It must take at most 8 requests,
// and the GraphQL path and the REST fallback (GraphQL refused with 404, 400, 500) must decide the same.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecideActivities, type DecideStageInput } from '../../activities/decide.js';
import { createDlrnActivities } from '../../activities/dlrn.js';
import { resetGraphqlRefusals, votesOfMany } from '../../activities/dlrn-gather.js';
import { decide } from '../../domain/engine.js';
import { makeAggregateHash, makeCommitHash, type DlrnHash } from '../../domain/hash.js';
import { DlrnClient } from '../../integrations/dlrn.js';
import { requireVar } from '../../scripts/sandbox/stack-env.js';
import { ensureCommits2 } from '../helpers/dlrn-client.js';
import { faultProxy, type FaultPlan, type FaultProxy } from '../helpers/fault-proxy.js';
import { loadStageData, type StageData } from '../helpers/production-dlrn.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const now = Math.floor(Date.now() / 1000);
const tag = `p2-${Date.now().toString(36)}`;
let data: StageData;
const opened: { proxy: FaultProxy; client: DlrnClient }[] = [];

async function through(plan: FaultPlan = {}) {
  const proxy = await faultProxy(stack.dlrnUrl('conformance'), plan);
  const client = new DlrnClient({ baseUrl: proxy.url, ...stack.dlrnAuth });
  opened.push({ proxy, client });
  return { proxy, client };
}

const input = (apiUrl: string): DecideStageInput => ({
  apiUrl,
  hashKind: 'commit',
  candidateLabel: data.candidateLabel,
  targetLabel: data.targetLabel,
  lookBack: 100,
  criteria: data.criteria,
  alternativeCriteria: {},
  waivers: [],
  refused: [],
  gates: {
    promotion: { targetLabel: data.targetLabel, approvalRequired: false, soakSeconds: 0, windows: [], hold: false },
    held: null,
    approved: [],
  },
  inProgressTimeoutSeconds: 24 * 3600,
  now,
});

async function decideThrough(plan?: FaultPlan) {
  resetGraphqlRefusals();
  const { proxy, client } = await through(plan);
  const decision = await createDecideActivities(() => client).decideStage(input(proxy.url));
  return { decision, counts: proxy.counts() };
}

/** The whole engine decision (every candidate with its jobs) over what one path gathered. */
async function fullDecision(plan?: FaultPlan) {
  resetGraphqlRefusals();
  const { proxy, client } = await through(plan);
  const i = input(proxy.url);
  const gathered = await createDlrnActivities(() => client).gatherCandidates(i);
  const d = decide({ ...i, ...gathered });
  const candidates = d.candidates.map((c) => ({ ...c, reason: c.status === 'unresolvable' ? '' : c.reason }));
  return { selected: d.selectedFullHash, current: d.currentTarget, candidates, counts: proxy.counts() };
}

beforeAll(async () => {
  const dir = requireVar(stack.env, 'DLRN_CONFORMANCE_DIR');
  data = await loadStageData(`sqlite:///${join(dir, 'dlrn.sqlite')}`, {
    tag,
    candidates: 100,
    criteria: 20,
    passingDepth: 90,
    history: 60,
    now,
  });
  await ensureCommits2(stack);
}, 120_000);

afterAll(async () => {
  for (const { proxy, client } of opened) {
    client.close();
    await proxy.close();
  }
});

describe('one stage decision, 100 candidates x 20 criteria, the only passing hash 90 deep', () => {
  it('selects the passing hash in at most 8 DLRN requests', async () => {
    const { decision, counts } = await decideThrough();
    expect(counts.requests, JSON.stringify(counts.forwarded)).toBeLessThanOrEqual(8);
    expect(counts.forwarded).toHaveProperty(['POST /api/graphql']);
    expect(decision.selectedFullHash).toBe(data.passing);
    // Every other candidate misses a job, has one failed or still in progress.
    expect((decision.counts.missing_jobs ?? 0) + (decision.counts.in_progress ?? 0)).toBe(99);
  });

  it.each([
    [404, '<!doctype html><title>404 Not Found</title>'],
    [400, '{"errors":[{"message":"Cannot query field \\"civote\\" on type \\"Query\\"."}]}'],
    [500, '<!doctype html><title>500 Internal Server Error</title>'],
    [501, '{"message": "Missing libraries, /api/graphql endpoint is notavailable"}'],
  ])('decides the same over REST when DLRN refuses GraphQL with %i', async (status, body) => {
    const graphql = await fullDecision();
    const rest = await fullDecision({ refuse: { method: 'POST', path: /^\/api\/graphql/, status, body } });
    expect(rest.counts.refused).toBe(1);
    expect(rest.counts.forwarded['GET /api/repo_status']).toBeGreaterThanOrEqual(90);
    expect(graphql.counts.forwarded['GET /api/repo_status']).toBeUndefined();
    expect(rest.selected).toBe(data.passing);
    expect({ ...rest, counts: null }).toEqual({ ...graphql, counts: null });
  });

  it('reads the same votes as repo_status and agg_status: re-built hashes, more than 100 votes, aggregates', async () => {
    resetGraphqlRefusals();
    const { client: gql } = await through();
    const { client: rest } = await through({
      refuse: { method: 'POST', path: /^\/api\/graphql/, status: 404, body: '' },
    });
    const entries = [0, 4, 7, 49, 89, 99].map((d): [string, DlrnHash] => {
      const h = data.windowHashes[d]!;
      return [data.window[d]!, makeCommitHash({ commitHash: h.commit_hash, distroHash: h.distro_hash })];
    });
    entries.push(['12345678', makeAggregateHash('12345678')]);
    const sort = (v: Record<string, unknown[]>) =>
      Object.fromEntries(
        Object.entries(v).map(([k, vs]) => [
          k,
          [...vs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
        ]),
      );
    const a = await votesOfMany(gql, entries);
    const b = await votesOfMany(rest, entries);
    expect(Object.keys(a.votes)).toHaveLength(entries.length);
    expect(a.votes[data.window[4]!]!.length).toBeGreaterThan(100);
    expect(sort(a.votes)).toEqual(sort(b.votes));
  });
});
