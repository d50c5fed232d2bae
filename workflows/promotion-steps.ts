// The steps of one promotion, each a short call into the activities with the options of its role
// (workflows/activity-proxies.ts). The order and the failure semantics live in promotion.ts.
import { ApplicationFailure } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { ErrorCode } from '../domain/errors.js';
import type { DlrnHash } from '../domain/hash.js';
import {
  containerImages,
  imageServerRef,
  registryRefs,
  type ArtifactKind,
  type ImageServerRef,
  type RegistryRef,
} from '../domain/promotion.js';
import { compensation, containerReads, containers, dlrnCommit, images, reads } from './activity-proxies.js';
import { rootCause } from './promotion-record.js';

/** registry name -> image -> digest (null: no such tag). */
type TagMap = Record<string, Record<string, string | null>>;

export interface Target {
  cfg: ReleaseConfig;
  label: string;
  hash: string;
  dlrnHash: DlrnHash;
  source: RegistryRef;
  targets: RegistryRef[];
  registries: RegistryRef[];
  imageList: string[];
  server: ImageServerRef | null;
  where: { distro: string; release: string };
}

export function targetOf(cfg: ReleaseConfig, label: string, hash: string, dlrnHash: DlrnHash): Target {
  const regs = registryRefs(cfg);
  return {
    cfg,
    label,
    hash,
    dlrnHash,
    source: regs.source,
    targets: regs.targets,
    registries: [regs.source, ...regs.targets],
    imageList: containerImages(cfg),
    server: imageServerRef(cfg),
    where: { distro: cfg.distro, release: cfg.release },
  };
}

/** The artifact kinds this promotion can move (qcow2 needs an image server in the config). */
export const artifactKindsOf = (t: Target, kinds: ArtifactKind[]) =>
  kinds.filter((k) => k === 'containers' || (k === 'images' && t.server !== null));

/** The full_hash the label holds in DLRN now (null: never promoted). */
export async function labelHead(t: Target): Promise<string | null> {
  const heads = await reads.labelHeads({ apiUrl: t.cfg.apiUrl, labels: [t.label], hashKind: t.dlrnHash.kind });
  return heads[0]?.fullHash ?? null;
}

export function labelMoved(t: Target, expected: string | null, actual: string | null): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorCode.LabelMoved,
    nonRetryable: true,
    message: `${t.label} moved from ${expected ?? '(none)'} to ${actual ?? '(none)'} since the decision; stopped`,
  });
}

/** Every artifact of the hash exists; answers the source digest of each image's <full_hash> tag. */
export async function verifyArtifacts(t: Target, kinds: ArtifactKind[]): Promise<Record<string, string>> {
  const [verified] = await Promise.all([
    kinds.includes('containers')
      ? containerReads.verifyContainerImages.executeWithOptions(
          { summary: `check ${t.imageList.length} images tagged ${t.hash} exist` },
          [{ fullHash: t.hash, images: t.imageList, source: t.source }],
        )
      : null,
    kinds.includes('images')
      ? images.verifyQcowImages({ server: t.server!, ...t.where, fullHash: t.hash, images: t.cfg.imageServer!.images })
      : null,
  ]);
  return verified?.digests ?? {};
}

export interface Snapshot {
  tags: TagMap | null;
  links: Record<string, string | null> | null;
}

/** What the label points at now, everywhere: the state compensation puts back. */
export async function snapshot(t: Target, kinds: ArtifactKind[]): Promise<Snapshot> {
  const [tags, links] = await Promise.all([
    kinds.includes('containers')
      ? containerReads.containerTagsAt({ label: t.label, images: t.imageList, registries: t.registries })
      : null,
    kinds.includes('images')
      ? images.qcowLinksAt({ server: t.server!, ...t.where, labels: [t.label, `previous-${t.label}`] })
      : null,
  ]);
  return { tags, links };
}

/** The hash a qcow2 link names: `<hash>`, `./<hash>/` or an absolute path ending in it. */
const linkHash = (target: string | null | undefined) => target?.replace(/\/+$/, '').split('/').pop() ?? null;

/** Kinds whose label already points at the hash everywhere: nothing to move, nothing to undo. */
export function kindsAtHash(t: Target, snap: Snapshot, digests: Record<string, string>): ArtifactKind[] {
  const at: ArtifactKind[] = [];
  if (snap.tags) {
    const all = t.registries.every((r) => t.imageList.every((i) => snap.tags![r.name]?.[i] === digests[i]));
    if (all && t.imageList.every((i) => digests[i] !== undefined)) at.push('containers');
  }
  if (snap.links && linkHash(snap.links[t.label]) === t.hash) at.push('images');
  return at;
}

export async function promoteContainers(t: Target): Promise<string> {
  const r = await containers.promoteContainerImages.executeWithOptions(
    { summary: `tag ${t.imageList.length} images ${t.label}` },
    [{ fullHash: t.hash, label: t.label, images: t.imageList, source: t.source, targets: t.targets }],
  );
  return `${r.images} images (${r.resumed} resumed), ${r.copiedBlobs} blobs copied, ${r.skippedBlobs} skipped`;
}

export async function promoteQcow(t: Target, createPrevious: boolean): Promise<void> {
  await images.promoteQcowImages({ server: t.server!, ...t.where, fullHash: t.hash, label: t.label, createPrevious });
}

export async function checkHold(t: Target): Promise<{ by: string; why: string } | null> {
  const answer = await reads.checkControls({ release: t.cfg.release, distro: t.cfg.distro, label: t.label });
  return answer.hold;
}

/** The DLRN commit with its guard (the label still at expectedCurrent) and, for stages, the hold check. */
export async function commitDlrn(
  t: Target,
  candidateLabel: string,
  createPrevious: boolean,
  expectedCurrent: string | null,
  respectHolds?: boolean,
) {
  return dlrnCommit.commitDlrnLabel.executeWithOptions(dlrnSummary(t), [
    {
      ...dlrnStepInput(t, candidateLabel, createPrevious),
      expectedCurrent,
      ...(respectHolds ? { holdsOf: t.where } : {}),
    },
  ]);
}

/** The DLRN commit of promotions started before the commit guard (see COMMIT_GUARDED_PATCH). */
export async function promoteDlrn(t: Target, candidateLabel: string, createPrevious: boolean) {
  return dlrnCommit.promoteDlrnLabel.executeWithOptions(dlrnSummary(t), [
    dlrnStepInput(t, candidateLabel, createPrevious),
  ]);
}

const dlrnSummary = (t: Target) => ({ summary: `DLRN: ${t.label} → ${t.hash}` });
const dlrnStepInput = (t: Target, candidateLabel: string, createPrevious: boolean) => ({
  apiUrl: t.cfg.apiUrl,
  baseUrl: t.cfg.baseUrl,
  hash: t.dlrnHash,
  candidateLabel,
  label: t.label,
  createPrevious,
});

// ---- compensation ------------------------------------------------------------------------------------------------

export interface Compensation {
  what: string;
  run: () => Promise<unknown>;
}

export const restoreTags = (t: Target, previous: TagMap): Compensation => ({
  what: 'container tags',
  run: () =>
    compensation.restoreContainerTags({
      label: t.label,
      images: t.imageList,
      source: t.source,
      targets: t.targets,
      previous,
    }),
});

export const restoreLinks = (t: Target, links: Record<string, string | null>): Compensation => ({
  what: 'qcow2 links',
  run: () =>
    compensation.restoreQcowLinks({
      server: t.server!,
      ...t.where,
      label: t.label,
      previous: { label: links[t.label] ?? null, previousLabel: links[`previous-${t.label}`] ?? null },
    }),
});

/** How many tags a restore put back, when its result says (restored: registry -> images). */
function restoredCount(result: unknown): number | null {
  const restored = (result as { restored?: unknown } | null)?.restored;
  if (typeof restored !== 'object' || restored === null) return null;
  return Object.values(restored).reduce((n: number, v) => n + (Array.isArray(v) ? v.length : 0), 0);
}

/**
 * Runs every compensation on its own (one that fails for good never skips the others), newest first. What could
 * not be put back comes from the CompensationIncomplete failure's details ({ leftAhead }), or is named as a whole.
 */
export async function compensate(list: Compensation[]): Promise<{ restored: string[]; leftAhead: string[] }> {
  const restored: string[] = [];
  const leftAhead: string[] = [];
  for (const c of [...list].reverse()) {
    try {
      const n = restoredCount(await c.run());
      restored.push(n === null ? c.what : `${c.what} (${n})`);
    } catch (err) {
      const root = rootCause(err);
      const named = (root.details[0] as { leftAhead?: unknown } | undefined)?.leftAhead;
      if (Array.isArray(named) && named.length > 0) leftAhead.push(...named.map(String));
      else leftAhead.push(`${c.what}: not restored (${root.message})`);
    }
  }
  return { restored, leftAhead };
}

// ---- verify ------------------------------------------------------------------------------------------------------

/**
 * After the promotion: DLRN, every registry and the image server agree on the hash. A read that still fails after
 * its retries is a warning (the promotion happened; we could not look), a disagreement is a problem, by name.
 * `dlrnHead`: the label's head as the DLRN step saw it after its POST (undefined: read it).
 */
export async function verifyAll(
  t: Target,
  kinds: ArtifactKind[],
  digests: Record<string, string>,
  dlrnHead?: string | null,
): Promise<{ problems: string[]; unread: string[] }> {
  const problems: string[] = [];
  const unread: string[] = [];
  const look = async (what: string, read: () => Promise<void>) => {
    try {
      await read();
    } catch (err) {
      unread.push(`could not verify ${what}: ${rootCause(err).message}`);
    }
  };
  await Promise.all([
    kinds.includes('dlrn') &&
      look(`DLRN ${t.label}`, async () => {
        const now = dlrnHead !== undefined ? dlrnHead : await labelHead(t);
        if (now !== t.hash) problems.push(`DLRN ${t.label} is ${now ?? '(none)'}`);
      }),
    kinds.includes('containers') &&
      look(`container tags ${t.label}`, async () => {
        const at = await containerReads.containerTagsAt({
          label: t.label,
          images: t.imageList,
          registries: t.registries,
        });
        for (const r of t.registries) {
          for (const image of t.imageList) {
            const digest = at[r.name]?.[image] ?? null;
            if (digest === null || digest !== digests[image]) {
              problems.push(`${r.name}/${image}:${t.label} is ${digest ?? 'missing'}`);
            }
          }
        }
      }),
    kinds.includes('images') &&
      t.server !== null &&
      look(`qcow2 link ${t.label}`, async () => {
        const links = await images.qcowLinksAt({ server: t.server!, ...t.where, labels: [t.label] });
        if (linkHash(links[t.label]) !== t.hash)
          problems.push(`qcow2 link ${t.label} -> ${links[t.label] ?? '(none)'}`);
      }),
  ]);
  return { problems, unread };
}
