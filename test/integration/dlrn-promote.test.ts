// promoteDlrnLabel against the real DLRN (the conformance instance, DLRN's own commits_2.yaml): previous-<label> and
// the label move in one promote-batch; the purged commit 5656 makes DLRN refuse the whole batch with 410 before it
// writes anything, and the activity fails with a non-retryable DlrnRefused naming DLRN's answer.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDlrnPromoteActivities } from '../../activities/dlrn-promote.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../../domain/hash.js';
import type { PromoteRequest } from '../../integrations/dlrn.js';
import { DlrnRepoClient } from '../../integrations/dlrn-repo.js';
import { C2, ensureCommits2, stackClient } from '../helpers/dlrn-client.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const dlrn = stackClient(stack, 'conformance');
const run = Date.now();
/** Every promote POST the activity sends: the client's method and the labels it moves. */
const posts: [string, string[]][] = [];
const counted = new Proxy(dlrn, {
  get(target, prop, receiver) {
    const v = Reflect.get(target, prop, receiver) as unknown;
    if (prop !== 'promote' && prop !== 'promoteBatch') return v;
    return function (this: unknown, body: PromoteRequest | PromoteRequest[]) {
      posts.push([prop, [body].flat().map((b) => b.promote_name)]);
      return (v as (b: unknown) => unknown).call(this, body);
    };
  },
});
const { promoteDlrnLabel } = createDlrnPromoteActivities(
  () => counted,
  (url) => new DlrnRepoClient(url),
);
const [A, B, PURGED] = [C2.c5654, C2.c5627, C2.c5656].map((c) => hashFromPromotion(c));

beforeAll(() => ensureCommits2(stack));
afterAll(() => dlrn.close());

const headOf = async (label: string) => {
  const [row] = await dlrn.promotions({ promote_name: label, limit: 1 });
  return row ? fullHash(hashFromPromotion(row)) : null;
};
const promoteTo = (label: string, hash: DlrnHash) =>
  new MockActivityEnvironment().run(promoteDlrnLabel, {
    apiUrl: stack.dlrnUrl('conformance'),
    baseUrl: 'http://unused/',
    hash,
    candidateLabel: 'consistent',
    label,
    createPrevious: true,
  });
const attempt = async (label: string) =>
  promoteTo(label, PURGED!).then(
    () => {
      throw new Error('the purged commit was promoted');
    },
    (err: unknown) => err as ApplicationFailure,
  );

it('one promote-batch moves previous-<label> and the label; a rerun sends nothing', async () => {
  const label = `batch-${run}`;
  await dlrn.promote({ ...C2.c5627, promote_name: label });
  posts.length = 0;
  const ok = await promoteTo(label, A!);
  expect(ok).toMatchObject({ promoted: true, previous: fullHash(B!), head: fullHash(A!) });
  expect(posts).toEqual([['promoteBatch', [`previous-${label}`, label]]]);
  expect([await headOf(label), await headOf(`previous-${label}`)]).toEqual([fullHash(A!), fullHash(B!)]);
  expect(await promoteTo(label, A!)).toMatchObject({ promoted: false, head: fullHash(A!) });
  expect(posts).toHaveLength(1);
  expect(await dlrn.promotionsAll({ promote_name: `previous-${label}` })).toHaveLength(1);
});

it('410 on a purged commit: the batch is refused whole, previous-<label> never moved', async () => {
  const label = `refusal-${run}`;
  await dlrn.promote({ ...C2.c5654, promote_name: `previous-${label}` });
  await dlrn.promote({ ...C2.c5627, promote_name: label });
  const f = await attempt(label);
  expect(f).toBeInstanceOf(ApplicationFailure);
  expect([f.type, f.nonRetryable]).toEqual(['DlrnRefused', true]);
  expect(f.message).toMatch(/410 commit_hash\+distro_hash\+extended_hash .* has been purged, cannot promote it/);
  expect(f.message).toContain(`nothing moved (previous-${label} was in the same batch)`);
  expect(f.details?.[0]).toMatchObject({ status: 410, previousRestored: null, code: 'DlrnPurgedError', warnings: [] });
  expect([await headOf(label), await headOf(`previous-${label}`)]).toEqual([fullHash(B!), fullHash(A!)]);
  // Only the setup's rows: DLRN checked the whole batch before writing any of it.
  expect(await dlrn.promotionsAll({ promote_name: `previous-${label}` })).toHaveLength(1);
  expect(await dlrn.promotionsAll({ promote_name: label })).toHaveLength(1);
});

it('410 when previous-<label> held nothing: it still holds nothing', async () => {
  const label = `refusal-bare-${run}`;
  await dlrn.promote({ ...C2.c5627, promote_name: label });
  const f = await attempt(label);
  expect(f.type).toBe('DlrnRefused');
  expect(f.details?.[0]).toMatchObject({ previousRestored: null, warnings: [] });
  expect(await headOf(`previous-${label}`)).toBe(null);
});
