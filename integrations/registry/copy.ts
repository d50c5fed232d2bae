// Copying an image between repositories, the equivalent of `skopeo copy --all`: an index travels with every child
// manifest (children first, so the registry accepts the index), and only the blobs the target lacks move — mounted
// from the source repository inside one registry, or from a repository of the target that a copy of the same
// session placed it in (the shared base layers of a hash's images), streamed from registry to registry otherwise.
import pLimit, { type LimitFunction } from 'p-limit';
import type { Manifest, RegistryClient } from './client.js';
import { blobsOf, childrenOf, type Descriptor, manifestKind, platformOf } from './media.js';
import { isDigest } from './reference.js';

export interface ImageRef {
  client: RegistryClient;
  repo: string;
  /** A tag or a digest. */
  reference: string;
}

export interface CopyStats {
  /** Manifest PUTs: children of indexes, and one per tag moved. */
  manifests: number;
  blobsCopied: number;
  blobsMounted: number;
  /** Blobs the target already had. */
  blobsSkipped: number;
  /** Bytes streamed (mounts move none). */
  bytes: number;
}

export interface CopyOptions {
  /** More tags to point at the same manifest in the target (e.g. the label next to the full_hash). */
  alsoTag?: string[];
  /** The source manifest when the caller has it already. */
  manifest?: Manifest;
  /** Target tags whose current digest (or null: absent) the caller knows: saves a HEAD each. */
  knownTags?: Record<string, string | null>;
  /** Blobs of one manifest copied at once; default 4. */
  blobConcurrency?: number;
  /** Shared by the copies of one promotion into one target registry (see copySession). */
  session?: CopySession;
}

/**
 * What the copies into one target registry share: where each blob already is (a repository to mount it from), the
 * pushes under way (a second image needing the same base layer waits and mounts it), and a bound on the blob
 * transfers to that host, taken before the source stream opens so no opened stream waits for a socket.
 */
export interface CopySession {
  placed: Map<string, string>;
  pushing: Map<string, Promise<void>>;
  transfers: LimitFunction;
}

export const copySession = (transfers = 8): CopySession => ({
  placed: new Map(),
  pushing: new Map(),
  transfers: pLimit(transfers),
});

export interface CopyResult {
  digest: string;
  mediaType: string;
  /** Platforms of an index's children; [] for a single image. */
  platforms: string[];
  /** Tags that were moved (a tag already at the digest is left alone). */
  tagsMoved: string[];
  stats: CopyStats;
}

export const emptyStats = (): CopyStats => ({
  manifests: 0,
  blobsCopied: 0,
  blobsMounted: 0,
  blobsSkipped: 0,
  bytes: 0,
});

export function addStats(into: CopyStats, more: CopyStats): CopyStats {
  into.manifests += more.manifests;
  into.blobsCopied += more.blobsCopied;
  into.blobsMounted += more.blobsMounted;
  into.blobsSkipped += more.blobsSkipped;
  into.bytes += more.bytes;
  return into;
}

const sameRegistry = (a: RegistryClient, b: RegistryClient) => a === b || a.host === b.host;

/** Copies `src` to `dst` (and alsoTag); a copy within one repository is a retag: manifest PUTs only. */
export async function copyImage(src: ImageRef, dst: ImageRef, opts: CopyOptions = {}): Promise<CopyResult> {
  const m = opts.manifest ?? (await src.client.getManifest(src.repo, src.reference));
  const stats = emptyStats();
  const tags = [...new Set([dst.reference, ...(opts.alsoTag ?? [])])].filter((t) => !isDigest(t));
  const known: Record<string, string | null> = { ...opts.knownTags };
  const sameRepo = sameRegistry(src.client, dst.client) && src.repo === dst.repo;
  // A tag already at the digest proves the content is there (a re-promotion): one request instead of two.
  const first = sameRepo ? undefined : tags.find((t) => !(t in known));
  if (first !== undefined) known[first] = (await dst.client.headManifest(dst.repo, first))?.digest ?? null;
  const present =
    sameRepo ||
    (first !== undefined && known[first] === m.digest) ||
    !!(await dst.client.headManifest(dst.repo, m.digest));
  if (!present) {
    const session = opts.session ?? copySession();
    await copyContent(src, dst, m, stats, opts.blobConcurrency ?? 4, session);
    // The manifest was not in the repository, so no tag can point at it yet.
    for (const t of tags) known[t] ??= null;
    if (tags.length === 0) {
      await dst.client.putManifest(dst.repo, m.digest, m.bytes, m.mediaType);
      stats.manifests++;
    }
  }
  const moved = await Promise.all(
    tags.map(async (tag) => {
      const current = tag in known ? known[tag] : ((await dst.client.headManifest(dst.repo, tag))?.digest ?? null);
      if (current === m.digest) return false;
      await dst.client.putManifest(dst.repo, tag, m.bytes, m.mediaType);
      stats.manifests++;
      return true;
    }),
  );
  const tagsMoved = tags.filter((_, i) => moved[i]);
  const platforms = manifestKind(m.mediaType) === 'index' ? childrenOf(m.parsed).map(platformOf) : [];
  return { digest: m.digest, mediaType: m.mediaType, platforms, tagsMoved, stats };
}

/** Everything `m` needs in the target repository, without `m` itself. */
async function copyContent(
  src: ImageRef,
  dst: ImageRef,
  m: Manifest,
  stats: CopyStats,
  blobConcurrency: number,
  session: CopySession,
) {
  if (manifestKind(m.mediaType) === 'image') {
    await copyBlobs(src, dst, blobsOf(m.parsed), stats, blobConcurrency, session);
    return;
  }
  // One child after another: children of one index may share blobs, and parallel pushes of one blob into one
  // repository race in distribution.
  for (const child of childrenOf(m.parsed)) {
    if (await dst.client.headManifest(dst.repo, child.digest)) continue;
    const cm = await src.client.getManifest(src.repo, child.digest);
    await copyContent(src, dst, cm, stats, blobConcurrency, session);
    await dst.client.putManifest(dst.repo, child.digest, cm.bytes, cm.mediaType);
    stats.manifests++;
  }
}

async function copyBlobs(
  src: ImageRef,
  dst: ImageRef,
  blobs: Descriptor[],
  stats: CopyStats,
  concurrency: number,
  session: CopySession,
) {
  const queue = [...blobs];
  const worker = async () => {
    for (let blob = queue.shift(); blob; blob = queue.shift()) await copyBlob(src, dst, blob, stats, session);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
}

/**
 * Copies one blob unless the target repository has it: mounted when the target registry holds it elsewhere (the
 * source repository inside one registry, or where this session placed it), streamed otherwise.
 */
export async function copyBlob(
  src: ImageRef,
  dst: ImageRef,
  blob: Descriptor,
  stats: CopyStats,
  session: CopySession = copySession(),
): Promise<void> {
  if (await dst.client.blobExists(dst.repo, blob.digest)) {
    session.placed.set(blob.digest, dst.repo);
    stats.blobsSkipped++;
    return;
  }
  // Another image of this session is pushing it into the registry: wait, then mount from there.
  const pending = session.pushing.get(blob.digest);
  if (pending) await pending.catch(() => undefined);
  const from = sameRegistry(src.client, dst.client) ? src.repo : session.placed.get(blob.digest);
  let location: string | undefined;
  if (from !== undefined && from !== dst.repo) {
    const mount = await dst.client.mountBlob(dst.repo, blob.digest, from);
    if (mount.mounted) {
      session.placed.set(blob.digest, dst.repo);
      stats.blobsMounted++;
      return;
    }
    location = mount.location;
  }
  const push = session.transfers(() =>
    dst.client.uploadBlob(dst.repo, blob, () => src.client.openBlob(src.repo, blob.digest), location),
  );
  session.pushing.set(blob.digest, push);
  try {
    await push;
  } finally {
    if (session.pushing.get(blob.digest) === push) session.pushing.delete(blob.digest);
  }
  session.placed.set(blob.digest, dst.repo);
  stats.blobsCopied++;
  stats.bytes += blob.size;
}
