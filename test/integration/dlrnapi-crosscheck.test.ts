// Cross-check: the real `dlrnapi` CLI (dlrnapi-client 0.13.1) and DlrnClient read the same records from the same
// DLRN (master/wallaby sandbox data, conformance with commits_2.yaml). The CLI prints JSON (indent 2, sorted keys) of
// its swagger models, which differ from the wire: vote models drop `user`, the commit vote model adds
// `aggregate_hash` (always null). Records are compared on the CLI's keys, a key missing on our side counting as null.
// The password reaches the CLI through DLRNAPI_PASSWORD in its environment, never on its command line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DlrnClient, Promotion } from '../../integrations/dlrn.js';
import { ErrorCode } from '../../domain/errors.js';
import { requireVar } from '../../scripts/sandbox/stack-env.js';
import { C2, ensureCommits2, failure, stackClient, type Release } from '../helpers/dlrn-client.js';
import { testStack } from '../helpers/stack.js';

const run = promisify(execFile);
const stack = testStack();
const CLI = requireVar(stack.env, 'DLRNAPI_CLI');
const clients = new Map<Release, DlrnClient>();
const dlrn = (release: Release) => {
  if (!clients.has(release)) clients.set(release, stackClient(stack, release));
  return clients.get(release)!;
};
afterAll(() => clients.forEach((c) => c.close()));

type Json = Record<string, unknown>;

/** Sorts object keys recursively, as Python's json.dumps(sort_keys=True) does. */
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, x]) => [k, sortKeys(x)]),
        )
      : v;

/** Runs `dlrnapi --url <release> ...args` and parses what it prints (after checking it is indent-2 sorted JSON). */
async function dlrnapi(release: Release, ...args: string[]): Promise<unknown> {
  const env = { ...process.env, DLRNAPI_USERNAME: stack.dlrnAuth.username, DLRNAPI_PASSWORD: stack.dlrnAuth.password };
  const { stdout } = await run(CLI, ['--url', stack.dlrnUrl(release), ...args], { env });
  const parsed: unknown = JSON.parse(stdout);
  expect(stdout.trimEnd()).toBe(JSON.stringify(sortKeys(parsed), null, 2));
  return parsed;
}

/** Our record(s) seen through the CLI's model: the CLI's keys, missing values as null. */
function asCli(ours: unknown, cli: unknown): unknown {
  if (Array.isArray(cli)) {
    expect(Array.isArray(ours) && ours.length).toBe(cli.length);
    return cli.map((c, i) => asCli((ours as unknown[])[i], c));
  }
  return Object.fromEntries(Object.keys(cli as Json).map((k) => [k, (ours as Json)[k] ?? null]));
}

async function expectSame(release: Release, args: string[], ours: (c: DlrnClient) => Promise<unknown>, min = 1) {
  const [cli, mine] = await Promise.all([dlrnapi(release, ...args), ours(dlrn(release))]);
  const count = Array.isArray(cli) ? cli.length : 1;
  expect(count).toBeGreaterThanOrEqual(min);
  expect(asCli(mine, cli)).toEqual(cli);
}

const commitArgs = (p: { commit_hash: string; distro_hash: string; extended_hash?: string | null }) => [
  '--commit-hash',
  p.commit_hash,
  '--distro-hash',
  p.distro_hash,
  ...(p.extended_hash ? ['--extended-hash', p.extended_hash] : []),
];

describe('dlrnapi CLI and DlrnClient agree on the sandbox data', () => {
  let master: Promotion[];
  let wallaby: Promotion[];
  beforeAll(async () => {
    [master, wallaby] = await Promise.all([dlrn('master').promotionsAll(), dlrn('wallaby').promotionsAll()]);
  });

  it.each(['current-tripleo', 'tripleo-ci-testing', 'previous-current-tripleo'])(
    'promotion-get --promote-name %s',
    (label) =>
      expectSame('master', ['promotion-get', '--promote-name', label], (c) => c.promotions({ promote_name: label })),
  );

  it('promotion-get with component, offset and limit', () =>
    expectSame(
      'master',
      ['promotion-get', '--component', 'tripleo', '--offset', '3', '--limit', '10'],
      (c) => c.promotions({ component: 'tripleo', offset: 3, limit: 10 }),
      10,
    ));

  it('promotion-get --agg-hash, and agg-status on the aggregate hashes of current-tripleo', async () => {
    const hashes = master
      .filter((p) => p.promote_name === 'current-tripleo' && p.aggregate_hash)
      .map((p) => p.aggregate_hash!);
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes.slice(0, 3)) {
      await expectSame('master', ['promotion-get', '--agg-hash', h], (c) => c.promotions({ aggregate_hash: h }));
      await expectSame('master', ['agg-status', '--agg-hash', h], (c) => c.aggStatus({ aggregate_hash: h }), 0);
    }
  });

  it('promotion-get and repo-status by commit/distro/extended hash (wallaby)', async () => {
    const picked = [wallaby.find((p) => p.extended_hash)!, wallaby.find((p) => !p.extended_hash)!];
    for (const p of picked) {
      await expectSame('wallaby', ['promotion-get', ...commitArgs(p)], (c) =>
        c.promotions({
          commit_hash: p.commit_hash,
          distro_hash: p.distro_hash,
          extended_hash: p.extended_hash ?? undefined,
        }),
      );
      await expectSame('wallaby', ['repo-status', ...commitArgs(p)], (c) => c.repoStatus(p));
      await expectSame(
        'wallaby',
        ['repo-status', ...commitArgs(p), '--success', 'true'],
        (c) => c.repoStatus({ ...p, success: true }),
        0,
      );
    }
  });
});

describe('dlrnapi CLI and DlrnClient agree on commits_2.yaml (conformance)', () => {
  beforeAll(() => ensureCommits2(stack));

  it('promotion-get', () =>
    expectSame(
      'conformance',
      ['promotion-get', '--promote-name', 'foo-ci'],
      (c) => c.promotions({ promote_name: 'foo-ci' }),
      2,
    ));

  it('repo-status, with and without --success', async () => {
    await expectSame('conformance', ['repo-status', ...commitArgs(C2.c5627)], (c) => c.repoStatus(C2.c5627), 2);
    await expectSame('conformance', ['repo-status', ...commitArgs(C2.c5627), '--success', 'false'], (c) =>
      c.repoStatus({ ...C2.c5627, success: false }),
    );
    await expectSame('conformance', ['repo-status', ...commitArgs(C2.c5623)], (c) => c.repoStatus(C2.c5623));
  });

  it('agg-status, known and unknown', async () => {
    await expectSame(
      'conformance',
      ['agg-status', '--agg-hash', '12345678'],
      (c) => c.aggStatus({ aggregate_hash: '12345678' }),
      2,
    );
    expect(await dlrnapi('conformance', 'agg-status', '--agg-hash', 'f00d')).toEqual([]);
    expect(await dlrn('conformance').aggStatus({ aggregate_hash: 'f00d' })).toEqual([]);
  });

  it('repo-get (GET last_tested_repo) and build-metrics', async () => {
    await expectSame('conformance', ['repo-get', '--max-age', '0', '--job-id', 'another-ci'], (c) =>
      c.lastTestedRepo({ max_age: 0, job_id: 'another-ci' }),
    );
    const month = { start_date: '2015-09-01', end_date: '2015-10-01' };
    await expectSame(
      'conformance',
      ['build-metrics', '--start-date', month.start_date, '--end-date', month.end_date],
      (c) => c.buildMetrics(month),
    );
  });

  it('an unknown hash fails both with the same DLRN message', async () => {
    const unknown = { commit_hash: 'a'.repeat(40), distro_hash: 'b'.repeat(40) };
    const cli = await run(CLI, ['--url', stack.dlrnUrl('conformance'), 'repo-status', ...commitArgs(unknown)]).then(
      () => null,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(cli?.code).not.toBe(0);
    expect(cli?.stderr).toContain(
      'HTTP response body: {"message":"commit_hash+distro_hash+extended_hash combination not found"}',
    );
    const ours = await failure(dlrn('conformance').repoStatus(unknown));
    expect([ours.code, ours.context.status, ours.context.dlrnMessage]).toEqual([
      ErrorCode.DlrnNotFound,
      400,
      'commit_hash+distro_hash+extended_hash combination not found',
    ]);
  });
});
