// P3: a container promotion of a realistic hash, ours against crane (one image at a time as an operator scripts it,
// and 8 at a time) and `skopeo copy --all`. The bench starts its own registries (a source, two htpasswd targets
// behind byte-counting proxies) on ports BENCH_PORT_BASE.. (default 15100), builds the hash's images into the source,
// then times: the label retag in the source; the first copy of <full_hash> + <label> to both targets (targets
// emptied before each tool); a re-promotion (a new label, everything already there). Our copy runs as the real
// promoteContainerImages activity (retag included) in a child process, whose peak RSS (VmHWM) is recorded.
//   npm run bench:containers        (BENCH_IMAGES=150 BENCH_INDEXES=10 BENCH_BASE_MB=60,50,40 BENCH_UNIQUE_MB=5,20)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import type { PromoteImagesInput, RegistryRef } from '../activities/containers.js';
import { RegistryClient } from '../integrations/registry.js';
import { buildImageSet, type ImageSetSpec, startWorld, type World } from './containers-world.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const numbers = (v: string | undefined, d: number[]) => (v ? v.split(',').map(Number) : d);
const spec: ImageSetSpec = {
  images: Number(process.env.BENCH_IMAGES ?? 150),
  indexes: Number(process.env.BENCH_INDEXES ?? 10),
  baseMb: numbers(process.env.BENCH_BASE_MB, [60, 50, 40]),
  uniqueMb: numbers(process.env.BENCH_UNIQUE_MB, [5, 20]) as [number, number],
};
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 15100);
const CRANE = process.env.CRANE ?? join(homedir(), 'go', 'bin', 'crane');
const CRANE_MODULE = 'github.com/google/go-containerregistry/cmd/crane@v0.22.1';
const NS = 'tripleo-bench';
const HASH = `${randomBytes(20).toString('hex')}_${randomBytes(4).toString('hex')}`;
const LABELS = { first: 'current-tripleo', again: 'tripleo-ci-testing' };
// BENCH_TOOLS=ours,crane1,crane8,skopeo (default all) and BENCH_OUT (default containers.json): partial runs.
const TOOLS = new Set((process.env.BENCH_TOOLS ?? 'ours,crane1,crane8,skopeo').split(','));
const OUT = process.env.BENCH_OUT ?? 'containers.json';

interface Row {
  operation: string;
  tool: string;
  concurrency: number;
  ms: number;
  msPerImage: number;
  /** Per target: blob bytes PUT/PATCHed, and what the target lacked. */
  bytesMoved?: number[];
  bytesLacked?: number[];
  peakRssMb?: number;
}

const rows: Row[] = [];
const add = (row: Omit<Row, 'msPerImage'>) => {
  const full = { ...row, msPerImage: Math.round((row.ms / spec.images) * 10) / 10 };
  rows.push(full);
  const bytes = row.bytesMoved ? ` bytes ${row.bytesMoved.join('/')} of ${row.bytesLacked!.join('/')} lacked` : '';
  console.error(`${row.operation} / ${row.tool} x${row.concurrency}: ${row.ms} ms${bytes}`);
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round(performance.now() - t0);
}

const each = (names: string[], concurrency: number, fn: (name: string) => Promise<unknown>) =>
  Promise.all(
    names.map(
      (
        (limit) => (n: string) =>
          limit(() => fn(n))
      )(pLimit(concurrency)),
    ),
  );

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'bench-containers-'));
  const world = await startWorld(dir, PORT_BASE);
  try {
    await bench(world, dir);
  } finally {
    await world.stop();
  }
  // A fresh machine gets the anchor through the Go module proxy (into ~/go/bin, where CRANE points by default).
  if (!existsSync(CRANE) && !process.env.CRANE) await run('go', ['install', CRANE_MODULE]);
  const { stdout: craneVersion } = await run(CRANE, ['version']);
  const { stdout: skopeoVersion } = await run('skopeo', ['--version']);
  const out = join(HERE, 'results', OUT);
  mkdirSync(dirname(out), { recursive: true });
  const machine = {
    cpus: cpus().length,
    node: process.version,
    crane: craneVersion.trim(),
    skopeo: skopeoVersion.trim(),
    loadAverage: { before: loadBefore, after: loadavg() },
  };
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), spec, machine, rows }, null, 2) + '\n');
  console.error(`results: ${out}`);
}

async function bench(world: World, dir: string): Promise<void> {
  const t0 = performance.now();
  const set = await buildImageSet(world.source, NS, HASH, spec, join(dir, 'scratch'));
  const lacked = world.targets.map(() => set.blobBytes);
  console.error(
    `built ${spec.images} images (${Math.round(set.blobBytes / 2 ** 20)} MB of blobs) in ${Math.round(performance.now() - t0)} ms`,
  );
  const src = (image: string, tag = HASH) => `${world.source}/${NS}/${image}:${tag}`;
  const dst = (host: string, image: string, tag: string) => `${host}/${NS}/${image}:${tag}`;
  // crane reads credentials from DOCKER_CONFIG; skopeo from the same file. XDG_DATA_HOME: a fresh blob cache.
  const auth = Buffer.from(`${world.user}:${world.password}`).toString('base64');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: Object.fromEntries(world.targets.map((t) => [t.host, { auth }])) }),
  );
  const toolEnv = { ...process.env, DOCKER_CONFIG: dir, XDG_DATA_HOME: join(dir, 'xdg') };
  const crane = (...args: string[]) => run(CRANE, [...args, '--insecure'], { env: toolEnv });
  const skopeo = (from: string, to: string) =>
    run(
      'skopeo',
      ['copy', '--all', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false'].concat([
        '--dest-authfile',
        join(dir, 'config.json'),
        `docker://${from}`,
        `docker://${to}`,
      ]),
      { env: toolEnv },
    );

  // ---- retag in the source: manifest GET + PUT of the exact bytes ----
  for (const c of TOOLS.has('ours') ? [1, 8] : []) {
    const client = new RegistryClient({ host: world.source, tlsVerify: false });
    const ms = await timed(() =>
      each(set.names, c, async (image) => {
        const m = await client.getManifest(`${NS}/${image}`, HASH);
        await client.putManifest(`${NS}/${image}`, `retag-ours-${c}`, m.bytes, m.mediaType);
      }),
    );
    client.close();
    add({ operation: 'retag in source', tool: 'rdo-promoter', concurrency: c, ms });
  }
  for (const c of [1, 8].filter((n) => TOOLS.has(`crane${n}`))) {
    const ms = await timed(() => each(set.names, c, (image) => crane('tag', src(image), `retag-crane-${c}`)));
    add({ operation: 'retag in source', tool: 'crane tag', concurrency: c, ms });
  }
  if (TOOLS.has('skopeo')) {
    const ms = await timed(() => each(set.names, 1, (image) => skopeo(src(image), src(image, 'retag-skopeo'))));
    add({ operation: 'retag in source', tool: 'skopeo copy --all', concurrency: 1, ms });
  }

  // ---- copy <full_hash> and <label> to both targets: first copy, then a re-promotion ----
  const copyRows = async (
    tool: string,
    concurrency: number,
    copyOne: (image: string, label: string) => Promise<unknown>,
  ) => {
    await world.resetTargets();
    for (const [phase, label] of Object.entries(LABELS)) {
      for (const t of world.targets) t.uploaded = 0;
      const ms = await timed(() => each(set.names, concurrency, (image) => copyOne(image, label)));
      add({
        operation: phase === 'first' ? 'first copy to 2 targets' : 're-promotion to 2 targets',
        tool,
        concurrency,
        ms,
        bytesMoved: world.targets.map((t) => t.uploaded),
        bytesLacked: phase === 'first' ? lacked : lacked.map(() => 0),
      });
    }
  };

  if (TOOLS.has('ours')) await world.resetTargets();
  for (const [phase, label] of TOOLS.has('ours') ? Object.entries(LABELS) : []) {
    for (const t of world.targets) t.uploaded = 0;
    const r = await ours(world, set.names, label);
    add({
      operation: phase === 'first' ? 'first copy to 2 targets' : 're-promotion to 2 targets',
      tool: 'rdo-promoter activity (retag included)',
      concurrency: 8,
      ms: r.ms,
      bytesMoved: world.targets.map((t) => t.uploaded),
      bytesLacked: phase === 'first' ? lacked : lacked.map(() => 0),
      peakRssMb: r.vmHwmMb,
    });
  }
  for (const c of [1, 8].filter((n) => TOOLS.has(`crane${n}`))) {
    await copyRows('crane copy + crane tag', c, async (image, label) => {
      for (const t of world.targets) {
        await crane('copy', src(image), dst(t.host, image, HASH));
        await crane('tag', dst(t.host, image, HASH), label);
      }
    });
  }
  if (!TOOLS.has('skopeo')) return;
  await copyRows('skopeo copy --all', 1, async (image, label) => {
    for (const t of world.targets) {
      for (const tag of [HASH, label]) await skopeo(src(image), dst(t.host, image, tag));
    }
  });
}

/** Our activity in a child process (its own VmHWM): retag in the source, copy both tags to both targets. */
async function ours(world: World, images: string[], label: string) {
  const ref = (name: string, host: string, auth: boolean): RegistryRef => ({
    name,
    host,
    namespace: NS,
    tlsVerify: false,
    ...(auth ? { usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' } : {}),
  });
  const input: PromoteImagesInput = {
    fullHash: HASH,
    label,
    images,
    source: ref('source', world.source, false),
    targets: world.targets.map((t) => ref(t.name, t.host, true)),
  };
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'containers-child.ts'), JSON.stringify(input)],
    {
      env: { ...process.env, BENCH_USER: world.user, BENCH_PASSWORD: world.password },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { ms: number; vmHwmMb: number };
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
