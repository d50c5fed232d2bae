// Retries per registry request (issue 8 item 21): transient answers (5xx, 408, 429, resets) cost a short wait for
// that one request, never 401/403/404; Retry-After is honoured and bounded; a failed blob upload restarts in a new
// session. The backoff is table-tested; the client is tested against an in-memory registry over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';
import { RegistryClient, sha256Digest } from '../../integrations/registry.js';
import { backoffMs, DEFAULT_RETRY, retryableStatus, retryAfterMs } from '../../integrations/registry/retry.js';
import { fakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

describe('backoff', () => {
  const policy = { attempts: 6, baseMs: 100, maxMs: 1_000, maxRetryAfterMs: 5_000 };
  it.each([
    // retry, retryAfter, random, expected
    [1, undefined, 1, 100],
    [2, undefined, 1, 200],
    [3, undefined, 0.5, 200],
    [5, undefined, 1, 1_000], // capped
    [9, undefined, 1, 1_000],
    [1, undefined, 0, 0], // full jitter reaches zero
    [1, 3_000, 1, 3_000], // Retry-After longer than the backoff wins
    [5, 200, 1, 1_000], // shorter Retry-After: the backoff still applies
    [1, 6_000, 1, undefined], // asks longer than allowed: not retried
  ])('retry %i, Retry-After %s ms, random %s: %s ms', (retry, after, random, want) => {
    expect(backoffMs(retry, policy, after, () => random)).toBe(want);
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [501, false],
  ])('status %i retryable: %s', (status, want) => expect(retryableStatus(status)).toBe(want));

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-01T22:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 22:00:02 GMT', now)).toBe(2_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 21:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('RegistryClient against a faulty registry', () => {
  let reg: FakeRegistry;
  let client: RegistryClient;
  const fast = { ...DEFAULT_RETRY, baseMs: 10, maxMs: 50 };
  const REPO = 'ns/openstack-nova-api';
  let digest: string;
  beforeAll(async () => {
    reg = await fakeRegistry();
    client = new RegistryClient({ host: reg.host, tlsVerify: false }, { retry: fast, timeoutMs: 2_000 });
    digest = reg.pushImage(REPO, 'h1', 'one');
  });
  afterAll(async () => {
    client.close();
    await reg.close();
  });
  const requestsTo = (path: string) => reg.log.filter((r) => r.path === path);

  it('a HEAD answered 503, 502, then reset, then 200 succeeds on the fourth request', async () => {
    const path = `/v2/${REPO}/manifests/h1`;
    const plan = [{ status: 503 }, { status: 502 }, { reset: true }];
    let i = 0;
    reg.fault = (r) => (r.path === path ? plan[i++] : undefined);
    const before = client.retries();
    expect((await client.headManifest(REPO, 'h1'))?.digest).toBe(digest);
    expect(requestsTo(path).map((r) => r.outcome)).toEqual([503, 502, 'reset', 200]);
    expect(client.retries() - before).toBe(3);
  });

  it.each([401, 403, 404])('a %i is an answer: sent once', async (status) => {
    const path = `/v2/${REPO}/manifests/s${status}`;
    reg.fault = (r) => (r.path === path ? { status } : undefined);
    const err = await client.getManifest(REPO, `s${status}`).catch((e: unknown) => e);
    expect(isPromoterError(err)).toBe(true);
    expect(requestsTo(path)).toHaveLength(1);
  });

  it('gives up after the policy attempts with a retryable RegistryUnavailable', async () => {
    const path = `/v2/${REPO}/manifests/down`;
    reg.fault = (r) => (r.path === path ? { status: 503 } : undefined);
    const err = await client.headManifest(REPO, 'down').catch((e: unknown) => e);
    expect(isPromoterError(err) && err.code).toBe(ErrorCode.RegistryUnavailable);
    expect(requestsTo(path)).toHaveLength(fast.attempts);
  });

  it('honours Retry-After, and does not wait for one beyond the bound', async () => {
    const path = `/v2/${REPO}/manifests/later`;
    let i = 0;
    reg.fault = (r) => (r.path === path && i++ === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : undefined);
    reg.pushImage(REPO, 'later', 'later');
    const t0 = Date.now();
    await client.headManifest(REPO, 'later');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);

    const path2 = `/v2/${REPO}/manifests/much-later`;
    reg.fault = (r) => (r.path === path2 ? { status: 503, headers: { 'Retry-After': '3600' } } : undefined);
    const err = await client.headManifest(REPO, 'much-later').catch((e: unknown) => e);
    expect(isPromoterError(err) && err.code).toBe(ErrorCode.RegistryUnavailable);
    expect(requestsTo(path2)).toHaveLength(1);
  });

  it('a manifest PUT answered 500 is sent again and lands once', async () => {
    const m = await client.getManifest(REPO, 'h1');
    const path = `/v2/${REPO}/manifests/label-put`;
    let i = 0;
    reg.fault = (r) => (r.path === path && i++ === 0 ? { status: 500 } : undefined);
    await client.putManifest(REPO, 'label-put', m.bytes, m.mediaType);
    expect(requestsTo(path).map((r) => r.outcome)).toEqual([500, 201]);
    expect(reg.tagOf(REPO, 'label-put')).toBe(digest);
  });

  it('a blob upload whose PUT is reset restarts in a new upload session', async () => {
    const blob = Buffer.from('a new layer');
    const desc = { mediaType: 'application/octet-stream', digest: sha256Digest(blob), size: blob.length };
    let putFaults = 0;
    reg.fault = (r) =>
      r.method === 'PUT' && r.path.includes('/blobs/uploads/') && putFaults++ === 0 ? { reset: true } : undefined;
    const before = reg.log.length;
    await client.uploadBlob('ns/other', desc, async () => Readable.from([blob]));
    const upload = reg.log.slice(before).map((r) => `${r.method} ${r.outcome}`);
    expect(upload).toEqual(['POST 202', 'PUT reset', 'POST 202', 'PUT 201']);
    expect(await client.blobExists('ns/other', desc.digest)).toBe(true);
  });
});
