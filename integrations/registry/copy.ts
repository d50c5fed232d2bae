// Copying an image between repositories, the equivalent of `skopeo copy --all`: an index travels with every child
// manifest (children first, so the registry accepts the index), and only the blobs the target lacks move — mounted
// from the source repository inside one registry, streamed from registry to registry otherwise.
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
}

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
  if (!sameRepo && !(await dst.client.headManifest(dst.repo, m.digest))) {
    await copyContent(src, dst, m, stats, opts.blobConcurrency ?? 4);
    // The manifest was not in the repository, so no tag can point at it yet.
    for (const t of tags) known[t] ??= null;
    if (tags.length === 0) {
      await dst.client.putManifest(dst.repo, m.digest, m.bytes, m.mediaType);
      stats.manifests++;
    }
  }
  const tagsMoved: string[] = [];
  for (const tag of tags) {
    const current = tag in known ? known[tag] : ((await dst.client.headManifest(dst.repo, tag))?.digest ?? null);
    if (current === m.digest) continue;
    await dst.client.putManifest(dst.repo, tag, m.bytes, m.mediaType);
    stats.manifests++;
    tagsMoved.push(tag);
  }
  const platforms = manifestKind(m.mediaType) === 'index' ? childrenOf(m.parsed).map(platformOf) : [];
  return { digest: m.digest, mediaType: m.mediaType, platforms, tagsMoved, stats };
}

/** Everything `m` needs in the target repository, without `m` itself. */
async function copyContent(src: ImageRef, dst: ImageRef, m: Manifest, stats: CopyStats, blobConcurrency: number) {
  if (manifestKind(m.mediaType) === 'image') {
    await copyBlobs(src, dst, blobsOf(m.parsed), stats, blobConcurrency);
    return;
  }
  // One child after another: children of one index may share blobs, and parallel pushes of one blob into one
  // repository race in distribution.
  for (const child of childrenOf(m.parsed)) {
    if (await dst.client.headManifest(dst.repo, child.digest)) continue;
    const cm = await src.client.getManifest(src.repo, child.digest);
    await copyContent(src, dst, cm, stats, blobConcurrency);
    await dst.client.putManifest(dst.repo, child.digest, cm.bytes, cm.mediaType);
    stats.manifests++;
  }
}

async function copyBlobs(src: ImageRef, dst: ImageRef, blobs: Descriptor[], stats: CopyStats, concurrency: number) {
  const queue = [...blobs];
  const worker = async () => {
    for (let blob = queue.shift(); blob; blob = queue.shift()) await copyBlob(src, dst, blob, stats);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
}

/** Copies one blob unless the target repository has it. */
export async function copyBlob(src: ImageRef, dst: ImageRef, blob: Descriptor, stats: CopyStats): Promise<void> {
  if (await dst.client.blobExists(dst.repo, blob.digest)) {
    stats.blobsSkipped++;
    return;
  }
  let location: string | undefined;
  if (sameRegistry(src.client, dst.client)) {
    const mount = await dst.client.mountBlob(dst.repo, blob.digest, src.repo);
    if (mount.mounted) {
      stats.blobsMounted++;
      return;
    }
    location = mount.location;
  }
  await dst.client.uploadBlob(dst.repo, blob, () => src.client.openBlob(src.repo, blob.digest), location);
  stats.blobsCopied++;
  stats.bytes += blob.size;
}
