// Against the stack's real registries (distribution 2.8; the target behind htpasswd): the base layers that a hash's
// images share go up to the target once and are mounted into every other repository, and a re-promotion moves
// no blob at all.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createContainerActivities, type RegistryRef } from '../../activities/containers.js';
import { type Descriptor, registryPool, RegistryClient } from '../../integrations/registry.js';
import { MEDIA } from '../../scripts/sandbox/oci.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const RUN = `regmount-${randomBytes(3).toString('hex')}`;
const IMAGES = ['openstack-nova-api', 'openstack-keystone', 'openstack-glance-api', 'openstack-horizon'];
const HASH = `${randomBytes(20).toString('hex')}_${randomBytes(4).toString('hex')}`;
const source: RegistryRef = { name: 'source', host: stack.env.SOURCE_REGISTRY!, namespace: RUN, tlsVerify: false };
const target: RegistryRef = {
  name: 'target',
  host: stack.env.TARGET_REGISTRY!,
  namespace: `${RUN}-dst`,
  tlsVerify: false,
  usernameEnv: 'TARGET_REGISTRY_USERNAME',
  passwordEnv: 'TARGET_REGISTRY_PASSWORD',
};
const pool = registryPool({
  TARGET_REGISTRY_USERNAME: stack.env.TARGET_REGISTRY_USERNAME,
  TARGET_REGISTRY_PASSWORD: readFileSync(stack.env.TARGET_REGISTRY_PASSWORD_FILE!, 'utf8').trim(),
});
const activities = createContainerActivities(pool);
afterAll(() => pool.close());

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const desc = (mediaType: string, b: Buffer): Descriptor => ({ mediaType, digest: digestOf(b), size: b.length });

/** Pushes the images into the source: two shared 1 MiB base layers, an own layer and a config each. */
async function pushImages(client: RegistryClient): Promise<Descriptor[]> {
  const bases = [randomBytes(1 << 20), randomBytes(1 << 20)];
  for (const image of IMAGES) {
    const repo = `${RUN}/${image}`;
    const own = randomBytes(64 << 10);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', image }));
    const layers = [...bases, own].map((b) => desc(MEDIA.layer, b));
    for (const [b, d] of [
      ...[...bases, own].map((b, i) => [b, layers[i]!] as const),
      [config, desc(MEDIA.config, config)] as const,
    ]) {
      await client.uploadBlob(repo, d, async () => Readable.from([b]));
    }
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.manifest, config: desc(MEDIA.config, config), layers }),
    );
    await client.putManifest(repo, HASH, manifest, MEDIA.manifest);
  }
  return bases.map((b) => desc(MEDIA.layer, b));
}

describe('shared base layers in a real registry', () => {
  it('go up once per target and are mounted into the other repositories; a re-promotion moves none', async () => {
    const bases = await pushImages(pool.registryFor(source));
    const input = { fullHash: HASH, label: 'current-tripleo', images: IMAGES, source, targets: [target] };
    const first = await activities.promoteContainerImages(input);
    // Per image: its own layer and config; the two base layers once.
    expect(first.copiedBlobs).toBe(IMAGES.length * 2 + bases.length);
    expect(first.mountedBlobs).toBe(bases.length * (IMAGES.length - 1));
    expect(first.bytes).toBeLessThan(3 << 20);
    const dst = pool.registryFor(target);
    for (const image of IMAGES) {
      for (const b of bases) expect(await dst.blobExists(`${target.namespace}/${image}`, b.digest)).toBe(true);
      expect((await dst.headManifest(`${target.namespace}/${image}`, 'current-tripleo'))?.digest).toBe(
        first.digests[image],
      );
    }
    const again = await activities.promoteContainerImages({ ...input, label: 'tripleo-ci-testing' });
    expect(again.copiedBlobs + again.mountedBlobs + again.bytes).toBe(0);
    expect(again.copiedManifests).toBe(IMAGES.length);
  });
});
