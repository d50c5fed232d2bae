// The `promoter` CLI, run as a child process against the real stack: help, usage errors (exit 2, nothing changed),
// read commands and their --json shapes, and the manual controls end to end through the release controller.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { statusQuery } from '../../workflows/contract.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { runCli } from '../helpers/cli-runner.js';
import {
  dlrnFor,
  dlrnHeads,
  qcowLink,
  registriesAgree,
  sandboxConfig,
  freshRelease,
} from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

const WALLABY = join(ROOT, 'config', 'sandbox', 'wallaby.yaml');
const cfg = sandboxConfig('wallaby');
let h: TemporalHarness;
let rel: SandboxRelease;
let cliEnv: Record<string, string>;
const cli = (...args: string[]) => runCli(args, cliEnv);
const hashOf = (key: string) => buildByKey(rel, key).fullHash;
const head = async (label: string) => (await dlrnHeads(cfg, [label]))[label];
/** The label's hash in the model as loaded (before this file promoted anything). */
const loaded = (label: string) => rel.labels[label]!.at(-1)!;
const STANDALONE = 'periodic-tripleo-ci-centos-9-standalone-wallaby';
const OVB = 'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-wallaby';
const SCENARIO001 = 'periodic-tripleo-ci-centos-9-scenario001-standalone-wallaby';
// The model's newest builds in tripleo-ci-testing, as current-tripleo sees them: W240 has standalone running and
// no other vote; W238 failed scenario001; W237 (extended hash) passes every criteria job.
const NEWEST = 'W240';
const FAILED = 'W238';

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs fn with a worker on this file's task queue; the CLI starts controllers on that queue. */
const withWorker = <T>(fn: () => Promise<T>) => h.withWorker(fn);

beforeAll(async () => {
  h = await temporalHarness();
  cliEnv = { TEMPORAL_TASK_QUEUE: h.taskQueue, TEMPORAL_ADDRESS: testStack().temporalAddress };
  // A controller left by an earlier run would poll another task queue.
  for (const r of ['wallaby', 'master']) {
    await h.client.workflow
      .getHandle(releaseWorkflowId(r, 'centos9'))
      .terminate('test start')
      .catch(() => undefined);
  }
  rel = await freshRelease(h.client, 'wallaby');
});
afterAll(async () => {
  await runCli(['schedule', 'delete', '-c', WALLABY], cliEnv);
  await h.client.workflow
    .getHandle(releaseWorkflowId('wallaby', 'centos9'))
    .terminate('test done')
    .catch(() => undefined);
  await h?.close();
});

describe('help and usage errors', () => {
  const commands = [
    'status',
    'explain',
    'promote',
    'force-promote',
    'approve',
    'hold',
    'unhold',
    'abort',
    'rollback',
    'waive',
    'schedule create',
    'schedule list',
    'schedule pause',
    'schedule unpause',
    'schedule trigger',
    'schedule backfill',
    'schedule delete',
    'report-result',
    'promotions',
    'repo-status',
  ];
  it.concurrent.each(commands)('%s --help exits 0 and describes its options', async (c) => {
    const r = await cli(...c.split(' '), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: promoter ${c}`);
  });

  it.each([
    ['an unknown option', ['status', '--bogus'], /unknown option '--bogus'/],
    ['a control without --why', ['hold', '--label', 'current-tripleo', '-c', WALLABY], /--why/],
    [
      'a bad duration',
      ['waive', '--job', 'j', '--hash', 'a'.repeat(32), '--for', '2y', '--why', 'w', '-c', WALLABY],
      /--for: expected a duration/,
    ],
    [
      'a malformed hash',
      ['explain', 'not-a-hash', '--label', 'current-tripleo', '-c', WALLABY],
      /<full_hash>: expected a full_hash \(got not-a-hash\)/,
    ],
    [
      'an unknown label',
      ['hold', '--label', 'nope', '--why', 'w', '-c', WALLABY],
      /--label: nope is not a promotion target/,
    ],
    [
      'half a commit hash',
      ['force-promote', '--label', 'current-tripleo', '--commit-hash', 'a'.repeat(40), '--why', 'w', '-c', WALLABY],
      /--commit-hash and --distro-hash/,
    ],
    [
      'a job outside the criteria',
      ['waive', '--job', 'nope', '--hash', 'a'.repeat(32), '--for', '1h', '--why', 'w', '-c', WALLABY],
      /--job: nope/,
    ],
    ['a bad release file', ['status', '-c', join(ROOT, 'package.json')], /package\.json/],
    [
      'a --why over 1000 characters',
      ['hold', '--label', 'current-tripleo', '--why', 'x'.repeat(1001), '-c', WALLABY],
      /--why: at most 1000 characters/,
    ],
  ])('%s: exit 2 with a message naming it', async (_name, args, message) => {
    const before = await dlrnFor(cfg).promotionsAll({});
    const r = await cli(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect((await dlrnFor(cfg).promotionsAll({})).length).toBe(before.length);
  });
});

describe('read commands', () => {
  it('status --json: every label with its current hash and its candidates', async () => {
    const r = await cli('status', '-c', WALLABY, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { releases } = r.json<{
      releases: {
        release: string;
        controller: { state: string };
        stages: {
          targetLabel: string;
          current: { fullHash: string };
          selected: string | null;
          candidates: { fullHash: string; status: string }[];
        }[];
      }[];
    }>();
    expect(releases.map((x) => x.release)).toEqual(['wallaby']);
    // the controller was ended before this file: status names its state instead of leaving it out
    expect(releases[0]!.controller.state).toMatch(/^(absent|closed)$/);
    const stages = Object.fromEntries(releases[0]!.stages.map((s) => [s.targetLabel, s]));
    expect(Object.keys(stages)).toEqual(['current-tripleo', 'current-tripleo-rdo']);
    for (const label of ['current-tripleo', 'current-tripleo-rdo']) {
      expect(stages[label]!.current.fullHash).toBe(hashOf(loaded(label)));
    }
    expect(stages['current-tripleo']!.candidates.find((c) => c.fullHash === hashOf(NEWEST))!.status).toBe(
      'missing_jobs',
    );
    expect(stages['current-tripleo']!.selected).toBe(hashOf(rel.expected['current-tripleo']!));
    // current-tripleo's head has packstack re-running: current-tripleo-rdo waits
    expect(stages['current-tripleo-rdo']!.selected).toBeNull();
  });

  it('explain --json: a hash waiting for jobs, and a promotable one', async () => {
    const waiting = (await cli('explain', hashOf(NEWEST), '--label', 'current-tripleo', '-c', WALLABY, '--json')).json<
      Record<string, unknown>
    >();
    expect(waiting).toMatchObject({ status: 'missing_jobs', promotable: false });
    expect((waiting.jobs as { missing: string[] }).missing).toEqual([OVB, SCENARIO001]);
    expect((waiting.jobs as { inProgress: string[] }).inProgress).toEqual([STANDALONE]);
    const promotable = hashOf(rel.expected['current-tripleo']!);
    const ok = (await cli('explain', promotable, '--label', 'current-tripleo', '-c', WALLABY, '--json')).json<
      Record<string, unknown>
    >();
    expect(ok).toMatchObject({ status: 'selected', promotable: true });
  });

  it('promotions and repo-status --json are what the DLRN API says', async () => {
    const p = await cli('promotions', '--label', 'tripleo-ci-testing', '--limit', '3', '-c', WALLABY, '--json');
    expect(p.json()).toEqual(await dlrnFor(cfg).promotions({ promote_name: 'tripleo-ci-testing', limit: 3 }));
    const c = rel.builds.find((b) => b.commits[0]!.extended_hash !== null)!.commits[0]!;
    const args = ['--commit-hash', c.commit_hash, '--distro-hash', c.distro_hash, '--extended-hash', c.extended_hash!];
    const s = await cli('repo-status', ...args, '-c', WALLABY, '--json');
    expect(s.json()).toEqual(
      await dlrnFor(cfg).repoStatus({
        commit_hash: c.commit_hash,
        distro_hash: c.distro_hash,
        extended_hash: c.extended_hash!,
      }),
    );
  });
});

describe('controls through the release controller', () => {
  it('a hold blocks the scheduled promotion until unhold', async () => {
    await withWorker(async () => {
      expect(
        (await cli('hold', '--label', 'current-tripleo', '--why', 'CI outage', '--by', 'amy', '-c', WALLABY)).code,
      ).toBe(0);
      const created = await cli('schedule', 'create', '-c', WALLABY, '--json');
      expect(created.json()).toEqual([{ scheduleId: 'promoter/wallaby/centos9', action: 'created' }]);
      const list = (await cli('schedule', 'list', '-c', WALLABY, '--json')).json<
        { scheduleId: string; paused: boolean; intervalMs: number }[]
      >();
      expect(list).toMatchObject([{ scheduleId: 'promoter/wallaby/centos9', paused: false, intervalMs: 600_000 }]);
      expect((await cli('schedule', 'trigger', '-c', WALLABY)).code).toBe(0);
      const status = () =>
        cli('status', '-c', WALLABY, '--json').then((r) =>
          r.json<{ releases: { controller: { lastPass: { reason: string } | null } | null }[] }>(),
        );
      await until('the scheduled pass', status, (s) => s.releases[0]!.controller?.lastPass?.reason === 'schedule');
      // the pass ran and stopped at the hold, though a promotable hash waits (CLI status leaves the stages out)
      const ctl = await h.client.workflow.getHandle(releaseWorkflowId('wallaby', 'centos9')).query(statusQuery);
      const outcomes = ctl.lastPass!.stages.map((s) => [s.targetLabel, s.outcome]);
      expect(outcomes).toContainEqual(['current-tripleo', 'held']);
      expect(await head('current-tripleo')).toBe(hashOf(loaded('current-tripleo')));

      expect((await cli('schedule', 'pause', '--why', 'test', '-c', WALLABY)).code).toBe(0);
      expect((await cli('unhold', '--label', 'current-tripleo', '--why', 'CI back', '-c', WALLABY)).code).toBe(0);
      await until(
        'the pass after unhold',
        () => head('current-tripleo'),
        (x) => x === hashOf(rel.expected['current-tripleo']!),
      );
    });
  });

  it('report-result promotes a hash whose criteria it completes, without a schedule tick', async () => {
    await withWorker(async () => {
      // NEWEST (tripleo-ci-testing) has standalone running, ovb and scenario001 missing: three passes promote it.
      const c = buildByKey(rel, NEWEST).commits[0]!;
      const vote = (job: string) =>
        cli(
          'report-result',
          '--job-id',
          job,
          '--commit-hash',
          c.commit_hash,
          '--distro-hash',
          c.distro_hash,
          '--info-url',
          'https://logserver.example/1',
          '--timestamp',
          String(Math.floor(Date.now() / 1000)),
          '--success',
          'true',
          '-c',
          WALLABY,
          '--json',
        );
      for (const job of [OVB, SCENARIO001]) expect((await vote(job)).code).toBe(0);
      expect(await head('current-tripleo')).toBe(hashOf(rel.expected['current-tripleo']!));
      const t0 = Date.now();
      // the re-run of the one still running completes the criteria
      const last = await vote(STANDALONE);
      expect(last.json()).toMatchObject({
        vote: { job_id: STANDALONE, success: true },
        evaluated: ['current-tripleo'],
      });
      await until(
        `current-tripleo to move to ${NEWEST}`,
        () => head('current-tripleo'),
        (x) => x === hashOf(NEWEST),
        30_000,
      );
      console.log(`report-result -> current-tripleo promoted in ${Date.now() - t0} ms`);
      expect(await registriesAgree(cfg, 'current-tripleo', hashOf(NEWEST))).toEqual([]);
    });
  });

  it('rollback puts DLRN, registry tags and qcow2 links back to previous-<label>', async () => {
    await withWorker(async () => {
      const r = await cli('rollback', '--label', 'current-tripleo', '--why', 'bad hash', '-c', WALLABY, '--json');
      expect(r.code, r.stderr).toBe(0);
      // previous-current-tripleo is what report-result's promotion replaced
      const previous = hashOf(rel.expected['current-tripleo']!);
      expect(r.json()).toMatchObject({ fullHash: previous, outcome: 'promoted' });
      expect(await head('current-tripleo')).toBe(previous);
      expect(await registriesAgree(cfg, 'current-tripleo', previous)).toEqual([]);
      expect(qcowLink(cfg, 'current-tripleo')).toBe(previous);
      expect((await cli('abort', '--why', 'nothing to abort', '-c', WALLABY)).stdout).toContain('nothing was running');
    });
  });

  it('a waiver shows in status and expires on its timer', async () => {
    await withWorker(async () => {
      // a passed job on a hash that failed another: the waiver changes no decision while the test watches it
      const job = STANDALONE;
      const w = await cli(
        'waive',
        '--job',
        job,
        '--hash',
        hashOf(FAILED),
        '--for',
        // long enough to outlive starting the CLI again for status (seconds on a loaded machine)
        '20s',
        '--why',
        'flaky',
        '-c',
        WALLABY,
      );
      expect(w.code, w.stderr).toBe(0);
      type S = {
        releases: { controller: { controls: { waivers: { job: string }[]; audit: { action: string }[] } } }[];
      };
      const status = () =>
        cli('status', '-c', WALLABY, '--json').then((r) => r.json<S>().releases[0]!.controller.controls);
      expect((await status()).waivers.map((x) => x.job)).toEqual([job]);
      const after = await until('the waiver to expire', status, (c) => c.waivers.length === 0, 60_000);
      expect(after.audit.map((a) => a.action)).toContain('waiver-expired');
    });
  });

  it('an approval gate holds a promotion until approve', async () => {
    rel = await freshRelease(h.client, 'wallaby');
    // The worker's config dir is the configuration's one authority: the approval gate goes there.
    const dir = join(tmpdir(), `config-approval-${randomUUID()}`);
    mkdirSync(dir);
    const file = join(dir, 'wallaby.yaml');
    writeFileSync(
      file,
      readFileSync(WALLABY, 'utf8').replace(
        '    candidate_label: tripleo-ci-testing\n',
        '    candidate_label: tripleo-ci-testing\n    approval_required: true\n',
      ),
    );
    const configDir = process.env.PROMOTER_CONFIG_DIR;
    process.env.PROMOTER_CONFIG_DIR = dir;
    onTestFinished(() => {
      if (configDir === undefined) delete process.env.PROMOTER_CONFIG_DIR;
      else process.env.PROMOTER_CONFIG_DIR = configDir;
    });
    await withWorker(async () => {
      const promotable = hashOf(rel.expected['current-tripleo']!);
      const dry = await cli('promote', '--label', 'current-tripleo', '-c', file, '--json');
      expect(dry.json<{ stages: { outcome: string; selected: string }[] }>().stages[0]).toMatchObject({
        outcome: 'awaiting-approval',
        selected: promotable,
      });
      expect(await head('current-tripleo')).toBe(hashOf(loaded('current-tripleo')));
      // an operator's copy that is not what the worker runs: status says so
      const drift = await cli('status', '-c', WALLABY, '--json');
      expect(drift.stderr).toMatch(/wallaby\.yaml is version [0-9a-f]{12}, but the controller runs [0-9a-f]{12}/);
      const a = await cli(
        'approve',
        '--label',
        'current-tripleo',
        '--hash',
        promotable,
        '--why',
        'reviewed',
        '-c',
        file,
      );
      expect(a.code, a.stderr).toBe(0);
      await until(
        'the pass after approval',
        () => head('current-tripleo'),
        (x) => x === promotable,
      );
    });
  });
});
