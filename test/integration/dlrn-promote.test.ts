// promoteDlrnLabel against the real DLRN (the conformance instance, DLRN's own commits_2.yaml): the purged commit
// 5656 is refused with 410 after previous-<label> moved; the activity puts previous-<label> back and fails with a
// non-retryable DlrnRefused naming DLRN's answer.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDlrnPromoteActivities } from '../../activities/dlrn-promote.js';
import { fullHash, hashFromPromotion } from '../../domain/hash.js';
import { DlrnRepoClient } from '../../integrations/dlrn-repo.js';
import { C2, ensureCommits2, stackClient } from '../helpers/dlrn-client.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const dlrn = stackClient(stack, 'conformance');
const run = Date.now();
const { promoteDlrnLabel } = createDlrnPromoteActivities(
  () => dlrn,
  (url) => new DlrnRepoClient(url),
);
const [A, B, PURGED] = [C2.c5654, C2.c5627, C2.c5656].map((c) => hashFromPromotion(c));

beforeAll(() => ensureCommits2(stack));
afterAll(() => dlrn.close());

const headOf = async (label: string) => {
  const [row] = await dlrn.promotions({ promote_name: label, limit: 1 });
  return row ? fullHash(hashFromPromotion(row)) : null;
};
const attempt = async (label: string) =>
  new MockActivityEnvironment()
    .run(promoteDlrnLabel, {
      apiUrl: stack.dlrnUrl('conformance'),
      baseUrl: 'http://unused/',
      hash: PURGED!,
      candidateLabel: 'consistent',
      label,
      createPrevious: true,
    })
    .then(
      () => {
        throw new Error('the purged commit was promoted');
      },
      (err: unknown) => err as ApplicationFailure,
    );

it('410 on a purged commit after previous-<label> moved: previous-<label> is put back', async () => {
  const label = `refusal-${run}`;
  await dlrn.promote({ ...C2.c5654, promote_name: `previous-${label}` });
  await dlrn.promote({ ...C2.c5627, promote_name: label });
  const f = await attempt(label);
  expect(f).toBeInstanceOf(ApplicationFailure);
  expect([f.type, f.nonRetryable]).toEqual(['DlrnRefused', true]);
  expect(f.message).toMatch(/410 commit_hash\+distro_hash\+extended_hash has been purged, cannot promote it/);
  expect(f.message).toContain(`previous-${label} put back to ${fullHash(A!)}`);
  expect(f.details?.[0]).toMatchObject({ status: 410, previousRestored: fullHash(A!), code: 'DlrnPurgedError' });
  expect([await headOf(label), await headOf(`previous-${label}`)]).toEqual([fullHash(B!), fullHash(A!)]);
  // previous-<label>: A (setup), B (moved), A (put back); the label itself got no row.
  const history = await dlrn.promotionsAll({ promote_name: `previous-${label}` });
  expect(history.map((r) => fullHash(hashFromPromotion(r)))).toEqual([A, B, A].map((h) => fullHash(h!)));
  expect(await dlrn.promotionsAll({ promote_name: label })).toHaveLength(1);
});

it('410 when previous-<label> held nothing: the failure says it stays at the old hash', async () => {
  const label = `refusal-bare-${run}`;
  await dlrn.promote({ ...C2.c5627, promote_name: label });
  const f = await attempt(label);
  expect(f.type).toBe('DlrnRefused');
  expect(f.message).toContain(`previous-${label} held nothing before`);
  expect(f.details?.[0]).toMatchObject({ previousRestored: null, warnings: [expect.stringContaining(fullHash(B!))] });
  expect(await headOf(`previous-${label}`)).toBe(fullHash(B!));
});
