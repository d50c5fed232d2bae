// What the container activities share: input checks, per-registry maps, and the bounded parallel loop that stops
// starting work after a failure or a cancel.
import pLimit from 'p-limit';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import type { RegistryRef } from '../domain/promotion.js';
import { abortReason, currentSignal } from '../integrations/abort.js';
import { isRepository, isTag } from '../integrations/registry.js';

export function usage(message: string, context: Record<string, unknown> = {}): PromoterError {
  return new PromoterError(ErrorCode.Usage, message, { context });
}

export function checkInput(tags: Record<string, string>, images: string[], registries: RegistryRef[]): void {
  for (const [what, tag] of Object.entries(tags)) {
    if (!isTag(tag)) throw usage(`${what} ${JSON.stringify(tag)} is not a valid image tag`, { [what]: tag });
  }
  if (images.length === 0) throw usage('no container images to handle');
  for (const image of images) {
    if (!isRepository(image) || image.includes('/')) throw usage(`${JSON.stringify(image)} is not an image name`);
  }
  const names = registries.map((r) => r.name);
  if (new Set(names).size !== names.length) throw usage(`registry names must be distinct: ${names.join(', ')}`);
  for (const r of registries) {
    if (r.namespace !== '' && !isRepository(r.namespace)) {
      throw usage(`registry ${r.name}: ${JSON.stringify(r.namespace)} is not a namespace`);
    }
  }
}

export const push = (map: Record<string, string[]>, key: string, value: string) => (map[key] ??= []).push(value);
export const byRegistry = <T>(refs: RegistryRef[], make: () => T): Record<string, T> =>
  Object.fromEntries(refs.map((r) => [r.name, make()]));

/**
 * Runs fn over items with bounded concurrency; after the first failure or a cancel no new item starts, the running
 * ones are awaited, and the failure is thrown.
 */
export async function forEach<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const limit = pLimit(Math.max(1, concurrency));
  let failure: { err: unknown } | undefined;
  const signal = currentSignal();
  await Promise.all(
    items.map((item) =>
      limit(async () => {
        if (signal?.aborted) {
          failure ??= { err: abortReason(signal) };
          return;
        }
        if (failure) return;
        try {
          await fn(item);
        } catch (err) {
          failure ??= { err };
        }
      }),
    ),
  );
  if (failure) throw failure.err;
}
