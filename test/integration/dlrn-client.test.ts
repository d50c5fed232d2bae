// DlrnClient against the real DLRN API servers (PyPI dlrn 0.26.1) of the test stack: reads on the master/wallaby
// sandbox data, writes only to `conformance` (loaded with DLRN's own commits_2.yaml), and every error class DLRN
// answers. Transport details (headers, bodies, outages) are in dlrn-transport.test.ts.
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DlrnClient, type PromotionsQuery } from '../../integrations/dlrn.js';
import { ErrorCode } from '../../domain/errors.js';
import { requireVar } from '../../scripts/sandbox/stack-env.js';
import { C2, dlrnErrorExpecter, ensureCommits2, failure, stackClient, type Release } from '../helpers/dlrn-client.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const { password } = stack.dlrnAuth;
const opened: DlrnClient[] = [];
const track = (c: DlrnClient) => (opened.push(c), c);
const client = (release: Release, auth: typeof stack.dlrnAuth | null = stack.dlrnAuth) =>
  track(stackClient(stack, release, auth));
const master = client('master');
const wallaby = client('wallaby');
const conf = client('conformance');
const expectDlrnError = dlrnErrorExpecter(stack.dlrnAuth.username, password);
const run = `${Date.now()}`;
const now = () => Math.floor(Date.now() / 1000);
afterAll(() => opened.forEach((c) => c.close()));

describe('reads on the sandbox data (master, wallaby)', () => {
  let all: Awaited<ReturnType<DlrnClient['promotionsAll']>>;
  beforeAll(async () => {
    all = await master.promotionsAll();
  });

  it('answers health', async () => {
    expect(await master.health()).toEqual({ result: 'ok' });
  });

  it('pages promotions: 0.26.1 answers 100 rows without limit, promotionsAll reads them all', async () => {
    expect(all.length).toBeGreaterThan(100);
    const first = await master.promotions();
    expect(first).toHaveLength(100);
    expect(first).toEqual(all.slice(0, 100));
    expect(await master.promotions({ offset: 5, limit: 5 })).toEqual(all.slice(5, 10));
    expect(await master.promotionsAll({}, 7)).toEqual(all);
    expect(await master.promotions({ limit: 0 })).toEqual([]);
  });

  it('refuses a limit DLRN would silently cap, and negative offsets, before sending', async () => {
    for (const q of [{ limit: 101 }, { offset: -1 }, { limit: 1.5 }]) {
      expect((await failure(() => master.promotions(q))).code).toBe(ErrorCode.Usage);
    }
  });

  it.each<[string, (p: (typeof all)[number]) => PromotionsQuery]>([
    ['promote_name', (p) => ({ promote_name: p.promote_name })],
    ['component', (p) => ({ component: p.component! })],
    ['aggregate_hash', (p) => ({ aggregate_hash: p.aggregate_hash! })],
  ])('filters promotions by %s', async (field, query) => {
    const picked = all.find((p) => p.component && p.aggregate_hash)!;
    expect(picked).toBeDefined();
    const got = await master.promotionsAll(query(picked));
    const key = field as keyof typeof picked;
    expect(got).toEqual(all.filter((p) => p[key] === picked[key]));
    expect(got).toContainEqual(picked);
    expect(got.length).toBeLessThan(all.length);
  });

  it('filters promotions by commit/distro/extended hash (wallaby)', async () => {
    const picked = (await wallaby.promotionsAll()).find((p) => p.extended_hash)!;
    const { commit_hash, distro_hash, extended_hash } = picked;
    const got = await wallaby.promotions({ commit_hash, distro_hash, extended_hash: extended_hash!, limit: 100 });
    expect(got).toContainEqual(picked);
    for (const p of got)
      expect([p.commit_hash, p.distro_hash, p.extended_hash]).toEqual([commit_hash, distro_hash, extended_hash]);
    const votes = await wallaby.repoStatus({ commit_hash, distro_hash, extended_hash });
    expect(votes.length).toBeGreaterThan(0);
    for (const v of votes)
      expect([v.commit_hash, v.distro_hash, v.extended_hash]).toEqual([commit_hash, distro_hash, extended_hash]);
  });

  it('reads aggregate votes (master); an unknown aggregate hash gives []', async () => {
    const hashes = [...new Set(all.map((p) => p.aggregate_hash).filter((h): h is string => !!h))];
    const votes = (await Promise.all(hashes.slice(0, 10).map((h) => master.aggStatus({ aggregate_hash: h })))).flat();
    expect(votes.length).toBeGreaterThan(0);
    expect(hashes).toEqual(expect.arrayContaining([...new Set(votes.map((v) => v.aggregate_hash))]));
    expect(await master.aggStatus({ aggregate_hash: 'f'.repeat(32) })).toEqual([]);
  });
});

describe('conformance DLRN with commits_2.yaml', () => {
  beforeAll(() => ensureCommits2(stack));

  it('lists the fixture promotions by aggregate hash and commit', async () => {
    expect(await conf.promotions({ aggregate_hash: '12345678' })).toEqual([
      expect.objectContaining({ ...C2.c5654, promote_name: 'another-ci', user: 'foo', timestamp: 1503307094 }),
    ]);
    const ext = await conf.promotions({ ...C2.c5623, promote_name: 'test-ci' });
    expect(ext[ext.length - 1]).toMatchObject({
      ...C2.c5623,
      aggregate_hash: 'abcdef00',
      user: null,
      timestamp: 1503307100,
    });
  });

  it('filters repo_status by success', async () => {
    const failed = await conf.repoStatus({ ...C2.c5627, success: false });
    expect(failed.every((v) => !v.success)).toBe(true);
    expect(failed).toContainEqual(
      expect.objectContaining({
        job_id: 'current-passed-ci',
        in_progress: true,
        url: 'http://dummyci.example.com/current-passed-ci',
      }),
    );
    const ok = await conf.repoStatus({ ...C2.c5627, success: true });
    expect(ok.every((v) => v.success)).toBe(true);
    expect(ok).toContainEqual(expect.objectContaining({ job_id: 'consistent', user: 'foo', timestamp: 1441635089 }));
    expect(await conf.repoStatus(C2.c5623)).toEqual([
      expect.objectContaining({ job_id: 'extended-ci', extended_hash: '1234567890_1234567890', component: 'tripleo' }),
    ]);
  });

  it('filters agg_status by success', async () => {
    const ok = await conf.aggStatus({ aggregate_hash: '12345678', success: true });
    expect(ok.every((v) => v.success && v.aggregate_hash === '12345678')).toBe(true);
    expect(ok).toContainEqual(expect.objectContaining({ job_id: 'phase2-ci', timestamp: 1441635095, user: 'foo' }));
    const bad = await conf.aggStatus({ aggregate_hash: '12345678', success: false });
    expect(bad.every((v) => !v.success)).toBe(true);
    expect(bad).toContainEqual(expect.objectContaining({ job_id: 'phase2-ci', timestamp: 1441635195 }));
  });

  it('reads last_tested_repo (GET), sequential mode without fallback', async () => {
    const expected = {
      ...C2.c5654,
      job_id: 'another-ci',
      success: true,
      in_progress: false,
      component: 'foo-component',
    };
    expect(await conf.lastTestedRepo({ max_age: 0, job_id: 'another-ci' })).toMatchObject(expected);
    expect(
      await conf.lastTestedRepo({ max_age: 0, sequential_mode: true, previous_job_id: 'another-ci' }),
    ).toMatchObject(expected);
    await expectDlrnError(
      conf.lastTestedRepo({ max_age: 0, sequential_mode: true, previous_job_id: `no-such-ci-${run}` }),
      ErrorCode.DlrnNotFound,
      400,
      /No vote found/,
    );
  });

  it('takes a repo with POST last_tested_repo: an in-progress vote of reporting_job_id', async () => {
    const reporting_job_id = `conformance-use-${run}`;
    const got = await conf.lastTestedRepoUse({
      max_age: 0,
      sequential_mode: true,
      previous_job_id: 'another-ci',
      reporting_job_id,
    });
    expect(got).toMatchObject({
      ...C2.c5654,
      job_id: reporting_job_id,
      in_progress: true,
      success: false,
      user: 'ciuser',
    });
    expect(await conf.repoStatus(C2.c5654)).toContainEqual(
      expect.objectContaining({ job_id: reporting_job_id, in_progress: true, component: 'foo-component' }),
    );
  });

  it('reports a result on a commit (success sent so that 0.26.1 strtobool accepts it)', async () => {
    const vote = {
      job_id: `conformance-report-${run}`,
      url: 'https://ci.example.com/1',
      timestamp: now(),
      success: true,
    };
    const got = await conf.reportResult({ ...C2.c5654, ...vote, notes: 'from the test' });
    expect(got).toMatchObject({ ...C2.c5654, ...vote, aggregate_hash: null, in_progress: false, user: 'ciuser' });
    expect(await conf.repoStatus({ ...C2.c5654, success: true })).toContainEqual(
      expect.objectContaining({ ...vote, notes: 'from the test', user: 'ciuser' }),
    );
  });

  it('reports a failed result on an aggregate hash; an unknown aggregate is not found', async () => {
    const vote = {
      job_id: `conformance-agg-${run}`,
      url: 'https://ci.example.com/2',
      timestamp: now(),
      success: false,
    };
    const got = await conf.reportResult({ aggregate_hash: '12345678', ...vote });
    expect(got).toMatchObject({ aggregate_hash: '12345678', commit_hash: null, ...vote, notes: '', user: 'ciuser' });
    expect(await conf.aggStatus({ aggregate_hash: '12345678', success: false })).toContainEqual(
      expect.objectContaining({ ...vote, aggregate_hash: '12345678', user: 'ciuser' }),
    );
    await expectDlrnError(
      conf.reportResult({ aggregate_hash: `nope${run}`, ...vote }),
      ErrorCode.DlrnNotFound,
      400,
      /aggregate_hash not found/,
    );
  });

  it('promotes: symlink in the repo tree and a promotion row', async () => {
    const got = await conf.promote({ ...C2.c5627, promote_name: 'conformance-ci' });
    const repo_hash = `${C2.c5627.commit_hash}_${C2.c5627.distro_hash.slice(0, 8)}`;
    expect(got).toMatchObject({
      ...C2.c5627,
      repo_hash,
      promote_name: 'conformance-ci',
      user: 'ciuser',
      component: 'tripleo',
    });
    expect(got.aggregate_hash).toBeNull(); // use_components=false
    expect(got.timestamp).toBeGreaterThan(now() - 60);
    const link = readlinkSync(join(requireVar(stack.env, 'DLRN_CONFORMANCE_DIR'), 'data', 'repos', 'conformance-ci'));
    expect(link).toBe(`component/tripleo/17/23/${repo_hash}`);
    const [newest] = await conf.promotions({ promote_name: 'conformance-ci', limit: 1 });
    expect(newest).toMatchObject({ ...C2.c5627, repo_hash, user: 'ciuser', timestamp: got.timestamp });
    const ext = await conf.promote({ ...C2.c5623, promote_name: 'conformance-ext' });
    expect(ext).toMatchObject({ ...C2.c5623, promote_name: 'conformance-ext' });
  });

  it('promotes a batch and answers its last item', async () => {
    const got = await conf.promoteBatch([
      { ...C2.c5654, promote_name: 'conformance-batch-a' },
      { ...C2.c5627, promote_name: 'conformance-batch-b' },
    ]);
    expect(got).toMatchObject({ ...C2.c5627, promote_name: 'conformance-batch-b', user: 'ciuser' });
    for (const [name, hashes] of [
      ['conformance-batch-a', C2.c5654],
      ['conformance-batch-b', C2.c5627],
    ] as const) {
      expect((await conf.promotions({ promote_name: name, limit: 1 }))[0]).toMatchObject(hashes);
    }
    expect((await failure(() => conf.promoteBatch([]))).code).toBe(ErrorCode.Usage);
  });

  it('checks a whole batch before promoting: a purged item promotes nothing', async () => {
    const count = async () => (await conf.promotionsAll({ promote_name: 'conformance-atomic' })).length;
    const before = await count();
    await expectDlrnError(
      conf.promoteBatch([
        { ...C2.c5627, promote_name: 'conformance-atomic' },
        { ...C2.c5656, promote_name: 'conformance-atomic' },
      ]),
      ErrorCode.DlrnPurged,
      410,
      /has been purged, cannot promote it/,
    );
    expect(await count()).toBe(before);
  });

  it('reads build metrics', async () => {
    const month = { start_date: '2015-09-01', end_date: '2015-10-01' };
    expect(await conf.buildMetrics(month)).toEqual({ succeeded: 5, failed: 0, total: 5 });
    expect(await conf.buildMetrics({ ...month, package_name: 'python-alembic' })).toEqual({
      succeeded: 2,
      failed: 0,
      total: 2,
    });
  });
});

describe('error classes from the real DLRN', () => {
  beforeAll(() => ensureCommits2(stack));
  const promote = (c: DlrnClient, promote_name: string, hashes: object = C2.c5627) =>
    c.promote({ ...(hashes as typeof C2.c5627), promote_name });

  it('401 on a wrong password and without credentials; POST /api/health checks auth', async () => {
    const wrong = client('conformance', { username: 'ciuser', password: `${password}-wrong` });
    await expectDlrnError(promote(wrong, 'conformance-ci'), ErrorCode.DlrnUnauthorized, 401, /401 Unauthorized Access/);
    await expectDlrnError(wrong.checkAuth(), ErrorCode.DlrnUnauthorized, 401, /Unauthorized Access/);
    const anonymous = client('conformance', null);
    const vote = { job_id: 'x', url: 'u', timestamp: now(), success: true };
    await expectDlrnError(
      anonymous.reportResult({ ...C2.c5627, ...vote }),
      ErrorCode.DlrnUnauthorized,
      401,
      /Unauthorized/,
    );
    expect(await anonymous.health()).toEqual({ result: 'ok' }); // reads need no auth in 0.26.1
    expect(await conf.checkAuth()).toEqual({ result: 'ok' });
  });

  it.each(['current', 'consistent', '../x'])('403 for promote_name %s', async (name) => {
    const err = await expectDlrnError(
      promote(conf, name),
      ErrorCode.DlrnForbidden,
      403,
      `403 Invalid promote_name ${name}`,
    );
    expect(err.context).toMatchObject({
      method: 'POST',
      endpoint: '/api/promote',
      dlrnMessage: `Invalid promote_name ${name}`,
    });
  });

  it('400 not found for unknown hashes', async () => {
    const unknown = { commit_hash: 'a'.repeat(40), distro_hash: 'b'.repeat(40) };
    const msg = /400 commit_hash\+distro_hash\+extended_hash combination not found/;
    await expectDlrnError(promote(conf, 'conformance-ci', unknown), ErrorCode.DlrnNotFound, 400, msg);
    await expectDlrnError(master.repoStatus(unknown), ErrorCode.DlrnNotFound, 400, msg);
    await expectDlrnError(wallaby.promotions(unknown), ErrorCode.DlrnNotFound, 400, msg);
  });

  it('400 bad request for what DLRN refuses otherwise', async () => {
    const half = { commit_hash: C2.c5627.commit_hash } as PromotionsQuery;
    await expectDlrnError(
      conf.promotions(half),
      ErrorCode.DlrnBadRequest,
      400,
      /Both commit_hash and distro_hash must be specified/,
    );
    const bad = { start_date: '2015/09/01', end_date: '2015-10-01' };
    await expectDlrnError(
      conf.buildMetrics(bad),
      ErrorCode.DlrnBadRequest,
      400,
      /Invalid date format, it must be YYYY-mm-dd/,
    );
  });

  it('410 for the purged commit 5656', async () => {
    const msg = /410 commit_hash\+distro_hash\+extended_hash has been purged, cannot promote it/;
    await expectDlrnError(promote(conf, 'conformance-ci', C2.c5656), ErrorCode.DlrnPurged, 410, msg);
  });

  it('415 is what DLRN answers to a charset parameter (our POSTs above never get it)', async () => {
    const post = (contentType: string) =>
      axios.post(`${stack.dlrnUrl('conformance')}/api/promote`, '{}', {
        auth: stack.dlrnAuth,
        headers: { 'Content-Type': contentType },
        validateStatus: () => true,
      });
    const charset = await post('application/json; charset=utf-8');
    expect([charset.status, charset.data]).toEqual([415, { message: 'Unsupported Media Type, use JSON' }]);
    const exact = await post('application/json');
    expect([exact.status, exact.data]).toEqual([400, { message: 'Missing parameters' }]);
  });

  it('500 (a promote_name with a slash) and 404 (no such endpoint) are classified', async () => {
    await expectDlrnError(promote(conf, 'a/b'), ErrorCode.DlrnUnavailable, 500, /500 Internal Server Error/);
    const nowhere = track(new DlrnClient({ baseUrl: `${stack.dlrnUrl('conformance')}/nowhere` }));
    await expectDlrnError(nowhere.health(), ErrorCode.DlrnBadRequest, 404, /404 Not Found/);
  });
});
