// Container activities: the images of a hash are tagged <full_hash> in the source registry; promoting moves the
// label there too (a manifest PUT of the exact bytes) and copies both tags to every target registry, multi-arch
// indexes included, moving only the blobs a target lacks. Each image's previous label digest is recorded before
// anything moves, so a saga can put the labels back; progress goes out as heartbeat details after every image, so
// a retried attempt resumes where the last one stopped and still returns the complete record.
//
// "previous" maps registry name -> image -> digest the label pointed at (null: the label did not exist). An image
// missing from a registry's map is unknown: the label already pointed at this full_hash when we first looked (a
// rerun of a finished promotion without heartbeat details, or the label was there already); it is listed in
// previousUnknown and restore leaves it alone.
import { z } from 'zod';
import { ErrorCode, isPromoterError, PromoterError } from '../domain/errors.js';
import type { RegistryRef } from '../domain/promotion.js';
import {
  addStats,
  copyImage,
  copySession,
  emptyStats,
  repositoryOf,
  type RegistryClient,
} from '../integrations/registry.js';
import { byRegistry, checkInput, forEach, push, usage } from './container-common.js';
import { restoreTags, type RestoreTagsInput, type RestoreTagsResult } from './container-restore.js';
import { activityContext, heartbeating } from './heartbeat.js';
import { observeContainers } from './metrics.js';

export type { RegistryRef };

/** registry name -> image -> digest (null: no such tag). */
export type TagMap = Record<string, Record<string, string | null>>;

export interface ContainerDeps {
  registryFor(ref: RegistryRef): RegistryClient;
}

export interface VerifyImagesInput {
  fullHash: string;
  /** Full image names, prefix included: openstack-nova-api. */
  images: string[];
  source: RegistryRef;
  concurrency?: number;
}

export interface VerifyImagesResult {
  images: number;
  /** image -> digest of <full_hash>. */
  digests: Record<string, string>;
}

export interface PromoteImagesInput {
  fullHash: string;
  label: string;
  images: string[];
  source: RegistryRef;
  targets: RegistryRef[];
  /** Images in flight at once; default 8. */
  concurrency?: number;
}

export interface PromoteImagesResult {
  /** Images promoted, those finished by an earlier attempt included. */
  images: number;
  /** Images an earlier attempt finished (from heartbeat details): not touched again, still reported. */
  resumed: number;
  /** Source labels moved by this attempt. */
  retagged: number;
  /** Target manifest PUTs by this attempt (index children and tags). */
  copiedManifests: number;
  /** Blobs streamed to a target by this attempt. */
  copiedBlobs: number;
  /** Blobs mounted from another repository of the same registry. */
  mountedBlobs: number;
  /** Blobs a target already had. */
  skippedBlobs: number;
  bytes: number;
  /** image -> digest of <full_hash> (what <label> points at now everywhere). */
  digests: Record<string, string>;
  previous: TagMap;
  /** registry name -> images whose previous label digest is unknown (see the header). */
  previousUnknown: Record<string, string[]>;
}

export type { RestoreTagsInput, RestoreTagsResult };

export interface TagsAtInput {
  label: string;
  images: string[];
  registries: RegistryRef[];
  concurrency?: number;
}

/** What a promote attempt heartbeats: enough for the next attempt to skip finished images and keep the record. */
const ProgressSchema = z.object({
  fullHash: z.string(),
  label: z.string(),
  done: z.array(z.string()),
  digests: z.record(z.string(), z.string()),
  previous: z.record(z.string(), z.record(z.string(), z.string().nullable())),
  unknown: z.record(z.string(), z.array(z.string())),
  /** For the CLI's progress line: images of the promotion, and bytes streamed to targets so far (all attempts). */
  total: z.number().optional(),
  bytes: z.number().optional(),
});
export type PromoteProgress = z.infer<typeof ProgressSchema>;

export function createContainerActivities(deps: ContainerDeps) {
  /**
   * What read finds for each image's <full_hash> in the source (a HEAD's digest, or the manifest a promotion needs
   * anyway); missing ones fail the whole call before anything is tagged.
   */
  async function fromSource<T>(
    fullHash: string,
    images: string[],
    source: RegistryRef,
    concurrency: number,
    read: (client: RegistryClient, repo: string) => Promise<T | null>,
  ): Promise<Record<string, T>> {
    const client = deps.registryFor(source);
    const found: Record<string, T> = {};
    const missing: string[] = [];
    await forEach(images, concurrency, async (image) => {
      const value = await read(client, repositoryOf(source.namespace, image));
      if (value !== null) found[image] = value;
      else missing.push(image);
    });
    if (missing.length > 0) {
      missing.sort();
      const shown = missing.slice(0, 20).join(', ') + (missing.length > 20 ? `, … (${missing.length - 20} more)` : '');
      throw new PromoterError(
        ErrorCode.ImagesMissing,
        `${missing.length} of ${images.length} images have no tag ${fullHash} in ${source.host}/${source.namespace}: ${shown}`,
        {
          context: { registry: source.name, host: source.host, namespace: source.namespace, fullHash, missing },
          suggestion: 'the container build for this hash is incomplete: wait for it, or fix the image list',
        },
      );
    }
    return found;
  }

  async function tagsAt({ label, images, registries, concurrency = 16 }: TagsAtInput): Promise<TagMap> {
    checkInput({ label }, images, registries);
    const result: TagMap = byRegistry(registries, () => ({}));
    const pairs = registries.flatMap((r) => images.map((image) => [r, image] as const));
    let checked = 0;
    return heartbeating(
      () => ({ checked, of: pairs.length }),
      async () => {
        await forEach(pairs, concurrency, async ([r, image]) => {
          const head = await deps.registryFor(r).headManifest(repositoryOf(r.namespace, image), label);
          result[r.name]![image] = head?.digest ?? null;
          checked++;
        });
        return result;
      },
    );
  }

  return {
    /** Every image exists as <source>/<namespace>/<image>:<full_hash>; else ImagesMissing listing the missing ones. */
    async verifyContainerImages({
      fullHash,
      images,
      source,
      concurrency = 16,
    }: VerifyImagesInput): Promise<VerifyImagesResult> {
      checkInput({ fullHash }, images, [source]);
      const digests = await heartbeating(
        () => ({ verifying: images.length }),
        () =>
          fromSource(fullHash, images, source, concurrency, async (c, repo) => {
            const head = await c.headManifest(repo, fullHash);
            return head?.digest ?? null;
          }),
      );
      return { images: images.length, digests };
    },

    /** Retags <full_hash> as <label> in the source and copies both tags to every target (see the header). */
    async promoteContainerImages(input: PromoteImagesInput): Promise<PromoteImagesResult> {
      const { fullHash, label, images, source, targets, concurrency = 8 } = input;
      const registries = [source, ...targets];
      checkInput({ fullHash, label }, images, registries);
      if (fullHash === label) throw usage('the label must differ from the full_hash');
      const ctx = activityContext();

      const earlier = ProgressSchema.safeParse(ctx?.info.heartbeatDetails);
      const resumed = earlier.success && earlier.data.fullHash === fullHash && earlier.data.label === label;
      const progress: PromoteProgress = resumed
        ? earlier.data
        : { fullHash, label, done: [], digests: {}, previous: {}, unknown: {} };
      for (const r of registries) {
        progress.previous[r.name] ??= {};
        progress.unknown[r.name] ??= [];
      }
      const wanted = new Set(images);
      progress.done = progress.done.filter((i) => wanted.has(i));
      const done = new Set(progress.done);
      const todo = images.filter((i) => !done.has(i));
      const src = deps.registryFor(source);
      const stats = emptyStats();
      const bytesBefore = progress.bytes ?? 0;
      // Per target registry: where each blob went, so the next image mounts the shared base layers.
      const sessions = targets.map(() => copySession());
      let retagged = 0;

      await heartbeating(
        () => ({ ...progress, total: images.length, bytes: bytesBefore + stats.bytes }),
        async (beat) => {
          // Before any tag moves: every image exists, and every registry accepts our credentials for pushing.
          if (todo.length === 0) return;
          const manifests = await fromSource(fullHash, todo, source, 16, (c, repo) =>
            c.getManifest(repo, fullHash).catch((err: unknown) => {
              if (isPromoterError(err) && err.code === ErrorCode.ImagesMissing) return null;
              throw err;
            }),
          );
          for (const r of registries) await deps.registryFor(r).checkAuth(repositoryOf(r.namespace, todo[0]!));
          await forEach(todo, concurrency, async (image) => {
            const srcRepo = repositoryOf(source.namespace, image);
            const manifest = manifests[image]!;
            const where = registries.map((r) => ({
              r,
              client: deps.registryFor(r),
              repo: repositoryOf(r.namespace, image),
            }));
            const now = await Promise.all(where.map((w) => w.client.headManifest(w.repo, label)));
            where.forEach(({ r }, i) => {
              const current = now[i]?.digest ?? null;
              if (progress.previous[r.name]![image] !== undefined || progress.unknown[r.name]!.includes(image)) return;
              if (current === manifest.digest) push(progress.unknown, r.name, image);
              else progress.previous[r.name]![image] = current;
            });
            beat(); // the previous digests are recorded before anything moves

            if (now[0]?.digest !== manifest.digest) {
              await src.putManifest(srcRepo, label, manifest.bytes, manifest.mediaType);
              retagged++;
            }
            await Promise.all(
              where.slice(1).map(async ({ client, repo }, i) => {
                const r = await copyImage(
                  { client: src, repo: srcRepo, reference: fullHash },
                  { client, repo, reference: fullHash },
                  {
                    alsoTag: [label],
                    manifest,
                    knownTags: { [label]: now[i + 1]?.digest ?? null },
                    session: sessions[i],
                  },
                );
                addStats(stats, r.stats);
              }),
            );
            progress.digests[image] = manifest.digest;
            progress.done.push(image);
            beat();
          });
        },
      );

      observeContainers(label, todo.length, stats.bytes);
      const order = (list: string[]) => images.filter((i) => list.includes(i));
      return {
        images: images.length,
        resumed: images.length - todo.length,
        retagged,
        copiedManifests: stats.manifests,
        copiedBlobs: stats.blobsCopied,
        mountedBlobs: stats.blobsMounted,
        skippedBlobs: stats.blobsSkipped,
        bytes: stats.bytes,
        digests: Object.fromEntries(images.map((i) => [i, progress.digests[i]!])),
        previous: Object.fromEntries(
          registries.map((r) => [
            r.name,
            Object.fromEntries(
              images.filter((i) => i in progress.previous[r.name]!).map((i) => [i, progress.previous[r.name]![i]!]),
            ),
          ]),
        ),
        previousUnknown: Object.fromEntries(registries.map((r) => [r.name, order(progress.unknown[r.name]!)])),
      };
    },

    /** Compensation: puts <label> back to the recorded digest in every registry (container-restore.ts). */
    async restoreContainerTags(input: RestoreTagsInput): Promise<RestoreTagsResult> {
      return restoreTags(deps, input);
    },

    /** Read-only: the digest <label> points at for each image in each registry (null: no such tag). */
    async containerTagsAt(input: TagsAtInput): Promise<TagMap> {
      return tagsAt(input);
    },
  };
}

export type ContainerActivities = ReturnType<typeof createContainerActivities>;
