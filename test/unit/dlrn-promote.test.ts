// promoteDlrnLabel against an in-memory DLRN that keeps promotion rows as DLRN does (every POST inserts one) and
// misbehaves on demand: slow POSTs, POSTs that land but lose their answer, POSTs lost before landing, refusals.
// The activity runs in Temporal's MockActivityEnvironment, so heartbeats and heartbeat details are real.
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createDlrnPromoteActivities, type PromoteLabelInput } from '../../activities/dlrn-promote.js';
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import { fullHash, makeCommitHash, type CommitHash } from '../../domain/hash.js';
import type { DlrnClient, PromoteRequest, Promotion } from '../../integrations/dlrn.js';
import type { DlrnRepoClient } from '../../integrations/dlrn-repo.js';

const commit = (n: number): CommitHash =>
  makeCommitHash({ commitHash: `${n}`.padStart(40, 'a'), distroHash: `${n}`.padStart(40, 'd') });
const [A, B, C] = [commit(1), commit(2), commit(3)];
const LABEL = 'current-tripleo';
const PREV = `previous-${LABEL}`;

type PostFault = 'lost' | 'landed-no-answer' | { refuse: number; message: string } | { delayMs: number };

/** An in-memory DLRN: rows newest first; `faults` are used up one per POST, in order, when their predicate holds. */
class FakeDlrn {
  rows: Promotion[] = [];
  posts: PromoteRequest[] = [];
  faults: { when: (r: PromoteRequest) => boolean; fault: PostFault }[] = [];
  timeoutMs = 200;
  constructor(seed: [string, CommitHash][]) {
    for (const [label, h] of seed)
      this.insert({ commit_hash: h.commitHash, distro_hash: h.distroHash, promote_name: label });
  }
  private insert(r: PromoteRequest) {
    this.rows.unshift({
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
    });
  }
  /** Rows of a label for a hash, oldest first, as hash numbers ("1" for A). */
  history(label: string): string[] {
    return this.rows
      .filter((r) => r.promote_name === label)
      .map((r) => String(Number(r.commit_hash.replace(/^a+/, ''))))
      .reverse();
  }
  client(): DlrnClient {
    const unavailable = (why: string) => new PromoterError(ErrorCode.DlrnUnavailable, `DLRN POST: ${why}`);
    const fake = {
      timeoutMs: this.timeoutMs,
      withSignal: () => fake,
      promotions: async ({ promote_name, limit }: { promote_name: string; limit: number }) =>
        this.rows.filter((r) => r.promote_name === promote_name).slice(0, limit),
      promote: async (r: PromoteRequest) => {
        this.posts.push(r);
        const i = this.faults.findIndex((f) => f.when(r));
        const fault = i === -1 ? undefined : this.faults.splice(i, 1)[0]!.fault;
        if (fault === 'lost') throw unavailable('socket hang up');
        if (fault && typeof fault === 'object' && 'refuse' in fault) {
          throw new PromoterError(
            fault.refuse === 410 ? ErrorCode.DlrnPurged : ErrorCode.DlrnForbidden,
            `DLRN POST /api/promote: ${fault.refuse} ${fault.message}`,
            { context: { status: fault.refuse, dlrnMessage: fault.message } },
          );
        }
        if (fault && typeof fault === 'object') await new Promise((ok) => setTimeout(ok, fault.delayMs));
        this.insert(r);
        if (fault === 'landed-no-answer') throw unavailable('timeout of 200ms exceeded');
        return {};
      },
    };
    return fake as unknown as DlrnClient;
  }
}

const input = (h: CommitHash, over: Partial<PromoteLabelInput> = {}): PromoteLabelInput => ({
  apiUrl: 'http://dlrn',
  baseUrl: 'http://repo/',
  hash: h,
  candidateLabel: 'tripleo-ci-testing',
  label: LABEL,
  createPrevious: true,
  ...over,
});

function setup(dlrn: FakeDlrn, info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) {
  const env = new MockActivityEnvironment(info);
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const { promoteDlrnLabel } = createDlrnPromoteActivities(
    () => dlrn.client(),
    () => ({}) as DlrnRepoClient,
    { heartbeatEveryMs: 20, settleMs: 100 },
  );
  return { beats, run: (i: PromoteLabelInput) => env.run(promoteDlrnLabel, i) };
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
  it('moves previous-<label> to the old hash, then the label; a rerun adds no row', async () => {
    const dlrn = new FakeDlrn([
      [PREV, A],
      [LABEL, B],
    ]);
    const { run } = setup(dlrn);
    expect(await run(input(C))).toEqual({ promoted: true, previous: fullHash(B), warnings: [] });
    expect(await run(input(C))).toEqual({ promoted: false, previous: fullHash(B), warnings: [] });
    expect([dlrn.history(LABEL), dlrn.history(PREV), dlrn.posts.length]).toEqual([['2', '3'], ['1', '2'], 2]);
  });

  it('heartbeats all along a slow POST, not only between calls', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({ when: (r) => r.promote_name === LABEL, fault: { delayMs: 300 } });
    const { run, beats } = setup(dlrn);
    const before = Date.now();
    await run(input(C));
    expect(Date.now() - before).toBeGreaterThanOrEqual(300);
    expect(beats.length).toBeGreaterThanOrEqual(10); // 300 ms at one beat per 20 ms
  });

  it('a POST whose answer is lost but that landed is not sent again', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({ when: (r) => r.promote_name === LABEL, fault: 'landed-no-answer' });
    dlrn.faults.push({ when: (r) => r.promote_name === PREV, fault: 'landed-no-answer' });
    const { run } = setup(dlrn);
    expect(await run(input(C))).toMatchObject({ promoted: true, previous: fullHash(B) });
    expect([dlrn.history(LABEL), dlrn.history(PREV), dlrn.posts.length]).toEqual([['2', '3'], ['2'], 2]);
  });

  it('a POST lost before it landed is sent again once the label shows it did not land', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({ when: (r) => r.promote_name === LABEL, fault: 'lost' });
    const { run } = setup(dlrn);
    expect(await run(input(C))).toMatchObject({ promoted: true });
    expect([dlrn.history(LABEL), dlrn.posts.map((p) => p.promote_name)]).toEqual([
      ['2', '3'],
      [PREV, LABEL, LABEL],
    ]);
  });

  it('refused for good (410) after previous-<label> moved: previous-<label> put back, DlrnRefused', async () => {
    const dlrn = new FakeDlrn([
      [PREV, A],
      [LABEL, B],
    ]);
    const msg = 'commit_hash+distro_hash+extended_hash has been purged, cannot promote it';
    dlrn.faults.push({ when: (r) => r.promote_name === LABEL, fault: { refuse: 410, message: msg } });
    const { run } = setup(dlrn);
    const f = await failureOf(run(input(C)));
    expect([f.type, f.nonRetryable]).toEqual(['DlrnRefused', true]);
    expect(f.message).toContain(`410 ${msg}`);
    expect(f.message).toContain(`${PREV} put back to ${fullHash(A)}`);
    expect(f.details?.[0]).toMatchObject({ status: 410, dlrnMessage: msg, label: LABEL, fullHash: fullHash(C) });
    expect([dlrn.history(LABEL), dlrn.history(PREV)]).toEqual([['2'], ['1', '2', '1']]);
  });

  it('refused (403) when previous-<label> held nothing: says so, nothing else moves', async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    dlrn.faults.push({
      when: (r) => r.promote_name === LABEL,
      fault: { refuse: 403, message: 'Invalid promote_name' },
    });
    const { run } = setup(dlrn);
    const f = await failureOf(run(input(C)));
    expect([f.type, f.nonRetryable]).toEqual(['DlrnRefused', true]);
    expect(f.message).toMatch(/403 Invalid promote_name/);
    expect(f.message).toMatch(new RegExp(`${PREV} held nothing before .* stays at ${fullHash(B)}`));
    expect(f.details?.[0]).toMatchObject({ warnings: [expect.stringContaining('held nothing before')] });
    expect([dlrn.history(LABEL), dlrn.history(PREV)]).toEqual([['2'], ['2']]);
  });

  it('a retry after a crash puts back what previous-<label> held before the first attempt', async () => {
    // The first attempt moved previous-<label> from A to B, heartbeat that, and died before the label's POST.
    const dlrn = new FakeDlrn([
      [PREV, A],
      [LABEL, B],
      [PREV, B],
    ]);
    dlrn.faults.push({ when: (r) => r.promote_name === LABEL, fault: { refuse: 410, message: 'purged' } });
    const earlier = (await (async () => {
      const probe = new FakeDlrn([
        [PREV, A],
        [LABEL, B],
      ]);
      probe.faults.push({ when: (r) => r.promote_name === LABEL, fault: { delayMs: 100 } });
      const { run, beats } = setup(probe);
      await run(input(C));
      return beats.at(-1);
    })()) as object;
    const { run } = setup(dlrn, { attempt: 2, heartbeatDetails: earlier });
    const f = await failureOf(run(input(C)));
    expect(f.type).toBe('DlrnRefused');
    expect(dlrn.history(PREV)).toEqual(['1', '2', '1']);
  });

  it("a 401 fails at once with DLRN's message and moves nothing", async () => {
    const dlrn = new FakeDlrn([[LABEL, B]]);
    const client = dlrn.client();
    (client as { promote: unknown }).promote = async () => {
      throw new PromoterError(ErrorCode.DlrnUnauthorized, 'DLRN POST /api/promote: 401 Unauthorized Access');
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
