// The CLI's start-up, without a live DLRN: how long after `node bin/promoter.js report-result` starts its vote POST
// reaches DLRN, and how long `promoter --help` takes. A local HTTP server stands for DLRN and records each POST's
// arrival; a one-line preload (`node -r`) records the CLI's process start (performance.timeOrigin), so the figure is
// the CLI's own uptime when its POST arrived (spawnTo…: from the parent's spawn, exec included). The release file is
// the sandbox's wallaby.yaml; the vote is a failure, so no Temporal server is needed.
//   npm run bench:cli     (writes bench/results/cli-start.json)
//   BENCH_CLI_ROOTS="old=/tmp/cli-old,new=." npx tsx bench/cli-start.ts
// Every root is a checkout (or a copy of bin/, dist/, package.json with node_modules beside it); the roots run
// alternately, BENCH_RUNS times each (default 25, after 2 warm-up rounds), so load hits them alike.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT } from '../scripts/sandbox/stack-env.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const WARMUP = 2;
const PORT = Number(process.env.BENCH_PORT_BASE ?? 14000) + 650;
const STATE = join(ROOT, '.stack', 'bench-cli-start');
const roots = (process.env.BENCH_CLI_ROOTS ?? `current=${ROOT}`).split(',').map((r) => {
  const [name, dir] = r.split('=');
  return { name: name!, dir: resolve(dir!) };
});

/**
 * Preloaded into the CLI: at exit it writes its process start (epoch ms) and CPU ms (all threads, and its main thread
 * alone from /proc) when its first HTTP request started and at exit. On a loaded machine the main thread's CPU time
 * stands for the wall time it would take on a quiet one.
 */
const PRELOAD = `const fs = require('fs');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const main = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
let post = null;
require('diagnostics_channel').subscribe('http.client.request.start', () => { post ??= { cpu: cpu(), main: main() }; });
process.on('exit', () => fs.writeFileSync(OUT, JSON.stringify({ t0: performance.timeOrigin, post, exit: cpu(), exitMain: main() })));
`;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const now = () => performance.timeOrigin + performance.now();

let arrival: number | null = null;
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/report_result') arrival ??= now();
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    const vote = JSON.parse(body || '{}') as Record<string, unknown>;
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        extended_hash: null,
        aggregate_hash: null,
        component: null,
        ...vote,
        success: vote.success === 'true',
        in_progress: false,
        user: 'ciuser',
      }),
    );
  });
});

interface Sample {
  /** The child's process start, epoch ms. */
  t0: number;
  /** At its first HTTP request: CPU ms of the process (all threads) and of its main thread. */
  post: { cpu: number; main: number } | null;
  exit: number;
  exitMain: number;
  /** When the parent spawned it and saw it exit, epoch ms. */
  spawned: number;
  end: number;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((done, fail) => {
    const spawned = now();
    const c = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', fail);
    c.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`${args.join(' ')}: exit ${code}\n${err}`));
      const o = JSON.parse(readFileSync(join(STATE, 'origin'), 'utf8')) as Omit<Sample, 'spawned' | 'end'>;
      done({ ...o, spawned, end: now() });
    });
  });
}

/** Each metric's samples, then their p50 and p90 in whole ms. */
class Metrics {
  private readonly xs = new Map<string, number[]>();
  add(name: string, x: number) {
    this.xs.set(name, [...(this.xs.get(name) ?? []), x]);
  }
  summary() {
    return Object.fromEntries(
      [...this.xs].map(([k, v]) => [k, { p50: Math.round(pct(v, 0.5)), p90: Math.round(pct(v, 0.9)) }]),
    );
  }
}

async function main() {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const preload = join(STATE, 'origin.cjs');
  writeFileSync(preload, PRELOAD.replace('OUT', JSON.stringify(join(STATE, 'origin'))));
  const release = join(STATE, 'wallaby.yaml');
  writeFileSync(release, readFileSync(join(ROOT, 'config', 'sandbox', 'wallaby.yaml')));
  writeFileSync(join(STATE, 'pw'), 'not-a-secret\n');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DLRN_WALLABY_URL: `http://127.0.0.1:${PORT}`,
    DLRN_REPO_URL: 'http://127.0.0.1:1',
    SOURCE_REGISTRY: '127.0.0.1:2',
    TARGET_REGISTRY: '127.0.0.1:3',
    IMAGE_SERVER_HOST: '127.0.0.1',
    IMAGE_SERVER_PORT: '4',
    IMAGE_SERVER_USER: 'promoter',
    IMAGE_SERVER_ROOT: '/srv',
    DLRNAPI_USERNAME: 'ciuser',
    DLRNAPI_PASSWORD_FILE: join(STATE, 'pw'),
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  };
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
  const job = 'periodic-tripleo-ci-centos-9-standalone-wallaby';
  const hashes = ['--commit-hash', 'a'.repeat(40), '--distro-hash', 'b'.repeat(40)];
  const vote = ['report-result', '-c', release, '--job-id', job, ...hashes, '--info-url', 'https://ci.example.org/1'];
  vote.push('--timestamp', '1767225600', '--success', 'false');
  const metrics = new Map(roots.map((r) => [r.name, new Metrics()]));
  const bare = new Metrics();
  const load0 = loadavg();
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const root of i % 2 ? [...roots].reverse() : roots) {
      const bin = join(root.dir, 'bin', 'promoter.js');
      arrival = null;
      const v = await run(['-r', preload, bin, ...vote], env);
      if (arrival === null || v.post === null) throw new Error(`${root.name}: no POST arrived`);
      const h = await run(['-r', preload, bin, '--help'], env);
      if (i < WARMUP) continue;
      const m = metrics.get(root.name)!;
      m.add('postArrivalMs', (arrival as number) - v.t0);
      m.add('spawnToPostArrivalMs', (arrival as number) - v.spawned);
      m.add('postMainThreadCpuMs', v.post.main);
      m.add('postCpuMs', v.post.cpu);
      m.add('voteExitMs', v.end - v.t0);
      m.add('helpExitMs', h.end - h.t0);
      m.add('spawnToHelpExitMs', h.end - h.spawned);
      m.add('helpMainThreadCpuMs', h.exitMain);
    }
    const b = await run(['-r', preload, '-e', '0'], env);
    if (i < WARMUP) continue;
    bare.add('exitMs', b.end - b.t0);
    bare.add('spawnToExitMs', b.end - b.spawned);
    bare.add('mainThreadCpuMs', b.exitMain);
  }
  server.close();
  const out = {
    runs: RUNS,
    node: process.version,
    load: { before: load0.map((l) => l.toFixed(2)), after: loadavg().map((l) => l.toFixed(2)) },
    bareNode: bare.summary(),
    ...Object.fromEntries([...metrics].map(([name, m]) => [name, m.summary()])),
  };
  console.log(JSON.stringify(out, null, 2));
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'cli-start.json'), `${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
