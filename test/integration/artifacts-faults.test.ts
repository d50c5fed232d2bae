// Container activities through faulty proxies in front of the stack's real registries (issue 8 item 21): 20 % of
// requests answered 503 and 5 % of connections reset. Retries per request carry the snapshot, the promotion and the
// verification through in one activity attempt each, and the registries agree at the end. A wrong password still
// fails fast with RegistryUnauthorized.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerActivities, type RegistryRef } from '../../activities/containers.js';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';
import { registryPool } from '../../integrations/registry.js';
import { registryAuthFile } from '../../scripts/sandbox/load.js';
import { OciLayout, skopeoCopyAll } from '../../scripts/sandbox/oci.js';
import { faultyRegistry, type FaultyRegistry } from '../helpers/registry-proxies.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const SOURCE = stack.env.SOURCE_REGISTRY!;
const TARGET = stack.env.TARGET_REGISTRY!;
const env = {
  TARGET_REGISTRY_USERNAME: stack.env.TARGET_REGISTRY_USERNAME!,
  TARGET_REGISTRY_PASSWORD: readFileSync(stack.env.TARGET_REGISTRY_PASSWORD_FILE!, 'utf8').trim(),
};
const hex = (n: number) => randomBytes(n).toString('hex');
const newHash = () => `${hex(20)}_${hex(4)}`;
const IMAGES = Array.from({ length: 11 }, (_, i) => `openstack-faulty-${i}`);
const LABEL = 'current-tripleo';
const work = mkdtempSync(join(tmpdir(), 'regfaults-'));
const pool = registryPool(env);
let proxies: FaultyRegistry[] = [];
let source: RegistryRef;
let target: RegistryRef;
let hashes: [string, string];

beforeAll(async () => {
  const ns = `regfaults-${hex(3)}`;
  hashes = [newHash(), newHash()];
  // Both hashes exist in the source; the label points at the first one in both registries (an earlier promotion).
  const layout = new OciLayout(join(work, 'oci'));
  const copies: [string, string][] = [];
  for (const image of IMAGES) {
    hashes.forEach((h, i) => {
      layout.add(`${image}-${i}`, image, h, ['amd64']);
      copies.push([`oci:${layout.dir}:${image}-${i}`, `docker://${SOURCE}/${ns}-src/${image}:${h}`]);
    });
    copies.push([`oci:${layout.dir}:${image}-0`, `docker://${SOURCE}/${ns}-src/${image}:${LABEL}`]);
    copies.push([`oci:${layout.dir}:${image}-0`, `docker://${TARGET}/${ns}-dst/${image}:${LABEL}`]);
  }
  layout.save();
  await skopeoCopyAll(copies, registryAuthFile(stack.env), 6);
  proxies = await Promise.all(
    [SOURCE, TARGET].map((up, i) => faultyRegistry(up, { errorRate: 0.2, resetRate: 0.05, seed: 20 + i })),
  );
  source = { name: 'source', host: proxies[0]!.host, namespace: `${ns}-src`, tlsVerify: false };
  target = {
    name: 'target',
    host: proxies[1]!.host,
    namespace: `${ns}-dst`,
    tlsVerify: false,
    usernameEnv: 'TARGET_REGISTRY_USERNAME',
    passwordEnv: 'TARGET_REGISTRY_PASSWORD',
  };
});
afterAll(async () => {
  pool.close();
  await Promise.all(proxies.map((p) => p.close()));
  rmSync(work, { recursive: true, force: true });
});

describe('20 % 503 and 5 % resets from both registries', () => {
  it('snapshot, promote and verify complete in one attempt each, twice, and the registries agree', async () => {
    const a = createContainerActivities(pool);
    const registries = [source, target];
    const completed: string[] = [];
    for (const fullHash of [hashes[1], hashes[0]]) {
      const v = await a.verifyContainerImages({ fullHash, images: IMAGES, source });
      const snapshot = await a.containerTagsAt({ label: LABEL, images: IMAGES, registries });
      const p = await a.promoteContainerImages({ fullHash, label: LABEL, images: IMAGES, source, targets: [target] });
      expect(p.previous).toEqual(snapshot);
      const [atLabel, atHash] = await Promise.all([
        a.containerTagsAt({ label: LABEL, images: IMAGES, registries }),
        a.containerTagsAt({ label: fullHash, images: IMAGES, registries }),
      ]);
      expect(atLabel).toEqual(atHash);
      expect(atLabel).toEqual({ source: v.digests, target: v.digests });
      completed.push(fullHash);
    }
    expect(completed).toHaveLength(2);
    const counts = proxies.map((p) => p.counts());
    const faulted = counts.reduce((n, c) => n + c.answered503 + c.reset, 0);
    const requests = counts.reduce((n, c) => n + c.requests, 0);
    const retries = registries.reduce((n, r) => n + pool.registryFor(r).retries(), 0);
    console.log(
      `faulty registries: ${requests} requests, ${faulted} faulted (${counts.map((c) => `${c.answered503} x 503 + ${c.reset} resets`).join(', ')}), ${retries} retried by the client; ${completed.length} of 2 promotions completed`,
    );
    expect(faulted).toBeGreaterThan(requests * 0.15);
    expect(retries).toBeGreaterThanOrEqual(faulted);
  });

  it('a wrong password fails fast with RegistryUnauthorized (a 401 is not retried)', async () => {
    const bad = registryPool({ ...env, TARGET_REGISTRY_PASSWORD: `wrong-${hex(6)}` });
    try {
      const a = createContainerActivities(bad);
      const t0 = Date.now();
      const err = await a
        .promoteContainerImages({ fullHash: hashes[1], label: LABEL, images: IMAGES, source, targets: [target] })
        .catch((e: unknown) => e);
      expect(isPromoterError(err) && err.code).toBe(ErrorCode.RegistryUnauthorized);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      bad.close();
    }
  });
});
