// One stage decision at RDO scale (issue 10, P2): 100 candidates x 20 criteria, the only passing hash 90 deep, on a
// DLRN API of its own (PyPI dlrn 0.26.1 with graphene, 127.0.0.1:BENCH_DLRN_PORT, default 11700) holding a
// production-shaped data set (test/helpers/production-dlrn.ts). Side by side, alternating: our decideStage activity
// (the stage's code path) and the old promoter's request pattern through dlrnapi_client
// (bench/old_promoter_decision.py). Requests are counted in DLRN's own access log, and DLRN's CPU time is read from
// /proc for each run, for both alike: DLRN is one Python process, so its CPU is the floor of either, and unlike
// the wall time it barely moves when other work shares the machine.
//   npm run bench:decision            (BENCH_RUNS=5 by default; writes bench/results/decision.json)
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { format } from 'prettier';
import { createDecideActivities, type DecideStageInput } from '../activities/decide.js';
import { resetGraphqlRefusals } from '../activities/dlrn-gather.js';
import { DlrnClient } from '../integrations/dlrn.js';
import { ROOT } from '../scripts/sandbox/stack-env.js';
import { DLRN_PYTHON, loadStageData } from '../test/helpers/production-dlrn.js';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PORT = Number(process.env.BENCH_DLRN_PORT ?? 11700);
const URL = `http://127.0.0.1:${PORT}`;
const STATE = join(ROOT, '.stack', 'bench-decision');
const LOG = join(STATE, 'dlrn.log');
const now = Math.floor(Date.now() / 1000);

function writeConfig(): string {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(join(STATE, 'data', 'repos'), { recursive: true });
  const db = `sqlite:///${join(STATE, 'dlrn.sqlite')}`;
  writeFileSync(
    join(STATE, 'projects.ini'),
    `[DEFAULT]\ndatadir=${STATE}/data\nscriptsdir=${STATE}\nbaseurl=http://127.0.0.1:${PORT}/repos\n` +
      `distro=master\nsource=master\ntarget=centos\nreponame=delorean\ndatabase_connection=${db}\n` +
      `pkginfo_driver=sandbox_pkginfo.SandboxPkgInfo\nuse_components=false\n`,
  );
  writeFileSync(
    join(STATE, 'api.cfg'),
    `DB_PATH = '${db}'\nREPO_PATH = '${STATE}/data/repos'\nCONFIG_FILE = '${STATE}/projects.ini'\n`,
  );
  return db;
}

async function startDlrn(): Promise<ChildProcess> {
  const out = openSync(LOG, 'a');
  const child = spawn(DLRN_PYTHON, [join(ROOT, 'scripts', 'dlrn', 'serve.py'), String(PORT)], {
    env: { ...process.env, CONFIG_FILE: join(STATE, 'api.cfg'), PYTHONPATH: join(ROOT, 'scripts', 'dlrn') },
    stdio: ['ignore', out, out],
  });
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${URL}/api/health`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`DLRN on ${URL} did not start; see ${LOG}`);
}

/** Requests DLRN logged so far ("GET /api/... HTTP/1.1" lines of werkzeug's access log), by endpoint. */
function logged(): Record<string, number> {
  const byEndpoint: Record<string, number> = {};
  for (const m of readFileSync(LOG, 'utf8').matchAll(/"(GET|POST) (\/api\/[^? ]*)[^"]*" \d{3}/g)) {
    const k = `${m[1]} ${m[2]}`;
    byEndpoint[k] = (byEndpoint[k] ?? 0) + 1;
  }
  return byEndpoint;
}
const diff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.entries(b).flatMap(([k, v]) => (v - (a[k] ?? 0) > 0 ? [[k, v - (a[k] ?? 0)]] : [])));
const total = (r: Record<string, number>) => Object.values(r).reduce((s, v) => s + v, 0);
const settle = () => new Promise((r) => setTimeout(r, 300)); // werkzeug logs after answering

let dlrnPid = 0;
/** DLRN's CPU time so far (user + system), in ms. */
function dlrnCpu(): number {
  const fields = readFileSync(`/proc/${dlrnPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}
const TICKS = 100; // USER_HZ on Linux

/** Our decision, with each DLRN call timed (where the time goes). */
async function ours(input: DecideStageInput) {
  resetGraphqlRefusals();
  const client = new DlrnClient({ baseUrl: URL });
  const calls: { call: string; ms: number }[] = [];
  for (const name of ['promotions', 'graphql'] as const) {
    const original = client[name].bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const t = performance.now();
      try {
        return await original(...args);
      } finally {
        const what = name === 'graphql' ? String(args[0]).match(/a0: (\w+)/)?.[1] : 'page';
        calls.push({ call: `${name} ${what}`, ms: Math.round(performance.now() - t) });
      }
    };
  }
  const before = logged();
  const cpu0 = dlrnCpu();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const decision = await createDecideActivities(() => client).decideStage(input);
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  client.close();
  await settle();
  const dlrnCpuMs = dlrnCpu() - cpu0;
  const requests = diff(before, logged());
  return {
    seconds,
    dlrnCpuMs,
    ownCpuMs: (own.user + own.system) / 1000,
    requests: total(requests),
    byEndpoint: requests,
    calls,
    selected: decision.selectedFullHash,
  };
}

async function anchor(input: DecideStageInput) {
  const before = logged();
  const cpu0 = dlrnCpu();
  const script = join(ROOT, 'bench', 'old_promoter_decision.py');
  const args = [script, URL, input.candidateLabel, input.targetLabel, String(input.lookBack), input.criteria.join(',')];
  const { stdout } = await run(DLRN_PYTHON, args);
  const out = JSON.parse(stdout) as { seconds: number; selected: string | null; evaluated: number };
  await settle();
  const dlrnCpuMs = dlrnCpu() - cpu0;
  const requests = diff(before, logged());
  return { ...out, dlrnCpuMs, requests: total(requests), byEndpoint: requests };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = writeConfig();
  const t = performance.now();
  const data = await loadStageData(db, {
    tag: 'bench',
    candidates: 100,
    criteria: 20,
    passingDepth: 90,
    history: 300,
    repromoteInWindow: false,
    fkIndexes: process.env.BENCH_FK_INDEXES !== '0',
    now,
  });
  console.log(`data: ${JSON.stringify(data.counts)} in ${Math.round(performance.now() - t)} ms`);
  const dlrn = await startDlrn();
  dlrnPid = dlrn.pid!;
  try {
    const input: DecideStageInput = {
      apiUrl: URL,
      hashKind: 'commit',
      candidateLabel: data.candidateLabel,
      targetLabel: data.targetLabel,
      lookBack: 100,
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
    };
    await ours(input); // warm-up: DLRN's first queries open its database
    await anchor(input);
    const loadBefore = loadavg();
    const runs: { ours: Awaited<ReturnType<typeof ours>>; anchor: Awaited<ReturnType<typeof anchor>> }[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const a = i % 2 === 0 ? await ours(input) : null;
      const b = await anchor(input);
      const c = a ?? (await ours(input));
      if (c.selected !== data.passing || b.selected !== data.passing) {
        throw new Error(`wrong decision: ours ${c.selected}, anchor ${b.selected}, expected ${data.passing}`);
      }
      runs.push({ ours: c, anchor: b });
      console.log(
        `run ${i + 1}: ours ${c.requests} requests ${c.seconds.toFixed(2)} s (DLRN CPU ${c.dlrnCpuMs} ms) | ` +
          `old promoter ${b.requests} requests ${b.seconds.toFixed(2)} s (DLRN CPU ${b.dlrnCpuMs} ms) | ` +
          `load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    const oursS = median(runs.map((r) => r.ours.seconds));
    const anchorS = median(runs.map((r) => r.anchor.seconds));
    const oursCpu = median(runs.map((r) => r.ours.dlrnCpuMs));
    const anchorCpu = median(runs.map((r) => r.anchor.dlrnCpuMs));
    const result = {
      bench: 'decision',
      what: 'one stage decision, 100 candidates x 20 criteria, the only passing hash 90 deep',
      machine: { cpus: cpus().length, loadavgBefore: loadBefore, loadavgAfter: loadavg() },
      data: data.counts,
      target: { requests: 8, speedupOverOldPromoter: 3 },
      summary: {
        ours: {
          requests: median(runs.map((r) => r.ours.requests)),
          medianSeconds: oursS,
          medianDlrnCpuMs: oursCpu,
          medianOwnCpuMs: median(runs.map((r) => r.ours.ownCpuMs)),
        },
        oldPromoter: {
          requests: median(runs.map((r) => r.anchor.requests)),
          medianSeconds: anchorS,
          medianDlrnCpuMs: anchorCpu,
        },
        speedup: anchorS / oursS,
        dlrnCpuRatio: anchorCpu / oursCpu,
      },
      runs,
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    // Formatted as `npm run lint` checks it.
    writeFileSync(
      join(ROOT, 'bench', 'results', 'decision.json'),
      await format(JSON.stringify(result), { parser: 'json' }),
    );
    console.log(JSON.stringify(result.summary));
  } finally {
    dlrn.kill('SIGTERM');
  }
}

await main();
