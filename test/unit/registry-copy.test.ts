// Copies between registries move only what the target lacks, and move it as a stream: the shared base layers of a
// hash's images go up once per target registry and are mounted into every other repository, a manifest or tag the
// target has is left alone, and a 20 MB layer never sits in the worker's memory.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createContainerActivities, type PromoteImagesResult, type RegistryRef } from '../../activities/containers.js';
import { progressFromDetails } from '../../client/progress.js';
import { copyBlob, emptyStats, RegistryClient } from '../../integrations/registry.js';
import { fakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

const IMAGES = ['openstack-nova-api', 'openstack-keystone', 'openstack-glance-api', 'openstack-horizon'];
const HASH = `${'a'.repeat(40)}_${'b'.repeat(8)}`;
const ref = (name: string, host: string): RegistryRef => ({ name, host, namespace: 'tripleo', tlsVerify: false });
const uploads = (r: FakeRegistry) => r.log.filter((e) => e.method === 'PUT' && e.path.includes('/blobs/uploads/'));
const mounts = (r: FakeRegistry) => r.log.filter((e) => e.method === 'POST' && e.outcome === 201);

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function world(targets: number) {
  const source = await fakeRegistry();
  const dsts = await Promise.all(Array.from({ length: targets }, () => fakeRegistry()));
  const clients = new Map(
    [source, ...dsts].map((r) => [r.host, new RegistryClient({ host: r.host, tlsVerify: false })]),
  );
  cleanup.push(...[source, ...dsts].map((r) => () => r.close()), () => clients.forEach((c) => c.close()));
  const base = [randomBytes(4096), randomBytes(4096)];
  for (const image of IMAGES) source.pushImage(`tripleo/${image}`, HASH, image, base);
  const activities = createContainerActivities({ registryFor: (r) => clients.get(r.host)! });
  const input = {
    fullHash: HASH,
    label: 'current-tripleo',
    images: IMAGES,
    source: ref('source', source.host),
    targets: dsts.map((d, i) => ref(`target${i}`, d.host)),
  };
  return { source, dsts, activities, input };
}

describe('copy to a target registry', { timeout: 30_000 }, () => {
  it('pushes each shared base layer once per target and mounts it into the other repositories', async () => {
    const { dsts, activities, input } = await world(2);
    const result = await activities.promoteContainerImages(input);
    // 4 images x (config + own layer) + 2 base layers, per target.
    const unique = IMAGES.length * 2 + 2;
    for (const dst of dsts) {
      expect(uploads(dst)).toHaveLength(unique);
      expect(mounts(dst)).toHaveLength(2 * (IMAGES.length - 1));
    }
    expect(result.copiedBlobs).toBe(2 * unique);
    expect(result.mountedBlobs).toBe(2 * 2 * (IMAGES.length - 1));
  });

  it('a re-promotion moves tags only: no blob, no content manifest, one PUT per label', async () => {
    const { dsts, activities, input } = await world(1);
    await activities.promoteContainerImages(input);
    const dst = dsts[0]!;
    dst.log.length = 0;
    const again = await activities.promoteContainerImages({ ...input, label: 'tripleo-ci-testing' });
    expect(again.copiedBlobs + again.mountedBlobs).toBe(0);
    const writes = dst.log.filter((e) => e.method !== 'GET' && e.method !== 'HEAD');
    expect(writes.map((e) => `${e.method} ${e.path}`).sort()).toEqual(
      IMAGES.map((i) => `PUT /v2/tripleo/${i}/manifests/tripleo-ci-testing`).sort(),
    );
  });
});

describe('progress', { timeout: 30_000 }, () => {
  it('heartbeats images done / total and bytes streamed, as the CLI reads them', async () => {
    const { activities, input } = await world(1);
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(structuredClone(d)));
    const r = (await env.run(activities.promoteContainerImages, input)) as PromoteImagesResult;
    const seen = beats.map(progressFromDetails);
    expect(seen[0]).toMatchObject({ label: 'current-tripleo', done: 0, total: IMAGES.length });
    expect(seen.at(-1)).toEqual({
      label: 'current-tripleo',
      done: IMAGES.length,
      total: IMAGES.length,
      bytes: r.bytes,
    });
    expect(r.bytes).toBeGreaterThan(0);
  });
});

/** A registry that serves one blob of `size` bytes (1 MiB pieces, with backpressure) and counts what it has sent. */
function streamingSource(piece: Buffer, pieces: number) {
  const state = { sent: 0 };
  const digest = `sha256:${Array.from({ length: pieces })
    .reduce((h: ReturnType<typeof createHash>) => h.update(piece), createHash('sha256'))
    .digest('hex')}`;
  const server = createServer((req, res) => {
    if (req.url === '/v2/') return res.writeHead(200).end();
    res.writeHead(200, { 'Content-Length': String(piece.length * pieces) });
    let n = 0;
    const write = () => {
      while (n < pieces) {
        n++;
        state.sent += piece.length;
        if (!res.write(piece)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  });
  return { server, state, digest };
}

/** A target that accepts uploads (PATCH chunks and the final PUT), counting bytes without keeping them. */
function countingTarget(sourceState: { sent: number }) {
  const seen = { bytes: 0, sourceSentAtFirstByte: -1 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://t');
    if (url.pathname === '/v2/') return res.writeHead(200).end();
    if (req.method === 'HEAD') return res.writeHead(404).end();
    req.on('data', (c: Buffer) => {
      if (seen.bytes === 0) seen.sourceSentAtFirstByte = sourceState.sent;
      seen.bytes += c.length;
    });
    req.on('end', () => {
      if (req.method === 'POST') res.writeHead(202, { Location: '/v2/t/blobs/uploads/1' }).end();
      else if (req.method === 'PATCH') res.writeHead(202, { Location: '/v2/t/blobs/uploads/1' }).end();
      else res.writeHead(201).end();
    });
  });
  return { server, seen };
}

const listen = (s: Server) =>
  new Promise<string>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(s.address() as AddressInfo).port}`)),
  );

describe('a 20 MB layer', () => {
  it.each([
    ['one streamed PUT', undefined],
    ['4 MiB PATCH chunks', 4 << 20],
  ])('goes from registry to registry as a stream (%s), memory bounded', async (_, chunkSize) => {
    const piece = randomBytes(1 << 20);
    const src = streamingSource(piece, 20);
    const dst = countingTarget(src.state);
    const [srcHost, dstHost] = [await listen(src.server), await listen(dst.server)];
    const [a, b] = [
      new RegistryClient({ host: srcHost, tlsVerify: false }),
      new RegistryClient({ host: dstHost, tlsVerify: false }, chunkSize ? { chunkSize } : {}),
    ];
    cleanup.push(
      () => (a.close(), b.close()),
      () => new Promise((r) => src.server.close(() => r())),
      () => new Promise((r) => dst.server.close(() => r())),
    );
    // Bytes the source has sent and the target not yet received: what sits in buffers between them.
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, src.state.sent - dst.seen.bytes)), 1);
    const blob = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: src.digest, size: 20 << 20 };
    await copyBlob(
      { client: a, repo: 't', reference: HASH },
      { client: b, repo: 't', reference: HASH },
      blob,
      emptyStats(),
    );
    clearInterval(sampler);
    expect(dst.seen.bytes).toBe(20 << 20);
    // The target had its first byte before the source sent its last, and what sat in between (socket buffers
    // mostly: loopback's hold several MB) never grew to the layer: it was never held whole.
    expect(dst.seen.sourceSentAtFirstByte).toBeLessThan(16 << 20);
    expect(peak).toBeLessThan(16 << 20);
  });
});
