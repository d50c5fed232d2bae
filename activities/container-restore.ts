// Compensation of a container promotion: every (registry, image) label is put back on its own: to the digest
// recorded before the promotion, or removed when it did not exist. One failure never skips the rest; what could
// not be put back is thrown as a retryable CompensationIncomplete naming each tag left ahead. Settled tags go out
// as heartbeat details, so a retried attempt redoes only what is still open.
import { z } from 'zod';
import { isPromoterError } from '../domain/errors.js';
import type { RegistryRef } from '../domain/promotion.js';
import { currentSignal } from '../integrations/abort.js';
import { repositoryOf, type RegistryClient } from '../integrations/registry.js';
import { compensationIncomplete } from './compensation.js';
import { byRegistry, checkInput, forEach, push } from './container-common.js';
import { activityContext, heartbeating } from './heartbeat.js';

export interface RestoreTagsInput {
  label: string;
  images: string[];
  source: RegistryRef;
  targets: RegistryRef[];
  /** registry name -> image -> digest <label> pointed at before (null: absent); from promoteContainerImages. */
  previous: Record<string, Record<string, string | null>>;
  concurrency?: number;
}

export interface RestoreTagsResult {
  /** Labels put back to their previous digest. */
  restored: Record<string, string[]>;
  /** Labels that did not exist before, deleted. */
  removed: Record<string, string[]>;
  /** Already at the previous digest, or absent as before. */
  unchanged: Record<string, string[]>;
  /** No previous digest recorded: left alone. */
  unknown: Record<string, string[]>;
}

type Settled = 'restored' | 'removed' | 'unchanged';
const ProgressSchema = z.object({
  label: z.string(),
  settled: z.record(z.string(), z.enum(['restored', 'removed', 'unchanged'])),
});

export async function restoreTags(
  deps: { registryFor(ref: RegistryRef): RegistryClient },
  input: RestoreTagsInput,
): Promise<RestoreTagsResult> {
  const { label, images, source, targets, previous, concurrency = 8 } = input;
  const registries = [source, ...targets];
  checkInput({ label }, images, registries);
  const earlier = ProgressSchema.safeParse(activityContext()?.info.heartbeatDetails);
  const progress = earlier.success && earlier.data.label === label ? earlier.data : { label, settled: {} };
  const settled: Record<string, Settled> = progress.settled;
  const key = (r: RegistryRef, image: string) => `${r.name}/${image}`;
  const unknown = byRegistry(registries, (): string[] => []);
  const leftAhead: { entry: string; reason: string; permanent: boolean }[] = [];

  /** One label back where it was; undefined (and an entry in leftAhead) when that failed. Only a cancel throws. */
  const restoreOne = async (r: RegistryRef, image: string): Promise<Settled | undefined> => {
    const want = previous[r.name]![image]!;
    const client = deps.registryFor(r);
    const repo = repositoryOf(r.namespace, image);
    const where = `${r.host}/${repo}:${label}`;
    let now: string | null | undefined;
    try {
      now = (await client.headManifest(repo, label))?.digest ?? null;
      if (now === want) return 'unchanged';
      if (want === null) {
        if ((await client.deleteTag(repo, label)) !== 'unsupported') return 'removed';
        const reason = `${where}: the label did not exist before, and ${r.host} cannot delete a tag`;
        leftAhead.push({ entry: `${where} -> ${now}`, reason, permanent: true });
        return undefined;
      }
      const m = await client.getManifest(repo, want);
      await client.putManifest(repo, label, m.bytes, m.mediaType);
      return 'restored';
    } catch (err) {
      if (currentSignal()?.aborted) throw err;
      const permanent = isPromoterError(err) && !err.retryable;
      const reason = err instanceof Error ? err.message : String(err);
      leftAhead.push({ entry: `${where} -> ${now ?? '(unknown)'}`, reason, permanent });
      return undefined;
    }
  };

  await heartbeating(
    () => progress,
    (beat) =>
      forEach(
        registries.flatMap((r) => images.map((image) => [r, image] as const)),
        concurrency,
        async ([r, image]) => {
          if (previous[r.name]?.[image] === undefined) return void push(unknown, r.name, image);
          if (settled[key(r, image)]) return;
          const done = await restoreOne(r, image);
          if (done) settled[key(r, image)] = done;
          beat();
        },
      ),
  );

  if (leftAhead.length > 0) {
    leftAhead.sort((a, b) => a.entry.localeCompare(b.entry));
    throw compensationIncomplete(`restore of container label ${label}`, {
      leftAhead: leftAhead.map((l) => l.entry),
      unrestorable: leftAhead.filter((l) => l.permanent).map((l) => l.entry),
      reasons: leftAhead.map((l) => l.reason),
    });
  }
  const lists = (kind: Settled) =>
    Object.fromEntries(registries.map((r) => [r.name, images.filter((i) => settled[key(r, i)] === kind)])) as Record<
      string,
      string[]
    >;
  return { restored: lists('restored'), removed: lists('removed'), unchanged: lists('unchanged'), unknown };
}
