// P1: `promoter report-result` with the last criteria vote a candidate lacked → the DLRN label moved (DLRN-only
// stage), over BENCH_RUNS timed runs (default 22, after 2 warm-up runs), each on a fresh candidate hash. Next to it, in the
// same run, DLRN's own cost: 3 authenticated POSTs sent with a raw HTTP client (the candidate's promote to
// tripleo-ci-testing and two votes, which also set up the run), since DLRN hashes the password on every POST.
//   npm run bench:p1           (BENCH_PORT_BASE=14000, BENCH_DLRN_ROUNDS=DLRN's default)
// The latency is from spawning `node bin/promoter.js report-result` to DLRN's answer to the POST that moved the label
// (a promote, or a promote-batch whose last item is the label), as a counting proxy in front of DLRN sees it; the
// JSON splits it into CLI (spawn → vote POST sent), DLRN (the vote POST and the promote POSTs in the path) and worker
// (the rest: signal → controller → stage → decide → promotion). Two overheads: over the issue's anchor (the bench's
// own 3 raw POSTs) and, strictly, over the DLRN POST time actually in the path.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { connectClient, temporalSettings } from '../client/connection.js';
import { ROOT } from '../scripts/sandbox/stack-env.js';
import { statusQuery } from '../workflows/contract.js';
import { cliBuild, promoter, startTemporal, startWorker, workerCommand, writeReleaseFile } from './lib/bench-stack.js';
import { breakdown, signalTimes, timeline } from './lib/breakdown.js';
import {
  countingProxy,
  fleetFixture,
  jobsOf,
  passwordHash,
  startFleet,
  USER,
  type DlrnInstance,
  type Seen,
} from './lib/dlrn-fleet.js';
import { cpuSecondsOf, stopAll } from './lib/procs.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 22);
const WARMUP = 2;
const BASE = Number(process.env.BENCH_PORT_BASE ?? 14000);
const ROUNDS = process.env.BENCH_DLRN_ROUNDS ? Number(process.env.BENCH_DLRN_ROUNDS) : undefined;
const STATE = join(ROOT, '.stack', 'bench-p1');
const RELEASE = 'p1';
const FIRST = 5; // commits 1..FIRST are history; each run promotes the next one to tripleo-ci-testing
const [JOB_A, JOB_B] = jobsOf(RELEASE, 0);

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fleet's data, cut back to its first FIRST builds: every later build is a future candidate. */
function p1Fixture(hash: string) {
  const f = fleetFixture(RELEASE, hash);
  return {
    ...f,
    civotes: f.civotes.filter((v) => (v as { commit_id: number }).commit_id <= FIRST),
    promotions: f.promotions.filter((p) => (p as { commit_id: number }).commit_id <= FIRST),
  };
}

async function main() {
  if (RUNS + WARMUP > 25) throw new Error('BENCH_RUNS: at most 23 (the fixture has 30 builds)');
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(join(STATE, 'secrets'), { recursive: true });
  const password = randomBytes(18).toString('base64url');
  const pwFile = join(STATE, 'secrets', 'dlrnapi_password');
  writeFileSync(pwFile, password, { mode: 0o600 });
  const inst: DlrnInstance = { release: RELEASE, port: BASE + 600, dir: join(STATE, 'dlrn', RELEASE) };
  const temporal = await startTemporal(BASE + 233, STATE);
  const fixture = p1Fixture(await passwordHash(password, ROUNDS));
  await startFleet([inst], () => fixture);
  const seen: Seen[] = [];
  const proxy = await countingProxy(BASE + 700, inst.port, seen);
  const configDir = join(STATE, 'config');
  writeReleaseFile(configDir, RELEASE, `http://127.0.0.1:${BASE + 700}`);
  const env = {
    TEMPORAL_ADDRESS: `127.0.0.1:${BASE + 233}`,
    PROMOTER_CONFIG_DIR: configDir,
    DLRNAPI_USERNAME: USER,
    DLRNAPI_PASSWORD_FILE: pwFile,
    PROMOTER_LOG_LEVEL: 'WARN',
  };
  const worker = await startWorker(env, join(STATE, 'worker.log'));
  const client = await connectClient(temporalSettings({ ...process.env, ...env }));
  const controller = client.workflow.getHandle(`release/${RELEASE}/centos9`);

  const auth = `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;
  const rawPost = async (path: string, body: object): Promise<number> => {
    const t = performance.now();
    const r = await fetch(`http://127.0.0.1:${inst.port}/api/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`POST /api/${path}: ${r.status} ${await r.text()}`);
    return performance.now() - t;
  };
  const vote = (c: (typeof fixture.commits)[number], job: string) => ({
    job_id: job,
    commit_hash: c.commit_hash,
    distro_hash: c.distro_hash,
    url: `https://logserver.rdoproject.org/${RELEASE}/${job}/${c.id}`,
    timestamp: Math.floor(Date.now() / 1000),
    success: 'true',
  });

  const runs = [];
  /** The last run's window: from DLRN's answer to the vote to the label's move. */
  let lastWindow = { from: 0, to: 0 };
  // CPU seconds per process over the timed runs: steadier than latency on a loaded machine. DLRN's includes the
  // bench's own 3 raw POSTs per run.
  const cpuNow = () => ({
    worker: cpuSecondsOf(worker.pid),
    temporal: cpuSecondsOf(temporal.pid),
    dlrn: cpuSecondsOf(inst.proc!.pid),
  });
  let cpu0 = cpuNow();
  for (let i = 0; i < RUNS + WARMUP; i++) {
    if (i === WARMUP) cpu0 = cpuNow();
    const c = fixture.commits[FIRST + i]!;
    const posts = [
      await rawPost('promote', {
        commit_hash: c.commit_hash,
        distro_hash: c.distro_hash,
        promote_name: 'tripleo-ci-testing',
      }),
      await rawPost('report_result', vote(c, JOB_A)),
      await rawPost('report_result', vote(c, `periodic-${RELEASE}-informational`)),
    ];
    seen.length = 0;
    const t0 = Date.now();
    const cli = promoter(
      ['report-result', '--job-id', JOB_B, '--commit-hash', c.commit_hash, '--distro-hash', c.distro_hash].concat([
        '--info-url',
        vote(c, JOB_B).url,
        '--timestamp',
        String(vote(c, JOB_B).timestamp),
        '--success',
        'true',
      ]),
      env,
    );
    let moved: Seen | undefined;
    while (
      !(moved = seen.find((s) => s.promoteName === 'current-tripleo' && s.status < 300)) &&
      Date.now() - t0 < 120_000
    )
      await sleep(10);
    const cliMs = (await cli).ms;
    if (!moved) throw new Error(`run ${i}: current-tripleo did not move within 120 s`);
    // Only what the label waited for: the pass goes on down the chain once it moved.
    const movedAt = moved.at;
    const path = seen.filter((s) => s.at <= movedAt);
    const voteReq = path.find((s) => s.endpoint === '/api/report_result')!;
    const promotePosts = path.filter((s) => s.method === 'POST' && s.endpoint.startsWith('/api/promote'));
    const promoteMs = promotePosts.reduce((a, s) => a + (s.at - s.start), 0);
    runs.push({
      latencyMs: moved.at - t0,
      dlrnPostsMs: Math.round(posts.reduce((a, b) => a + b, 0)),
      cliToVoteSentMs: voteReq.start - t0,
      dlrnPostsInPathMs: voteReq.at - voteReq.start + promoteMs,
      workerMs: moved.at - voteReq.at - promoteMs,
      dlrnRequests: path.length,
      dlrnGets: path.filter((s) => s.method === 'GET').length,
      promotePosts: promotePosts.length,
      cliExitMs: Math.round(cliMs),
      voteAnsweredAt: voteReq.at,
      labelPostSentAt: moved.start,
      // Filled in after the runs from the controller's history: when its signal arrived.
      cliVoteToSignalMs: 0,
      signalToLabelPostMs: 0,
    });
    console.error(`run ${i}: ${JSON.stringify(runs[runs.length - 1])}`);
    lastWindow = { from: voteReq.at, to: movedAt };
    // The pass goes on down the chain after the label moved: let it end before the next run.
    for (let w = 0; w < 600; w++) {
      const st = await controller.query(statusQuery);
      if (!st.running && st.pendingEvaluations === 0) break;
      await sleep(50);
    }
  }
  // The worker's own share: from the controller's signal to the label's POST leaving (the CLI signals after the vote).
  const signals = await signalTimes(client, controller.workflowId);
  for (const r of runs) {
    const at = signals.find((t) => t >= r.voteAnsweredAt && t <= r.labelPostSentAt);
    if (at === undefined) continue;
    r.cliVoteToSignalMs = at - r.voteAnsweredAt;
    r.signalToLabelPostMs = r.labelPostSentAt - at;
  }
  const timed = runs.slice(WARMUP);
  const cpu1 = cpuNow();
  const cpuPerRun = Object.fromEntries(
    (Object.keys(cpu1) as (keyof typeof cpu1)[]).map((k) => [
      k,
      Number(((cpu1[k] - cpu0[k]) / timed.length).toFixed(3)),
    ]),
  );
  const col = (k: keyof (typeof timed)[number]) => timed.map((r) => r[k]);
  const summary = (xs: number[]) => ({
    p50: pct(xs, 0.5),
    p99: pct(xs, 0.99),
    min: Math.min(...xs),
    max: Math.max(...xs),
  });
  const overhead = timed.map((r) => r.latencyMs - r.dlrnPostsMs);
  const strictOverhead = timed.map((r) => r.latencyMs - r.dlrnPostsInPathMs);
  const lastPass = await breakdown(client, `\`Release\` = '${RELEASE}'`);
  const lastRun = [{ workflowId: controller.workflowId }];
  for await (const w of client.workflow.list({ query: `\`Release\` = '${RELEASE}'` })) {
    if (w.startTime.getTime() >= lastWindow.from && w.startTime.getTime() <= lastWindow.to) lastRun.push(w);
  }
  const result = {
    benchmark: 'report-result to label moved (P1)',
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
    cli: cliBuild(),
    worker: workerCommand().build,
    dlrnPasswordRounds: ROUNDS ?? 656000,
    runs: timed.length,
    latencyMs: summary(col('latencyMs')),
    dlrnThreePostsMs: summary(col('dlrnPostsMs')),
    overDlrnPostsMs: summary(overhead),
    /** Latency minus the DLRN POST time in the path (the vote and the promote POSTs the label waited for). */
    overDlrnPostsInPathMs: summary(strictOverhead),
    split: {
      cliToVoteSentMs: summary(col('cliToVoteSentMs')),
      dlrnPostsInPathMs: summary(col('dlrnPostsInPathMs')),
      workerMs: summary(col('workerMs')),
      /** workerMs = the CLI's signal after DLRN answered its vote + the worker from the signal to the label's POST. */
      cliVoteToSignalMs: summary(col('cliVoteToSignalMs')),
      signalToLabelPostMs: summary(col('signalToLabelPostMs')),
    },
    dlrnRequestsPerRun: summary(col('dlrnRequests')),
    dlrnGetsPerRun: summary(col('dlrnGets')),
    cpuSecondsPerRun: cpuPerRun,
    promotePostsPerRun: summary(col('promotePosts')),
    allPassesBreakdown: lastPass,
    lastRunTimeline: await timeline(client, lastRun, lastWindow.from, lastWindow.to),
    targets: { p50OverDlrnMs: 400, p99OverDlrnMs: 1500 },
    raw: runs,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', `${process.env.BENCH_OUT ?? 'report-to-label'}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify({ ...result, raw: undefined }, null, 2));
  await client.connection.close();
  proxy.close();
  await stopAll();
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
