// The container benchmark's world: three docker-registry processes (a source without auth, two targets with htpasswd
// Basic auth) behind byte-counting proxies, and a hash's images built straight into the source: random
// (incompressible) tar.gz layers, shared base layers per architecture, one unique layer per image and arch, some
// images multi-arch indexes. No container engine; every layer is a valid gzip'd tar.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pLimit from 'p-limit';
import { Header } from 'tar';
import { type Descriptor, RegistryClient } from '../integrations/registry.js';
import { MEDIA } from '../scripts/sandbox/oci.js';

export interface Target {
  name: string;
  /** The proxy's host:port (what every tool talks to). */
  host: string;
  port: number;
  /** Blob bytes PUT or PATCHed through the proxy since the last reset. */
  uploaded: number;
}

export interface World {
  source: string;
  targets: Target[];
  user: string;
  password: string;
  /** Empties both targets (stop, wipe storage, start) and zeroes their counters. */
  resetTargets(): Promise<void>;
  stop(): Promise<void>;
}

const registryConfig = (dir: string, port: number, htpasswd?: string) =>
  [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
    `http: {addr: 127.0.0.1:${port}, secret: ${randomBytes(8).toString('hex')}}`,
    ...(htpasswd ? [`auth: {htpasswd: {realm: bench, path: ${htpasswd}}}`] : []),
  ].join('\n');

async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) =>
      http
        .get({ host: '127.0.0.1', port, path: '/v2/' }, (res) => (res.resume(), resolve(true)))
        .on('error', () => resolve(false)),
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`registry on port ${port} did not start`);
}

/** A reverse proxy that counts the request bytes of blob uploads; Host goes through, so Locations name the proxy. */
function countingProxy(listen: number, upstream: number, target: Target): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return http
    .createServer((req, res) => {
      const counted = (req.method === 'PUT' || req.method === 'PATCH') && req.url?.includes('/blobs/uploads/');
      if (counted) req.on('data', (c: Buffer) => (target.uploaded += c.length));
      const up = http.request(
        { host: '127.0.0.1', port: upstream, method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    })
    .listen(listen, '127.0.0.1');
}

export async function startWorld(dir: string, portBase: number): Promise<World> {
  mkdirSync(dir, { recursive: true });
  const user = 'bench';
  const password = randomBytes(12).toString('hex');
  const htpasswd = join(dir, 'htpasswd');
  writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', user, password]));
  const procs = new Map<string, ChildProcess>();
  const start = async (name: string, port: number, auth?: string) => {
    const root = join(dir, name);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'config.yml'), registryConfig(root, port, auth));
    procs.set(name, spawn('docker-registry', ['serve', join(root, 'config.yml')], { stdio: 'ignore' }));
    await waitFor(port);
  };
  const stopOne = async (name: string) => {
    const p = procs.get(name);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise((resolve) => (p.once('exit', resolve), p.kill('SIGTERM')));
  };
  await start('source', portBase);
  const targets: Target[] = [1, 2].map((i) => ({
    name: `target${i}`,
    host: `127.0.0.1:${portBase + 10 + i}`,
    port: portBase + i,
    uploaded: 0,
  }));
  for (const t of targets) await start(t.name, t.port, htpasswd);
  const proxies = targets.map((t) => countingProxy(portBase + 10 + Number(t.name.slice(-1)), t.port, t));
  return {
    source: `127.0.0.1:${portBase}`,
    targets,
    user,
    password,
    async resetTargets() {
      for (const t of targets) {
        await stopOne(t.name);
        rmSync(join(dir, t.name, 'data'), { recursive: true, force: true });
        await start(t.name, t.port, htpasswd);
        t.uploaded = 0;
      }
    },
    async stop() {
      for (const p of proxies) {
        p.closeAllConnections();
        p.close();
      }
      for (const name of procs.keys()) await stopOne(name);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ImageSetSpec {
  images: number;
  /** Images that are 2-arch indexes (amd64 + ppc64le). */
  indexes: number;
  /** Shared base layers per arch, MB each (e.g. [60, 50, 40] = 150 MB). */
  baseMb: number[];
  /** Each image's own layer: uniform between these MB. */
  uniqueMb: [number, number];
}

export interface ImageSet {
  names: string[];
  /** Distinct blob bytes (layers and configs) a target without any of them lacks. */
  blobBytes: number;
}

const ARCHES = ['amd64', 'ppc64le'];

/** A gzip'd tar holding one file of `size` random bytes, written to `file`; its descriptor and diff_id. */
async function randomLayer(file: string, size: number): Promise<{ desc: Descriptor; diffId: string }> {
  const header = new Header({ path: 'data.bin', mode: 0o644, size, mtime: new Date(0), type: 'File' });
  header.encode();
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zero = Buffer.alloc(1 << 20);
  const tarDigest = createHash('sha256');
  const blobDigest = createHash('sha256');
  async function* tar() {
    for (const part of [header.block!]) yield part;
    for (let left = size; left > 0; left -= zero.length)
      yield cipher.update(zero.subarray(0, Math.min(left, zero.length)));
    yield Buffer.alloc(((512 - (size % 512)) % 512) + 1024);
  }
  const hashing = async function* (source: AsyncIterable<Buffer>, h: ReturnType<typeof createHash>) {
    for await (const chunk of source) {
      h.update(chunk);
      yield chunk;
    }
  };
  await pipeline(
    Readable.from(hashing(tar(), tarDigest)),
    createGzip({ level: 1 }),
    (gz: AsyncIterable<Buffer>) => hashing(gz, blobDigest),
    createWriteStream(file),
  );
  const desc = { mediaType: MEDIA.layer, digest: `sha256:${blobDigest.digest('hex')}`, size: statSync(file).size };
  return { desc, diffId: `sha256:${tarDigest.digest('hex')}` };
}

/** Builds the image set into <source>/<ns>/<image>:<tag>; temp layer files go away as soon as they are pushed. */
export async function buildImageSet(
  source: string,
  ns: string,
  tag: string,
  spec: ImageSetSpec,
  scratch: string,
): Promise<ImageSet> {
  mkdirSync(scratch, { recursive: true });
  const client = new RegistryClient({ host: source, tlsVerify: false });
  const names = Array.from({ length: spec.images }, (_, i) => `openstack-bench-${String(i).padStart(3, '0')}`);
  let blobBytes = 0;
  let n = 0;
  const layer = async (repo: string, mb: number) => {
    const file = join(scratch, `layer-${n++}`);
    const l = await randomLayer(file, Math.round(mb * (1 << 20)));
    await client.uploadBlob(repo, l.desc, async () => createReadStream(file));
    rmSync(file);
    blobBytes += l.desc.size;
    return l;
  };
  const json = (mediaType: string, value: unknown) => {
    const bytes = Buffer.from(JSON.stringify(value));
    const desc = {
      mediaType,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
    };
    return { desc, bytes };
  };
  // Base layers go into the first repository once per arch, then are mounted wherever needed.
  const first = `${ns}/${names[0]}`;
  const bases: Record<string, Awaited<ReturnType<typeof layer>>[]> = {};
  for (const arch of ARCHES) bases[arch] = [];
  for (const arch of ARCHES) for (const mb of spec.baseMb) bases[arch]!.push(await layer(first, mb));
  const image = async (name: string, repo: string, arch: string) => {
    for (const b of bases[arch]!) if (repo !== first) await client.mountBlob(repo, b.desc.digest, first);
    const own = await layer(repo, spec.uniqueMb[0] + Math.random() * (spec.uniqueMb[1] - spec.uniqueMb[0]));
    const layers = [...bases[arch]!, own];
    const config = json(MEDIA.config, {
      architecture: arch,
      os: 'linux',
      config: { Labels: { 'org.rdoproject.image': name } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    });
    await client.uploadBlob(repo, config.desc, async () => Readable.from([config.bytes]));
    blobBytes += config.desc.size;
    const manifest = json(MEDIA.manifest, {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: config.desc,
      layers: layers.map((l) => l.desc),
    });
    await client.putManifest(repo, manifest.desc.digest, manifest.bytes, MEDIA.manifest);
    return { desc: { ...manifest.desc, platform: { architecture: arch, os: 'linux' } }, bytes: manifest.bytes };
  };
  const limit = pLimit(3);
  await Promise.all(
    names.map((name, i) =>
      limit(async () => {
        const repo = `${ns}/${name}`;
        const arches = i < spec.indexes ? ARCHES : ['amd64'];
        const children = [];
        for (const arch of arches) children.push(await image(name, repo, arch));
        const top =
          children.length === 1
            ? children[0]!
            : json(MEDIA.index, {
                schemaVersion: 2,
                mediaType: MEDIA.index,
                manifests: children.map((c) => c.desc),
              });
        await client.putManifest(repo, tag, top.bytes, top.desc.mediaType);
      }),
    ),
  );
  client.close();
  rmSync(scratch, { recursive: true, force: true });
  return { names, blobBytes };
}
