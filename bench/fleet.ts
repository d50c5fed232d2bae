// P4, the fleet: N releases (default 50, one centos9 distro each, one real DLRN API per release) × 3 chained
// DLRN-only stages, one worker, one trigger for all (`promoter schedule trigger` over the config dir). Measures the
// time from the trigger until every release's last label moved, the worker's RSS (peak during the run, and VmHWM
// over its life including start-up), CPU seconds per component, and every DLRN request per tick (a counting proxy
// in front of each DLRN).
//   npm run bench:fleet        (BENCH_RELEASES=50, BENCH_PORT_BASE=13000, BENCH_DLRN_ROUNDS=DLRN's default,
//                               BENCH_CPU_PROF=1 profiles the worker's threads, BENCH_OUT=<name> names the JSON,
//                               BENCH_WORKER_NODE_ARGS="--max-semi-space-size=4" adds node flags to the worker,
//                               BENCH_WORKER_ENV="GLIBC_TUNABLES=..." variables)
// Everything runs on its own ports (base+233 Temporal, base+600.. DLRN, base+700.. proxies) and state dir
// (.stack/bench-fleet); the stack profiles of the sandbox and the tests are never touched.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../scripts/sandbox/stack-env.js';
import { DlrnClient } from '../integrations/dlrn.js';
import { fullHash, hashFromPromotion } from '../domain/hash.js';
import { cliBuild, promoter, startTemporal, startWorker, workerCommand, writeReleaseFile } from './lib/bench-stack.js';
import {
  CHAIN,
  countingProxy,
  fleetFixture,
  passwordHash,
  startFleet,
  USER,
  type DlrnInstance,
  type Seen,
} from './lib/dlrn-fleet.js';
import { breakdown } from './lib/breakdown.js';
import { dlrnPostCost } from './lib/dlrn-post-cost.js';
import { historyCounts } from './lib/history-counts.js';
import { summarizeDir } from './lib/cpu-profile.js';
import { applyV8Flags, PROCESS_SETTINGS } from '../worker/tuning.js';
import { connectClient, temporalSettings } from '../client/connection.js';
import { cpuSecondsOf, mb, memoryOf, minorFaultsOf, rssSampler, stopAll } from './lib/procs.js';
import { memoryBreakdown, memoryProbe } from './lib/memory-breakdown.js';

const N = Number(process.env.BENCH_RELEASES ?? 50);
const BASE = Number(process.env.BENCH_PORT_BASE ?? 13000);
const ROUNDS = process.env.BENCH_DLRN_ROUNDS ? Number(process.env.BENCH_DLRN_ROUNDS) : undefined;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000;
const STATE = join(ROOT, '.stack', 'bench-fleet');
const LAST = CHAIN[CHAIN.length - 1]!.target;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function main() {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(join(STATE, 'secrets'), { recursive: true });
  const password = randomBytes(18).toString('base64url');
  const pwFile = join(STATE, 'secrets', 'dlrnapi_password');
  writeFileSync(pwFile, password, { mode: 0o600 });
  const configDir = join(STATE, 'config');
  const releases = Array.from({ length: N }, (_, i) => `r${String(i).padStart(2, '0')}`);
  const insts: DlrnInstance[] = releases.map((release, i) => ({
    release,
    port: BASE + 600 + i,
    dir: join(STATE, 'dlrn', release),
  }));

  const t = performance.now();
  const temporal = await startTemporal(BASE + 233, STATE);
  const hash = await passwordHash(password, ROUNDS);
  await startFleet(insts, (i) => fleetFixture(i.release, hash));
  const doneAt = new Map<string, number>();
  const proxies: http.Server[] = [];
  for (const [i, inst] of insts.entries()) {
    const mine: Seen[] = [];
    const server = await countingProxy(BASE + 700 + i, inst.port, mine, (s) => {
      if (s.promoteName === LAST && s.status < 300 && !doneAt.has(inst.release)) doneAt.set(inst.release, s.at);
    });
    proxies.push(server);
    (inst as DlrnInstance & { seen: Seen[] }).seen = mine;
    writeReleaseFile(configDir, inst.release, `http://127.0.0.1:${BASE + 700 + i}`);
  }
  const env = {
    TEMPORAL_ADDRESS: `127.0.0.1:${BASE + 233}`,
    TEMPORAL_NAMESPACE: 'default',
    PROMOTER_CONFIG_DIR: configDir,
    DLRNAPI_USERNAME: USER,
    DLRNAPI_PASSWORD_FILE: pwFile,
    PROMOTER_LOG_LEVEL: 'WARN',
  };
  const profDir = join(STATE, 'prof');
  const memLog = join(STATE, 'memory.jsonl');
  const extraArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const nodeArgs = ['--require', memoryProbe, ...extraArgs];
  if (process.env.BENCH_CPU_PROF === '1') nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
  // BENCH_WORKER_ENV="K=V ..." sets variables for the worker only (e.g. GLIBC_TUNABLES, for an A/B run).
  const workerEnv = Object.fromEntries(
    (process.env.BENCH_WORKER_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const worker = await startWorker(
    { ...env, ...workerEnv, BENCH_MEM_LOG: memLog },
    join(STATE, 'worker.log'),
    nodeArgs,
  );
  await promoter(['schedule', 'create', '--by', 'bench'], env);
  const setupMs = performance.now() - t;
  console.error(
    `stack up in ${(setupMs / 1000).toFixed(1)}s: ${N} DLRN APIs, Temporal, worker (${workerCommand().build})`,
  );

  const perInst = insts as (DlrnInstance & { seen: Seen[] })[];
  for (const i of perInst) i.seen.length = 0; // only the run's requests count
  const rssBefore = memoryOf(worker.pid).rssKb;
  const cpu0 = {
    worker: cpuSecondsOf(worker.pid),
    temporal: cpuSecondsOf(temporal.pid),
    dlrn: perInst.reduce((a, i) => a + cpuSecondsOf(i.proc!.pid), 0),
  };
  const faults0 = minorFaultsOf(worker.pid);
  const sampler = rssSampler(worker.pid);
  const t0 = Date.now();
  const trigger = await promoter(['schedule', 'trigger', '--by', 'bench'], env);
  while (doneAt.size < N && Date.now() - t0 < TIMEOUT_MS) await new Promise((r) => setTimeout(r, 50));
  const totalMs = Math.max(...[...doneAt.values()].map((d) => d - t0), 0);
  const peakRunKb = sampler.stop();
  const tEnd = Date.now();
  const cpu = {
    worker: cpuSecondsOf(worker.pid) - cpu0.worker,
    temporal: cpuSecondsOf(temporal.pid) - cpu0.temporal,
    dlrn: perInst.reduce((a, i) => a + cpuSecondsOf(i.proc!.pid), 0) - cpu0.dlrn,
  };
  const { hwmKb } = memoryOf(worker.pid);
  const workerMinorFaults = minorFaultsOf(worker.pid) - faults0;

  // Every label of every release at the newest hash? (read from DLRN directly, not through the counting proxies)
  const missing: string[] = [];
  let probeHash: { commit_hash: string; distro_hash: string } | undefined;
  for (const inst of perInst) {
    const dlrn = new DlrnClient({ baseUrl: `http://127.0.0.1:${inst.port}` });
    const head = (await dlrn.promotions({ promote_name: 'tripleo-ci-testing', limit: 1 }))[0]!;
    probeHash ??= head;
    const want = fullHash(hashFromPromotion(head));
    for (const { target } of CHAIN) {
      const row = (await dlrn.promotions({ promote_name: target, limit: 1 }))[0];
      if (!row || fullHash(hashFromPromotion(row)) !== want) missing.push(`${inst.release}:${target}`);
    }
  }
  const counts = perInst.map((i) => i.seen.length);
  const byEndpoint: Record<string, number> = {};
  for (const i of perInst)
    for (const s of i.seen)
      byEndpoint[`${s.method} ${s.endpoint}`] = (byEndpoint[`${s.method} ${s.endpoint}`] ?? 0) + 1;
  // GraphQL is a POST too, but DLRN asks no password for it.
  const posts = perInst.reduce(
    (a, i) => a + i.seen.filter((s) => s.method === 'POST' && s.endpoint !== '/api/graphql').length,
    0,
  );
  // After the run, on the first release's DLRN: its CPU per authenticated POST, hence the floor of the run.
  const postCost = await dlrnPostCost({
    port: perInst[0]!.port,
    pid: perInst[0]!.proc!.pid,
    user: USER,
    password,
    commitHash: probeHash!.commit_hash,
    distroHash: probeHash!.distro_hash,
  });
  const cores = cpus().length;
  const done = [...doneAt.values()].map((d) => d - t0);

  // Where the slowest release's time went, from Temporal's histories; and its DLRN requests in time order.
  const slowest = [...doneAt.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? releases[0]!;
  const client = await connectClient(temporalSettings({ ...process.env, ...env }));
  const slowBreakdown = await breakdown(client, `\`Release\` = '${slowest}'`, [`release/${slowest}/centos9`]);
  const temporalWork = await historyCounts(client, N);
  await client.connection.close();
  const timeline = perInst
    .find((i) => i.release === slowest)!
    .seen.map(
      (s) => `+${s.at - t0}ms ${s.method} ${s.endpoint} ${s.status}${s.promoteName ? ` ${s.promoteName}` : ''}`,
    );
  writeFileSync(join(STATE, 'timeline.txt'), `${timeline.join('\n')}\n`);

  const result = {
    benchmark: 'fleet (P4)',
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
    releases: N,
    stagesPerRelease: CHAIN.length,
    worker: workerCommand().build,
    cli: cliBuild(),
    dlrnPasswordRounds: ROUNDS ?? 656000,
    setupSeconds: Number((setupMs / 1000).toFixed(1)),
    allDoneSeconds: Number((totalMs / 1000).toFixed(2)),
    releasesDone: doneAt.size,
    labelsNotMoved: missing,
    releaseDoneSeconds: { p50: done.length ? pct(done, 0.5) / 1000 : null, max: totalMs / 1000 },
    triggerCliSeconds: Number((trigger.ms / 1000).toFixed(2)),
    workerRssMb: { beforeRun: mb(rssBefore), peakDuringRun: mb(peakRunKb), lifetimePeakVmHWM: mb(hwmKb) },
    // What the worker process ran with: the deploy files' settings (worker/tuning.ts) and any A/B override.
    workerProcess: {
      nodeArgs: [...PROCESS_SETTINGS.nodeOptions, ...extraArgs],
      env: { ...PROCESS_SETTINGS.env, ...workerEnv },
      v8FlagsSetByWorker: applyV8Flags({}, extraArgs, () => {}),
    },
    workerMemory: memoryBreakdown(memLog, t0, tEnd),
    workerMinorFaults,
    cpuSecondsDuringRun: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(v.toFixed(1))])),
    dlrnRequests: {
      total: counts.reduce((a, b) => a + b, 0),
      perTick: { min: Math.min(...counts), p50: pct(counts, 0.5), max: Math.max(...counts) },
      authenticatedPosts: posts,
      byEndpoint,
    },
    // DLRN's CPU on the authenticated POSTs alone, spread over every core: no run of this fleet can be faster.
    dlrnPostCost: {
      ...postCost,
      postsCpuSeconds: Number((posts * postCost.promoteBatchCpuSeconds).toFixed(1)),
      floorSecondsOnAllCores: Number(((posts * postCost.promoteBatchCpuSeconds) / cores).toFixed(1)),
    },
    temporalWork,
    slowest: { release: slowest, breakdown: slowBreakdown, requestTimeline: join(STATE, 'timeline.txt') },
    targets: { allDoneSeconds: 30, workerRssMb: 300 },
  };
  for (const p of proxies) p.close();
  await stopAll(); // the worker writes its CPU profiles as it exits
  const profiled = process.env.BENCH_CPU_PROF === '1' ? { workerCpuProfile: summarizeDir(profDir) } : {};
  const out = join(ROOT, 'bench', 'results', `${process.env.BENCH_OUT ?? 'fleet'}.json`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...result, ...profiled }, null, 2)}\n`);
  console.log(JSON.stringify({ ...result, ...profiled }, null, 2));
  if (missing.length || doneAt.size < N) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
