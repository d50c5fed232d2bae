// One stage decision at RDO scale against the real DLRN API (issue 10, P2): 100 candidates x 20 criteria, the only
// passing hash 90 deep, production-shaped data (test/helpers/production-dlrn.ts) must take at most 8 requests. The
// GraphQL path and the REST fallback (GraphQL refused with 404, 400, 500, 501) must decide the same, candidate by
// candidate and job by job (on a 30 x 8 stage, so the REST runs stay cheap), and read the same votes. The stage's
// own reads skip what its result never shows (the votes' URLs) and overlap the reads that do not wait for each other.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecideActivities, decideOn, type DecideStageInput } from '../../activities/decide.js';
import { createDlrnActivities } from '../../activities/dlrn.js';
import { resetGraphqlRefusals, votesOfMany } from '../../activities/dlrn-gather.js';
import { decide } from '../../domain/engine.js';
import { makeCommitHash, type DlrnHash } from '../../domain/hash.js';
import { DlrnClient } from '../../integrations/dlrn.js';
import { aggregateVotes } from '../../integrations/dlrn-graphql.js';
import { requireVar } from '../../scripts/sandbox/stack-env.js';
import { ensureCommits2 } from '../helpers/dlrn-client.js';
import { faultProxy, type FaultPlan, type FaultProxy } from '../helpers/fault-proxy.js';
import { loadStageData, type StageData } from '../helpers/production-dlrn.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const now = Math.floor(Date.now() / 1000);
const run = Date.now().toString(36);
let big: StageData;
let small: StageData;
const opened: { proxy: FaultProxy; client: DlrnClient }[] = [];
const refuse = (status: number, body: string): FaultPlan => ({
  refuse: { method: 'POST', path: /^\/api\/graphql/, status, body },
});

async function through(plan: FaultPlan = {}) {
  resetGraphqlRefusals();
  const proxy = await faultProxy(stack.dlrnUrl('conformance'), plan);
  const client = new DlrnClient({ baseUrl: proxy.url, ...stack.dlrnAuth });
  opened.push({ proxy, client });
  return { proxy, client };
}

const input = (data: StageData, apiUrl: string, lookBack = data.window.length): DecideStageInput => ({
  apiUrl,
  hashKind: 'commit',
  candidateLabel: data.candidateLabel,
  targetLabel: data.targetLabel,
  lookBack,
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

interface Call {
  what: 'promotions' | 'graphql';
  arg: unknown;
  started: number;
  ended?: number;
}

/** Records the client's promotions and graphql calls, each with the step at which it started and ended. */
function record(client: DlrnClient): Call[] {
  const calls: Call[] = [];
  let step = 0;
  for (const what of ['promotions', 'graphql'] as const) {
    const original = client[what].bind(client) as (arg: unknown) => Promise<unknown>;
    Object.defineProperty(client, what, {
      value: async (arg: unknown) => {
        const call: Call = { what, arg, started: step++ };
        calls.push(call);
        try {
          return await original(arg);
        } finally {
          call.ended = step++;
        }
      },
    });
  }
  return calls;
}

/** The whole engine decision (every candidate with its jobs) over what one path gathered. */
async function fullDecision(data: StageData, plan?: FaultPlan, lookBack?: number) {
  const { proxy, client } = await through(plan);
  const i = input(data, proxy.url, lookBack);
  const d = decide({ ...i, ...(await createDlrnActivities(() => client).gatherCandidates(i)) });
  return { selected: d.selectedFullHash, current: d.currentTarget, candidates: d.candidates, counts: proxy.counts() };
}

beforeAll(async () => {
  // commits_2.yaml brings its own row ids: loaded first, so the generated rows below never take them.
  await ensureCommits2(stack);
  const db = `sqlite:///${join(requireVar(stack.env, 'DLRN_CONFORMANCE_DIR'), 'dlrn.sqlite')}`;
  // As the benchmark has it: the window is exactly one page, so the target's current hash (older) is not on it.
  big = await loadStageData(db, {
    tag: `p2-${run}`,
    candidates: 100,
    criteria: 20,
    passingDepth: 90,
    history: 40,
    repromoteInWindow: false,
    now,
  });
  small = await loadStageData(db, {
    tag: `p2s-${run}`,
    candidates: 30,
    criteria: 8,
    passingDepth: 25,
    history: 30,
    now,
  });
}, 120_000);

afterAll(async () => {
  for (const { proxy, client } of opened) {
    client.close();
    await proxy.close();
  }
});

describe('one stage decision on production-shaped DLRN data', () => {
  it('100 candidates x 20 criteria, the only passing hash 90 deep: selected in at most 8 DLRN requests', async () => {
    const { proxy, client } = await through();
    const decision = await createDecideActivities(() => client).decideStage(input(big, proxy.url));
    const counts = proxy.counts();
    expect(counts.requests, JSON.stringify(counts.forwarded)).toBeLessThanOrEqual(8);
    expect(counts.forwarded).toHaveProperty(['POST /api/graphql']);
    expect(decision.selectedFullHash).toBe(big.passing);
    // Every other candidate misses a job, has one failed or still in progress.
    expect((decision.counts.missing_jobs ?? 0) + (decision.counts.in_progress ?? 0)).toBe(99);
  });

  it("the stage reads no vote URL, reads the current hash's soak clock beside the votes, and decides the same", async () => {
    const { proxy, client } = await through();
    const calls = record(client);
    const i = input(big, proxy.url);
    const decision = await createDecideActivities(() => client).decideStage(i);
    // What explain and the board read (every field), decided by the same engine.
    const { client: full } = await through();
    expect(decision).toEqual(decideOn(i, await createDlrnActivities(() => full).gatherCandidates(i)));
    expect(decision.selectedFullHash).toBe(big.passing);
    const queries = calls.filter((c) => c.what === 'graphql').map((c) => String(c.arg));
    expect(queries.some((q) => q.includes('civote('))).toBe(true);
    expect(queries.filter((q) => q.includes('ciUrl')).length, 'queries that read ciUrl').toBe(0);
    // The target's current hash is older than the window: when it reached the candidate label is read by hash.
    const soak = calls.find((c) => c.what === 'promotions' && (c.arg as { commit_hash?: string }).commit_hash);
    const votes = calls.find((c) => String(c.arg).includes('civote('))!;
    expect(soak).toBeDefined();
    expect(soak!.started).toBeLessThan(votes.started);
  });

  it('GraphQL refused with 404 (no endpoint): the REST fallback decides the same, candidate by candidate, job by job', async () => {
    const graphql = await fullDecision(small);
    const rest = await fullDecision(small, refuse(404, '<!doctype html><title>404 Not Found</title>'));
    expect(rest.counts.refused).toBe(1);
    expect(rest.counts.forwarded['GET /api/repo_status']).toBeGreaterThanOrEqual(25);
    expect(graphql.counts.forwarded['GET /api/repo_status']).toBeUndefined();
    expect(graphql.selected).toBe(small.passing);
    expect(graphql.candidates.map((c) => c.status)).toContain('duplicate'); // re-promotions inside the window
    expect({ ...rest, counts: null }).toEqual({ ...graphql, counts: null });
  });

  it.each([
    [400, '{"errors":[{"message":"Cannot query field \\"civote\\" on type \\"Query\\"."}]}'],
    [500, '<!doctype html><title>500 Internal Server Error</title>'],
    [501, '{"message": "Missing libraries, /api/graphql endpoint is notavailable"}'],
  ])('GraphQL refused with %i: the REST fallback decides the same', async (status, body) => {
    const graphql = await fullDecision(small, {}, 5);
    const rest = await fullDecision(small, refuse(status, body), 5);
    expect(rest.counts.refused).toBe(1);
    expect(rest.counts.forwarded['GET /api/repo_status']).toBe(5);
    expect({ ...rest, counts: null }).toEqual({ ...graphql, counts: null });
  });

  it('reads the votes repo_status and agg_status give: re-built hashes, more than 100 votes, aggregates', async () => {
    const { client: gql } = await through();
    const { client: rest } = await through(refuse(404, ''));
    const entries = [0, 4, 7, 49, 89, 99].map((d): [string, DlrnHash] => {
      const h = big.windowHashes[d]!;
      return [big.window[d]!, makeCommitHash({ commitHash: h.commit_hash, distroHash: h.distro_hash })];
    });
    const sorted = (votes: readonly object[]) => votes.map((v) => JSON.stringify(v)).sort();
    const a = await votesOfMany(gql, entries);
    const b = await votesOfMany(rest, entries);
    expect(a.votes[big.window[4]!]!.length).toBeGreaterThan(100);
    for (const [key] of entries) expect(sorted(a.votes[key]!)).toEqual(sorted(b.votes[key]!));
    // commits_2.yaml's aggregate 12345678: a failed and a passed run of phase2-ci, and what other tests reported.
    const agg = (await aggregateVotes(gql, ['12345678'])).get('12345678')!;
    // The stage's read leaves only the URLs out.
    const bare = (await aggregateVotes(gql, ['12345678'], { urls: false })).get('12345678')!;
    expect(sorted(bare)).toEqual(sorted(agg.map((v) => ({ ...v, url: null }))));
    const aggRest = await rest.aggStatus({ aggregate_hash: '12345678' });
    expect(agg.length).toBeGreaterThanOrEqual(2); // other tests add votes to it
    expect(sorted(agg)).toEqual(
      sorted(
        aggRest.map((v) => ({
          job_id: v.job_id,
          success: v.success,
          in_progress: v.in_progress,
          timestamp: v.timestamp,
          url: v.url,
        })),
      ),
    );
  });
});
