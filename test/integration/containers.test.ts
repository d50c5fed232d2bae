// Container activities against the stack's two real registries (distribution 2.8): the source without auth, the
// target with htpasswd Basic auth, and a Bearer token proxy like quay.io's. Every test pushes fresh images under
// its own regtest-* namespaces, so the sandbox's tags stay as they are.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContainerActivities,
  type PromoteImagesResult,
  type PromoteProgress,
  type RegistryRef,
} from '../../activities/containers.js';
import { COMPENSATION_INCOMPLETE, type CompensationIncompleteDetails } from '../../activities/compensation.js';
import { toFailure } from '../../activities/failure.js';
import { copyImage, MediaType, registryPool, RegistryClient, sha256Digest } from '../../integrations/registry.js';
import { ErrorCode, isPromoterError, type PromoterError } from '../../domain/errors.js';
import { registryAuthFile } from '../../scripts/sandbox/load.js';
import { OciLayout, skopeoCopyAll } from '../../scripts/sandbox/oci.js';
import { bearerRegistry, tlsRegistry } from '../helpers/registry-proxies.js';
import { testStack } from '../helpers/stack.js';

const stack = testStack();
const SOURCE = stack.env.SOURCE_REGISTRY!;
const TARGET = stack.env.TARGET_REGISTRY!;
const USER = stack.env.TARGET_REGISTRY_USERNAME!;
const PASSWORD = readFileSync(stack.env.TARGET_REGISTRY_PASSWORD_FILE!, 'utf8').trim();
const credentialsEnv = {
  TARGET_REGISTRY_USERNAME: USER,
  TARGET_REGISTRY_PASSWORD_FILE: stack.env.TARGET_REGISTRY_PASSWORD_FILE,
};
const pool = registryPool(credentialsEnv);
const activities = createContainerActivities(pool);
const LABEL = 'current-tripleo';
const NAMES = ['nova-api', 'nova-compute', 'keystone', 'glance-api', 'horizon'];
const IMAGES = NAMES.map((n) => `openstack-${n}`);
const MULTI_ARCH = 'openstack-nova-compute';
const RUN = randomBytes(3).toString('hex');
const hex = (n: number) => randomBytes(n).toString('hex');
const newHash = () => `${hex(20)}_${hex(4)}`;
const work = mkdtempSync(join(tmpdir(), 'regtest-'));
let authfile: string;

interface ImageSet {
  source: RegistryRef;
  target: RegistryRef;
  fullHash: string;
  oldHash: string;
  input: { fullHash: string; label: string; images: string[]; source: RegistryRef; target: RegistryRef };
}

/**
 * Pushes a fresh image set: every image tagged <full_hash> in the source; the first four also have an older hash
 * that <label> points at in both registries (what an earlier promotion left), the fifth has no label yet.
 */
async function imageSet(name: string): Promise<ImageSet> {
  const ns = `regtest-${RUN}-${name}`;
  const source: RegistryRef = { name: 'source', host: SOURCE, namespace: `${ns}-src`, tlsVerify: false };
  const target: RegistryRef = {
    name: 'target',
    host: TARGET,
    namespace: `${ns}-dst`,
    tlsVerify: false,
    usernameEnv: 'TARGET_REGISTRY_USERNAME',
    passwordEnv: 'TARGET_REGISTRY_PASSWORD',
  };
  const [fullHash, oldHash] = [newHash(), newHash()];
  const layout = new OciLayout(join(work, name));
  const pushes: [string, string][] = [];
  IMAGES.forEach((image, i) => {
    const arches = image === MULTI_ARCH ? ['amd64', 'ppc64le'] : ['amd64'];
    layout.add(`${image}-new`, image, fullHash, arches);
    const copies = [[`${image}-new`, `${SOURCE}/${source.namespace}/${image}:${fullHash}`]];
    if (i < 4) {
      layout.add(`${image}-old`, image, oldHash, arches);
      for (const reg of [`${SOURCE}/${source.namespace}`, `${TARGET}/${target.namespace}`]) {
        for (const tag of [oldHash, LABEL]) copies.push([`${image}-old`, `${reg}/${image}:${tag}`]);
      }
    }
    pushes.push(...copies.map(([ref, to]): [string, string] => [`oci:${layout.dir}:${ref}`, `docker://${to}`]));
  });
  layout.save();
  await skopeoCopyAll(pushes, authfile, 6);
  return { source, target, fullHash, oldHash, input: { fullHash, label: LABEL, images: IMAGES, source, target } };
}

const promoteInput = (s: ImageSet) => ({
  fullHash: s.fullHash,
  label: LABEL,
  images: IMAGES,
  source: s.source,
  targets: [s.target],
});
const tagsAt = (s: ImageSet, label: string) =>
  activities.containerTagsAt({ label, images: IMAGES, registries: [s.source, s.target] });

/** Runs promote inside a mock activity context, with heartbeat details from "an earlier attempt"; keeps the beats. */
async function promoteInActivity(s: ImageSet, heartbeatDetails?: PromoteProgress) {
  const env = new MockActivityEnvironment({ heartbeatDetails });
  const beats: PromoteProgress[] = [];
  env.on('heartbeat', (d: PromoteProgress) => beats.push(structuredClone(d)));
  const result = (await env.run(activities.promoteContainerImages, promoteInput(s))) as PromoteImagesResult;
  return { result, beats };
}

async function caught(p: Promise<unknown>): Promise<PromoterError> {
  try {
    await p;
  } catch (err) {
    if (isPromoterError(err)) return err;
    throw err;
  }
  throw new Error('expected a PromoterError');
}

beforeAll(() => {
  authfile = registryAuthFile(stack.env);
});
afterAll(() => {
  pool.close();
  rmSync(work, { recursive: true, force: true });
});

describe('promote a fresh image set to a label', () => {
  let s: ImageSet;
  let before: Awaited<ReturnType<typeof tagsAt>>;
  let first: Awaited<ReturnType<typeof promoteInActivity>>;

  beforeAll(async () => {
    s = await imageSet('main');
    before = await tagsAt(s, LABEL);
    first = await promoteInActivity(s);
  });

  it('verifies the images first and knows their digests', async () => {
    const v = await activities.verifyContainerImages({ fullHash: s.fullHash, images: IMAGES, source: s.source });
    expect(v.images).toBe(5);
    expect(v.digests).toEqual(first.result.digests);
  });

  it('records what the label pointed at before, per registry', () => {
    expect(Object.values(before.source!).filter((d) => d === null)).toHaveLength(1);
    expect(first.result.previous).toEqual(before);
    expect(first.result.previousUnknown).toEqual({ source: [], target: [] });
    expect(first.result).toMatchObject({ images: 5, resumed: 0, retagged: 5 });
    // index children (2) + two tags per image
    expect(first.result.copiedManifests).toBe(2 + 5 * 2);
    expect(first.result.copiedBlobs).toBe(2 * 6);
  });

  it('leaves label and full_hash at the same digest in source and target', async () => {
    const [atLabel, atHash] = await Promise.all([tagsAt(s, LABEL), tagsAt(s, s.fullHash)]);
    expect(atLabel).toEqual(atHash);
    expect(atLabel.source).toEqual(first.result.digests);
    expect(atLabel.target).toEqual(first.result.digests);
  });

  it('keeps the multi-arch index byte-exact with both platforms', async () => {
    const src = pool.registryFor(s.source);
    const dst = pool.registryFor(s.target);
    const a = await src.getManifest(`${s.source.namespace}/${MULTI_ARCH}`, LABEL);
    const b = await dst.getManifest(`${s.target.namespace}/${MULTI_ARCH}`, LABEL);
    expect(b.mediaType).toBe(MediaType.ociIndex);
    expect(b.bytes.equals(a.bytes)).toBe(true);
    expect(sha256Digest(b.bytes)).toBe(first.result.digests[MULTI_ARCH]);
    expect(b.parsed.manifests!.map((m) => m.platform?.architecture)).toEqual(['amd64', 'ppc64le']);
    for (const child of b.parsed.manifests!) {
      const cm = await dst.getManifest(`${s.target.namespace}/${MULTI_ARCH}`, child.digest);
      for (const blob of [cm.parsed.config!, ...cm.parsed.layers!]) {
        expect(await dst.blobExists(`${s.target.namespace}/${MULTI_ARCH}`, blob.digest)).toBe(true);
      }
    }
  });

  it('heartbeats progress after each image', () => {
    const last = first.beats.at(-1)!;
    expect([...last.done].sort()).toEqual([...IMAGES].sort());
    expect(last.previous).toEqual(before);
    expect(first.beats.length).toBeGreaterThanOrEqual(IMAGES.length);
  });

  it('a retried attempt with the heartbeat details returns the same record and copies nothing', async () => {
    const again = await promoteInActivity(s, first.beats.at(-1));
    expect(again.result).toMatchObject({ images: 5, resumed: 5, retagged: 0, copiedManifests: 0, copiedBlobs: 0 });
    expect(again.result.previous).toEqual(first.result.previous);
    expect(again.result.digests).toEqual(first.result.digests);
  });

  it('a second run without details leaves the tags and reports the previous digests as unknown', async () => {
    const again = await activities.promoteContainerImages(promoteInput(s));
    expect(again).toMatchObject({ images: 5, resumed: 0, retagged: 0, copiedManifests: 0, copiedBlobs: 0 });
    expect(again.previous).toEqual({ source: {}, target: {} });
    expect(again.previousUnknown).toEqual({ source: IMAGES, target: IMAGES });
    expect(await tagsAt(s, LABEL)).toEqual({ source: first.result.digests, target: first.result.digests });
  });

  it('moves only the blobs the target lacks: a next hash sharing layers copies its new config only', async () => {
    const src = pool.registryFor(s.source);
    const repo = `${s.source.namespace}/openstack-keystone`;
    const m = await src.getManifest(repo, s.fullHash);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, next: hex(4) }),
    );
    const desc = { mediaType: m.parsed.config!.mediaType, digest: sha256Digest(config), size: config.length };
    await src.uploadBlob(repo, desc, async () => Readable.from([config]));
    const next = Buffer.from(JSON.stringify({ ...m.parsed, config: desc }));
    const nextHash = newHash();
    await src.putManifest(repo, nextHash, next, m.mediaType);
    const r = await activities.promoteContainerImages({
      ...promoteInput(s),
      fullHash: nextHash,
      images: ['openstack-keystone'],
    });
    expect(r).toMatchObject({ retagged: 1, copiedBlobs: 1, skippedBlobs: 1, copiedManifests: 2 });
    expect(r.previous.target!['openstack-keystone']).toBe(first.result.digests['openstack-keystone']);
  });
});

describe('restore', () => {
  const restoreFailure = async (p: Promise<unknown>) => {
    const err = (await p.catch((e: unknown) => e)) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    // Nothing left is fixable by a retry (the registry cannot delete tags): non-retryable, at once.
    expect(err).toMatchObject({ type: COMPENSATION_INCOMPLETE, nonRetryable: true });
    return err.details![0] as CompensationIncompleteDetails;
  };

  it('puts the previous digests back, names the label it cannot delete as left ahead, and is idempotent', async () => {
    const s = await imageSet('restore');
    const before = await tagsAt(s, LABEL);
    const promoted = await activities.promoteContainerImages(promoteInput(s));
    const restoreInput = {
      label: LABEL,
      images: IMAGES,
      source: s.source,
      targets: [s.target],
      previous: promoted.previous,
    };
    const fifth = IMAGES[4]!;
    // The fifth image had no label before; distribution 2.8 cannot delete a tag, so it stays ahead, and says so.
    const details = await restoreFailure(activities.restoreContainerTags(restoreInput));
    const ahead = [
      `${SOURCE}/${s.source.namespace}/${fifth}:${LABEL} -> ${promoted.digests[fifth]}`,
      `${TARGET}/${s.target.namespace}/${fifth}:${LABEL} -> ${promoted.digests[fifth]}`,
    ].sort();
    expect(details.leftAhead).toEqual(ahead);
    expect(details.unrestorable).toEqual(ahead);
    const after = await tagsAt(s, LABEL);
    for (const reg of ['source', 'target']) {
      for (const image of IMAGES.slice(0, 4)) expect(after[reg]![image]).toBe(before[reg]![image]);
      expect(after[reg]![fifth]).toBe(promoted.digests[fifth]);
    }
    const without = { ...restoreInput, images: IMAGES.slice(0, 4) };
    const again = await activities.restoreContainerTags(without);
    expect(again.restored).toEqual({ source: [], target: [] });
    expect(again.unchanged).toEqual({ source: IMAGES.slice(0, 4), target: IMAGES.slice(0, 4) });
    const partial = await activities.restoreContainerTags({ ...restoreInput, previous: { source: {} } });
    expect(partial.unknown).toEqual({ source: IMAGES, target: IMAGES });
  });
});

describe('failures before anything moves', () => {
  let s: ImageSet;
  let before: Awaited<ReturnType<typeof tagsAt>>;
  beforeAll(async () => {
    s = await imageSet('fail');
    before = await tagsAt(s, LABEL);
  });

  it('a missing image: ImagesMissing, non-retryable, listing it, and no tag touched', async () => {
    const images = [...IMAGES, 'openstack-not-built'];
    const v = await caught(activities.verifyContainerImages({ fullHash: s.fullHash, images, source: s.source }));
    expect(v.code).toBe(ErrorCode.ImagesMissing);
    expect(v.retryable).toBe(false);
    expect(v.message).toContain('openstack-not-built');
    expect(v.context.missing).toEqual(['openstack-not-built']);
    const p = await caught(activities.promoteContainerImages({ ...promoteInput(s), images }));
    expect(p.code).toBe(ErrorCode.ImagesMissing);
    expect(await tagsAt(s, LABEL)).toEqual(before);
  });

  it('a wrong target password: RegistryUnauthorized, non-retryable, without the password, no tag touched', async () => {
    const wrong = `wrong-${hex(8)}`;
    const badPool = registryPool({ TARGET_REGISTRY_USERNAME: USER, TARGET_REGISTRY_PASSWORD: wrong });
    try {
      const err = await caught(createContainerActivities(badPool).promoteContainerImages(promoteInput(s)));
      expect(err.code).toBe(ErrorCode.RegistryUnauthorized);
      expect(err.retryable).toBe(false);
      const failure = toFailure(err) as { nonRetryable: boolean; type: string };
      expect(failure).toMatchObject({ nonRetryable: true, type: ErrorCode.RegistryUnauthorized });
      const text = JSON.stringify({ message: err.message, context: err.context, suggestion: err.suggestion });
      for (const secret of [wrong, PASSWORD, Buffer.from(`${USER}:${wrong}`).toString('base64')]) {
        expect(text).not.toContain(secret);
      }
      expect(await tagsAt(s, LABEL)).toEqual(before);
    } finally {
      badPool.close();
    }
  });
});

describe('resume from heartbeat details', () => {
  it('skips the images an earlier attempt finished and still reports them', async () => {
    const s = await imageSet('resume');
    const before = await tagsAt(s, LABEL);
    const [doneA, doneB] = IMAGES;
    const fake = `sha256:${'0'.repeat(64)}`;
    const details: PromoteProgress = {
      fullHash: s.fullHash,
      label: LABEL,
      done: [doneA!, doneB!],
      digests: { [doneA!]: fake, [doneB!]: fake },
      previous: { source: { [doneA!]: before.source![doneA!]!, [doneB!]: null }, target: { [doneA!]: null } },
      unknown: { source: [], target: [doneB!] },
    };
    const { result, beats } = await promoteInActivity(s, details);
    expect(result).toMatchObject({ images: 5, resumed: 2, retagged: 3 });
    expect(result.copiedManifests).toBe(3 * 2); // the multi-arch image was one of the finished ones
    expect(result.previous.source).toEqual({ ...before.source, [doneB!]: null });
    expect(result.previous.target).toEqual({ ...before.target, [doneA!]: null, [doneB!]: undefined });
    expect(result.previousUnknown).toEqual({ source: [], target: [doneB] });
    expect(result.digests[doneA!]).toBe(fake);
    // Not copied again: the target never got the finished images' <full_hash> (the fake "earlier attempt" did not).
    const atHash = await tagsAt(s, s.fullHash);
    expect(atHash.target![doneA!]).toBeNull();
    expect(atHash.target![IMAGES[2]!]).toBe(result.digests[IMAGES[2]!]);
    expect(beats.at(-1)!.done).toHaveLength(5);
  });
});

describe('Bearer token registries (quay.io style)', () => {
  it('retags and copies through the token flow, one token per scope, and refuses a wrong password', async () => {
    const s = await imageSet('bearer');
    const proxy = await bearerRegistry(SOURCE, 'robot', 'token-pass');
    const client = new RegistryClient({
      host: proxy.host,
      tlsVerify: false,
      username: 'robot',
      password: 'token-pass',
    });
    const dst = pool.registryFor(s.target);
    try {
      const repo = `${s.source.namespace}/${MULTI_ARCH}`;
      const m = await client.getManifest(repo, s.fullHash);
      await copyImage(
        { client, repo, reference: s.fullHash },
        { client, repo, reference: 'bearer-label' },
        { manifest: m },
      );
      const r = await copyImage(
        { client, repo, reference: 'bearer-label' },
        { client: dst, repo: `${s.target.namespace}/bearer-copy`, reference: 'x' },
      );
      expect(r).toMatchObject({ digest: m.digest, platforms: ['amd64', 'ppc64le'], tagsMoved: ['x'] });
      expect(r.stats.blobsCopied).toBe(4);
      expect((await client.headManifest(repo, 'bearer-label'))?.digest).toBe(m.digest);
      // pull, and pull+push: two scopes, two tokens, however many requests.
      expect(proxy.tokenRequests()).toBe(2);

      const bad = new RegistryClient({ host: proxy.host, tlsVerify: false, username: 'robot', password: 'not-it' });
      const err = await caught(bad.getManifest(repo, s.fullHash));
      expect(err.code).toBe(ErrorCode.RegistryUnauthorized);
      expect(err.message).not.toContain('not-it');
      bad.close();
    } finally {
      client.close();
      await proxy.close();
    }
  });
});

describe('TLS (insecure registries)', () => {
  it('tlsVerify false talks https without verification; tlsVerify true refuses the certificate for good', async () => {
    const s = await imageSet('tls');
    const proxy = await tlsRegistry(SOURCE);
    const repo = `${s.source.namespace}/openstack-keystone`;
    const insecure = new RegistryClient({ host: proxy.host, tlsVerify: false });
    const strict = new RegistryClient({ host: proxy.host, tlsVerify: true });
    try {
      const m = await insecure.getManifest(repo, s.fullHash);
      expect(m.digest).toBe((await pool.registryFor(s.source).headManifest(repo, s.fullHash))?.digest);
      expect(proxy.requests()).toBe(2); // the API check and the GET, both over https: no plain-http fallback
      const err = await caught(strict.getManifest(repo, s.fullHash));
      expect(err.code).toBe(ErrorCode.RegistryRejected);
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('TLS certificate refused');
    } finally {
      insecure.close();
      strict.close();
      await proxy.close();
    }
  });

  it('tlsVerify false falls back to plain http when https does not answer', async () => {
    const plain = new RegistryClient({ host: SOURCE, tlsVerify: false });
    try {
      expect(await plain.headManifest('regtest-none/nothing', 'x')).toBeNull();
      const strict = new RegistryClient({ host: SOURCE, tlsVerify: true });
      const err = await caught(strict.headManifest('regtest-none/nothing', 'x'));
      expect(err.code).toBe(ErrorCode.RegistryUnavailable);
      strict.close();
    } finally {
      plain.close();
    }
  });
});
