// How long a container promotion's registry work takes: our in-process client (keep-alive, concurrency 1 and 8)
// against `skopeo copy --all`, one process per image, as the old promoter's approach would run it.
//   STACK_PROFILE=test npx tsx bench/registry-copy.ts        (BENCH_IMAGES=100 by default)
// Fresh images (one small layer each) are pushed first, untimed; every timed run writes into fresh tags or a fresh
// target namespace, so nothing is cached in the target.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { createContainerActivities, type RegistryRef } from '../activities/containers.js';
import { copyImage, registryPool } from '../integrations/registry.js';
import { registryAuthFile } from '../scripts/sandbox/load.js';
import { OciLayout, skopeoCopyAll } from '../scripts/sandbox/oci.js';
import { readStackEnv, requireVar } from '../scripts/sandbox/stack-env.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_IMAGES ?? 100);
const env = readStackEnv();
const SOURCE = requireVar(env, 'SOURCE_REGISTRY');
const TARGET = requireVar(env, 'TARGET_REGISTRY');
const RUN = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const FULL_HASH = `${randomBytes(20).toString('hex')}_${randomBytes(4).toString('hex')}`;
const IMAGES = Array.from({ length: N }, (_, i) => `openstack-bench-${String(i).padStart(3, '0')}`);
const credentialsEnv = {
  TARGET_REGISTRY_USERNAME: requireVar(env, 'TARGET_REGISTRY_USERNAME'),
  TARGET_REGISTRY_PASSWORD_FILE: requireVar(env, 'TARGET_REGISTRY_PASSWORD_FILE'),
};
const source: RegistryRef = { name: 'source', host: SOURCE, namespace: `${RUN}-src`, tlsVerify: false };
const target = (ns: string): RegistryRef => ({
  name: 'target',
  host: TARGET,
  namespace: `${RUN}-${ns}`,
  tlsVerify: false,
  usernameEnv: 'TARGET_REGISTRY_USERNAME',
  passwordEnv: 'TARGET_REGISTRY_PASSWORD',
});

interface Row {
  operation: string;
  tool: string;
  concurrency: number;
  images: number;
  totalMs: number;
  msPerImage: number;
}

async function pushImages(): Promise<void> {
  const layout = new OciLayout(mkdtempSync(join(tmpdir(), 'bench-oci-')));
  for (const image of IMAGES) layout.add(image, image, FULL_HASH, ['amd64']);
  layout.save();
  await skopeoCopyAll(
    IMAGES.map((image) => [
      `oci:${layout.dir}:${image}`,
      `docker://${SOURCE}/${source.namespace}/${image}:${FULL_HASH}`,
    ]),
    undefined,
    8,
  );
  rmSync(layout.dir, { recursive: true, force: true });
}

/** Runs fn over all images with the given concurrency; a fresh pool per run, so sockets and tokens start cold. */
async function timed(
  operation: string,
  tool: string,
  concurrency: number,
  fn: (image: string, pool: ReturnType<typeof registryPool>) => Promise<unknown>,
): Promise<Row> {
  const pool = registryPool(credentialsEnv);
  const limit = pLimit(concurrency);
  const t0 = performance.now();
  try {
    await Promise.all(IMAGES.map((image) => limit(() => fn(image, pool))));
  } finally {
    pool.close();
  }
  const totalMs = Math.round(performance.now() - t0);
  return { operation, tool, concurrency, images: N, totalMs, msPerImage: Math.round((totalMs / N) * 10) / 10 };
}

const skopeo = (from: string, to: string, authfile: string) =>
  run('skopeo', [
    'copy',
    '--all',
    '--quiet',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    '--dest-authfile',
    authfile,
    `docker://${from}`,
    `docker://${to}`,
  ]);

async function main(): Promise<void> {
  const authfile = registryAuthFile(env);
  // Loopback timings depend on what else runs on the machine: the load is recorded with the results.
  const loadBefore = loadavg()[0]!;
  const t0 = performance.now();
  await pushImages();
  console.error(`pushed ${N} images to ${SOURCE}/${source.namespace} in ${Math.round(performance.now() - t0)} ms`);
  const srcRepo = (image: string) => `${source.namespace}/${image}`;
  const rows: Row[] = [];
  const add = (row: Row) => {
    rows.push(row);
    console.error(`${row.operation} / ${row.tool} x${row.concurrency}: ${row.totalMs} ms`);
  };

  for (const c of [1, 8]) {
    // Retag in place: read the <full_hash> manifest, PUT its exact bytes as the label.
    add(
      await timed('retag in source', 'rdo-promoter client', c, async (image, pool) => {
        const client = pool.registryFor(source);
        const m = await client.getManifest(srcRepo(image), FULL_HASH);
        await client.putManifest(srcRepo(image), `bench-retag-c${c}`, m.bytes, m.mediaType);
      }),
    );
  }
  add(
    await timed('retag in source', 'skopeo copy --all', 1, (image) =>
      skopeo(`${SOURCE}/${srcRepo(image)}:${FULL_HASH}`, `${SOURCE}/${srcRepo(image)}:bench-retag-skopeo`, authfile),
    ),
  );

  for (const c of [1, 8]) {
    const dst = target(`copy-c${c}`);
    add(
      await timed('copy to target (2 tags)', 'rdo-promoter client', c, async (image, pool) => {
        await copyImage(
          { client: pool.registryFor(source), repo: srcRepo(image), reference: FULL_HASH },
          { client: pool.registryFor(dst), repo: `${dst.namespace}/${image}`, reference: FULL_HASH },
          { alsoTag: ['current-tripleo'] },
        );
      }),
    );
  }
  const dstSkopeo = target('copy-skopeo');
  add(
    await timed('copy to target (2 tags)', 'skopeo copy --all', 1, async (image) => {
      for (const tag of [FULL_HASH, 'current-tripleo']) {
        await skopeo(
          `${SOURCE}/${srcRepo(image)}:${FULL_HASH}`,
          `${TARGET}/${dstSkopeo.namespace}/${image}:${tag}`,
          authfile,
        );
      }
    }),
  );

  // The whole activity: verify, record previous digests, retag in the source, copy both tags to the target.
  for (const c of [1, 8]) {
    const pool = registryPool(credentialsEnv);
    const activities = createContainerActivities(pool);
    const t1 = performance.now();
    await activities.promoteContainerImages({
      fullHash: FULL_HASH,
      label: `bench-activity-c${c}`,
      images: IMAGES,
      source,
      targets: [target(`activity-c${c}`)],
      concurrency: c,
    });
    pool.close();
    const totalMs = Math.round(performance.now() - t1);
    add({
      operation: 'promoteContainerImages activity',
      tool: 'rdo-promoter activity',
      concurrency: c,
      images: N,
      totalMs,
      msPerImage: Math.round((totalMs / N) * 10) / 10,
    });
  }

  const header = ['operation', 'tool', 'concurrency', 'total ms', 'ms/image'];
  const lines = rows.map((r) => [
    r.operation,
    r.tool,
    String(r.concurrency),
    String(r.totalMs),
    r.msPerImage.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n'));

  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'registry-copy.json');
  mkdirSync(dirname(out), { recursive: true });
  const { stdout: skopeoVersion } = await run('skopeo', ['--version']);
  writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        images: N,
        imageKind: 'single-arch, one small layer',
        registries: { source: SOURCE, target: `${TARGET} (htpasswd Basic auth)`, server: 'distribution 2.8.2' },
        machine: {
          cpus: cpus().length,
          node: process.version,
          skopeo: skopeoVersion.trim(),
          loadAverage1m: { before: loadBefore, after: loadavg()[0]! },
        },
        namespacePrefix: RUN,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  console.error(`results: ${out}`);
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
