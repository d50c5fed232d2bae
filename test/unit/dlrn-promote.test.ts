// promoteDlrnLabel against an in-memory DLRN that keeps promotion rows as DLRN does (every POST inserts one) and
// misbehaves on demand: slow POSTs, POSTs that land but lose their answer, POSTs lost before landing, refusals.
// The activity runs in Temporal's MockActivityEnvironment, so heartbeats and heartbeat details are real.
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  createDlrnPromoteActivities,
  type CommitLabelInput,
  type PromoteLabelInput,
} from '../../activities/dlrn-promote.js';
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import { fullHash, makeAggregateHash, makeCommitHash, type CommitHash, type DlrnHash } from '../../domain/hash.js';
import type { DlrnClient, PromoteRequest, Promotion } from '../../integrations/dlrn.js';
import type { DlrnRepoClient } from '../../integrations/dlrn-repo.js';

const commit = (n: number): CommitHash =>
  makeCommitHash({ commitHash: `${n}`.padStart(40, 'a'), distroHash: `${n}`.padStart(40, 'd') });
const [A, B, C] = [commit(1), commit(2), commit(3)];
const LABEL = 'current-tripleo';
const ref = (h: CommitHash) => ({ commit_hash: h.commitHash, distro_hash: h.distroHash });
const PREV = `previous-${LABEL}`;

type PostFault = 'lost' | 'landed-no-answer' | { refuse: number; message: string } | { delayMs: number };

/** One POST as DLRN saw it: its endpoint and the labels it moves, in order. */
interface Post {
  endpoint: '/api/promote' | '/api/promote-batch';
  items: PromoteRequest[];
}

/**
 * An in-memory DLRN: rows newest first; `faults` are used up one per POST, in order, when their predicate (on the
 * labels the POST moves) holds. A batch is checked whole before anything is written, as DLRN 0.26.1 does.
 */
class FakeDlrn {
  rows: Promotion[] = [];
  posts: Post[] = [];
  reads = 0;
  faults: { when: (labels: string[]) => boolean; fault: PostFault }[] = [];
  /** Commit hashes of a batch's items, joined with ",", -> the aggregate DLRN computes for its last label. */
  aggregates = new Map<string, string>();
  timeoutMs = 200;
  constructor(seed: [string, CommitHash][]) {
    for (const [label, h] of seed)
      this.insert({ commit_hash: h.commitHash, distro_hash: h.distroHash, promote_name: label });
  }
  private insert(r: PromoteRequest): Promotion {
    const row: Promotion = {
      timestamp: 1767225600 + this.rows.length,
      commit_hash: r.commit_hash,
      distro_hash: r.distro_hash,
      extended_hash: null,
      aggregate_hash: null,
      repo_hash: `${r.commit_hash}_${r.distro_hash.slice(0, 8)}`,
      repo_url: 'http://repo',
      promote_name: r.promote_name,
      component: null,
      user: 'ciuser',
    };
    this.rows.unshift(row);
    return row;
  }
  /** Rows of a label for a hash, oldest first, as hash numbers ("1" for A). */
  history(label: string): string[] {
    return this.rows
      .filter((r) => r.promote_name === label)
      .map((r) => String(Number(r.commit_hash.replace(/^a+/, ''))))
      .reverse();
  }
  /** The labels each POST moved, e.g. [[PREV, LABEL]] for one batch. */
  postedLabels(): string[][] {
    return this.posts.map((p) => p.items.map((i) => i.promote_name));
  }
  /** Promotes components to label as one batch (setup, not counted). */
  async seedBatch(label: string, components: CommitHash[]) {
    await this.post(
      '/api/promote-batch',
      components.map((c) => ({ ...ref(c), promote_name: label })),
    );
    this.posts.pop();
  }
  private async post(endpoint: Post['endpoint'], items: PromoteRequest[]) {
    this.posts.push({ endpoint, items });
    const unavailable = (why: string) => new PromoterError(ErrorCode.DlrnUnavailable, `DLRN POST: ${why}`);
    const labels = items.map((i) => i.promote_name);
    const i = this.faults.findIndex((f) => f.when(labels));
    const fault = i === -1 ? undefined : this.faults.splice(i, 1)[0]!.fault;
    if (fault === 'lost') throw unavailable('socket hang up');
    if (fault && typeof fault === 'object' && 'refuse' in fault) {
      throw new PromoterError(
        fault.refuse === 410 ? ErrorCode.DlrnPurged : ErrorCode.DlrnForbidden,
        `DLRN POST ${endpoint}: ${fault.refuse} ${fault.message}`,
        { context: { status: fault.refuse, dlrnMessage: fault.message } },
      );
    }
    if (fault && typeof fault === 'object') await new Promise((ok) => setTimeout(ok, fault.delayMs));
    const answer = items.map((r) => this.insert(r)).at(-1)!;
    answer.aggregate_hash = this.aggregates.get(items.map((r) => r.commit_hash).join(',')) ?? null;
    if (fault === 'landed-no-answer') throw unavailable('timeout of 200ms exceeded');
    return answer;
  }
  client(): DlrnClient {
    const fake = {
      timeoutMs: this.timeoutMs,
      withSignal: () => fake,
      promotions: async ({ promote_name, limit }: { promote_name: string; limit: number }) => {
        this.reads++;
        return this.rows.filter((r) => r.promote_name === promote_name).slice(0, limit);
      },
      promote: (r: PromoteRequest) => this.post('/api/promote', [r]),
      promoteBatch: (items: PromoteRequest[]) => this.post('/api/promote-batch', items),
    };
    return fake as unknown as DlrnClient;
  }
}

const input = (h: DlrnHash, over: Partial<PromoteLabelInput> = {}): PromoteLabelInput => ({
  apiUrl: 'http://dlrn',
  baseUrl: 'http://repo/',
  hash: h,
  candidateLabel: 'tripleo-ci-testing',
  label: LABEL,
  createPrevious: true,
  ...over,
});

type Hold = { by: string; why: string } | null;

function setup(
  dlrn: FakeDlrn,
  info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {},
  holdOf: (ref: { release: string; distro: string; label: string }) => Promise<{ hold: Hold }> = async () => ({
    hold: null,
  }),
) {
  const env = new MockActivityEnvironment(info);
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const { promoteDlrnLabel, commitDlrnLabel } = createDlrnPromoteActivities(
    () => dlrn.client(),
    () => ({}) as DlrnRepoClient,
    { heartbeatEveryMs: 20, settleMs: 100, holdOf },
  );
  return {
    beats,
    run: (i: PromoteLabelInput) => env.run(promoteDlrnLabel, i),
    commit: (i: PromoteLabelInput, over: Partial<CommitLabelInput>) =>
      env.run(commitDlrnLabel, { expectedCurrent: null, ...i, ...over }),
  };
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('promoteDlrnLabel', () => {
  it('one authenticated POST (a promote-batch) moves previous-<label> and the label; a rerun sends nothing', async () => {
    const dlrn = new FakeDlrn([
      [PREV, A],
      [LABEL, B],
    ]);
    const { run } = setup(dlrn);
    expect(await run(input(C))).toEqual({ promoted: true, previous: fullHash(B), warnings: [], head: fullHash(C) });
    expect(dlrn.posts.map((p) => p.endpoint)).toEqual(['/api/promote-batch']);
    expect(dlrn.postedLabels()).toEqual([[PREV, LABEL]]);
    expect(dlrn.reads).toBe(2); // the label and previous-<label>, nothing read again before or after the POST
    expect(await run(input(C))).toEqual({
      promoted: false,
      previous: fullHash(B),
      warnings: [],
      head: fullHash(C),
      already: true,
    });
    expect([dlrn.history(LABEL), dlrn.history(PREV), dlrn.posts.length]).toEqual([['2', '3'], ['1', '2'], 1]);
  });

  it('previous-<label> already at the current hash, or no previous asked: the batch carries the label alone', async () => {
    const dlrn = new FakeDlrn([
      [LABEL, B],
      [PREV, B],
    ]);
    const { run } = setup(dlrn);
    await run(input(C));
    await run(input(A, { createPrevious: false }));
    expect(dlrn.postedLabels()).toEqual([[LABEL], [LABEL]]);
    expect([dlrn.history(LABEL), dlrn.history(PREV)]).toEqual([['2', '3', '1'], ['2']]);
  });

  it('heartbeats all along a slow POST, not only between calls', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({ when: (l) => l.includes(LABEL), fault: { delayMs: 300 } });
    const { run, beats } = setup(dlrn);
    const before = Date.now();
    await run(input(C));
    expect(Date.now() - before).toBeGreaterThanOrEqual(300);
    expect(beats.length).toBeGreaterThanOrEqual(10); // 300 ms at one beat per 20 ms
  });

  it('a batch whose answer is lost but that landed is not sent again', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({ when: (l) => l.includes(LABEL), fault: 'landed-no-answer' });
    const { run } = setup(dlrn);
    expect(await run(input(C))).toMatchObject({ promoted: true, previous: fullHash(B), head: fullHash(C) });
    expect([dlrn.history(LABEL), dlrn.history(PREV), dlrn.posts.length]).toEqual([['2', '3'], ['2'], 1]);
  });

  it('a batch lost before it landed is sent again once the label shows it did not land', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({ when: (l) => l.includes(LABEL), fault: 'lost' });
    const { run } = setup(dlrn);
    expect(await run(input(C))).toMatchObject({ promoted: true });
    expect([dlrn.history(LABEL), dlrn.history(PREV), dlrn.postedLabels()]).toEqual([
      ['2', '3'],
      ['2'],
      [
        [PREV, LABEL],
        [PREV, LABEL],
      ],
    ]);
  });

  it('a refused batch (410) leaves previous-<label> untouched: nothing to put back, DlrnRefused', async () => {
    const dlrn = new FakeDlrn([
      [PREV, A],
      [LABEL, B],
    ]);
    const msg = 'commit_hash+distro_hash+extended_hash has been purged, cannot promote it';
    dlrn.faults.push({ when: (l) => l.includes(LABEL), fault: { refuse: 410, message: msg } });
    const { run } = setup(dlrn);
    const f = await failureOf(run(input(C)));
    expect([f.type, f.nonRetryable]).toEqual(['DlrnRefused', true]);
    expect(f.message).toContain(`410 ${msg}`);
    expect(f.message).toContain(`nothing moved (${PREV} was in the same batch)`);
    expect(f.details?.[0]).toEqual({
      label: LABEL,
      fullHash: fullHash(C),
      status: 410,
      dlrnMessage: msg,
      code: ErrorCode.DlrnPurged,
      previousRestored: null,
      warnings: [],
    });
    expect([dlrn.history(LABEL), dlrn.history(PREV), dlrn.posts.length]).toEqual([['2'], ['1'], 1]);
  });

  it("a batch refused for the label's current hash (previous-<label>'s item) is not the candidate's refusal", async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    const msg = `commit_hash+distro_hash+extended_hash ${B.commitHash}_${B.distroHash}_None has been purged`;
    dlrn.faults.push({ when: (l) => l.includes(PREV), fault: { refuse: 410, message: msg } });
    const { run } = setup(dlrn);
    const f = await failureOf(run(input(C)));
    expect([f.type, f.nonRetryable]).toEqual(['DlrnPreviousRefused', true]);
    expect(f.message).toBe(
      `DLRN refused moving ${PREV} to ${fullHash(B)}, what ${LABEL} holds now: 410 ${msg}; nothing moved`,
    );
    expect([dlrn.history(LABEL), dlrn.history(PREV)]).toEqual([['2'], []]);
  });

  it('the guard: a label that moved since the decision fails LabelMoved before anything is sent', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    const { commit } = setup(dlrn);
    const err = await commit(input(C), { expectedCurrent: fullHash(A) }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.LabelMoved,
      message: `${LABEL} moved from ${fullHash(A)} to ${fullHash(B)} since the promotion was decided`,
    });
    expect(dlrn.posts).toEqual([]);
    // Already at the hash is not a move: the step is done.
    expect(await commit(input(B), { expectedCurrent: fullHash(A) })).toMatchObject({
      promoted: false,
      head: fullHash(B),
      already: true,
    });
    // A label that never held a hash is expected as null.
    const bare = new FakeDlrn([]);
    expect(await setup(bare).commit(input(C), { expectedCurrent: null })).toMatchObject({ promoted: true });
    expect(bare.postedLabels()).toEqual([[LABEL]]);
  });

  it('a later attempt that finds the hash on the label does not call it already there (its own POST landed)', async () => {
    const dlrn = new FakeDlrn([[LABEL, C]]);
    const { commit } = setup(dlrn, { attempt: 2 });
    expect(await commit(input(C), { expectedCurrent: fullHash(B) })).toEqual({
      promoted: false,
      previous: null,
      warnings: [],
      head: fullHash(C),
      already: false,
    });
  });

  it('a hold, asked with the reads right before the POST, stops the step with nothing sent', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    const asked: unknown[] = [];
    const hold = { by: 'alice', why: 'infra outage' };
    const { commit } = setup(dlrn, {}, async (ref) => (asked.push(ref), { hold }));
    const where = { release: 'master', distro: 'centos9' };
    expect(await commit(input(C), { expectedCurrent: fullHash(B), holdsOf: where })).toEqual({
      promoted: false,
      previous: null,
      warnings: [],
      head: fullHash(B),
      held: hold,
    });
    expect([asked, dlrn.posts]).toEqual([[{ ...where, label: LABEL }], []]);
    // Without holdsOf (force-promote, rollback) the controller is not asked.
    expect(await commit(input(C), { expectedCurrent: fullHash(B) })).toMatchObject({ promoted: true });
    expect(asked).toHaveLength(1);
  });

  it('a retry of an attempt by the two-POST code puts back what previous-<label> held before it', async () => {
    // That attempt moved previous-<label> from A to B, heartbeat previousBefore, and died before the label's POST.
    const dlrn = new FakeDlrn([
      [PREV, A],
      [LABEL, B],
      [PREV, B],
    ]);
    dlrn.faults.push({ when: (l) => l.includes(LABEL), fault: { refuse: 410, message: 'purged' } });
    const earlier = { step: `promoting ${fullHash(C)} to ${LABEL}`, previousBefore: A };
    const { run } = setup(dlrn, { attempt: 2, heartbeatDetails: earlier });
    const f = await failureOf(run(input(C)));
    expect(f.type).toBe('DlrnRefused');
    expect(f.message).toContain(`${PREV} put back to ${fullHash(A)}`);
    expect(dlrn.postedLabels()).toEqual([[LABEL], [PREV]]);
    expect(dlrn.history(PREV)).toEqual(['1', '2', '1']);
  });

  it("aggregates: one batch per label, previous-<label>'s first (DLRN computes the batch's last label only)", async () => {
    const [OLD_AGG, NEW_AGG] = [makeAggregateHash('b'.repeat(32)), makeAggregateHash('c'.repeat(32))];
    const dlrn = new FakeDlrn([]);
    dlrn.aggregates.set([A, B].map((c) => c.commitHash).join(','), OLD_AGG.aggregateHash);
    dlrn.aggregates.set([A, C].map((c) => c.commitHash).join(','), NEW_AGG.aggregateHash);
    await dlrn.seedBatch(LABEL, [A, B]);
    const components = { [OLD_AGG.aggregateHash]: [A, B], [NEW_AGG.aggregateHash]: [A, C] };
    const repo = {
      aggregateComponents: async (_label: string, agg: string) =>
        components[agg]!.map((c) => ({ ...ref(c), extended_hash: null, component: null, dt_commit: 0 })),
    };
    const { promoteDlrnLabel } = createDlrnPromoteActivities(
      () => dlrn.client(),
      () => repo as unknown as DlrnRepoClient,
      { heartbeatEveryMs: 20, settleMs: 100 },
    );
    const r = await new MockActivityEnvironment().run(promoteDlrnLabel, input(NEW_AGG));
    expect(r).toEqual({ promoted: true, previous: fullHash(OLD_AGG), warnings: [], head: fullHash(NEW_AGG) });
    expect(dlrn.postedLabels()).toEqual([
      [PREV, PREV],
      [LABEL, LABEL],
    ]);
    const heads = Object.fromEntries(
      [LABEL, PREV].map((l) => [l, dlrn.rows.find((x) => x.promote_name === l && x.aggregate_hash)?.aggregate_hash]),
    );
    expect(heads).toEqual({ [LABEL]: NEW_AGG.aggregateHash, [PREV]: OLD_AGG.aggregateHash });
  });

  it("a 401 fails at once with DLRN's message and moves nothing", async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    const client = dlrn.client();
    (client as { promoteBatch: unknown }).promoteBatch = async () => {
      throw new PromoterError(ErrorCode.DlrnUnauthorized, 'DLRN POST /api/promote-batch: 401 Unauthorized Access');
    };
    const env = new MockActivityEnvironment();
    const { promoteDlrnLabel } = createDlrnPromoteActivities(
      () => client,
      () => ({}) as DlrnRepoClient,
      { heartbeatEveryMs: 20, settleMs: 100 },
    );
    await expect(env.run(promoteDlrnLabel, input(C))).rejects.toMatchObject({
      code: ErrorCode.DlrnUnauthorized,
      message: expect.stringMatching(/401 Unauthorized Access/),
    });
    expect([dlrn.history(LABEL), dlrn.history(PREV)]).toEqual([['2'], []]);
  });
});
