import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import { slicesOf } from '../../integrations/registry/client.js';
import { classifyRegistryStatus, httpError, registryMessage } from '../../integrations/registry/errors.js';
import {
  blobsOf,
  childrenOf,
  manifestKind,
  manifestMediaType,
  MediaType,
  parseManifest,
  platformOf,
  sha256Digest,
  type Descriptor,
} from '../../integrations/registry/media.js';

const d = (n: number, over: Partial<Descriptor> = {}): Descriptor => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: n * 10,
  ...over,
});

describe('manifestKind', () => {
  it.each([
    { mediaType: MediaType.ociIndex, expected: 'index' },
    { mediaType: MediaType.dockerList, expected: 'index' },
    { mediaType: MediaType.ociManifest, expected: 'image' },
    { mediaType: MediaType.dockerManifest, expected: 'image' },
    { mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws', expected: null },
    { mediaType: 'application/json', expected: null },
  ])('$mediaType -> $expected', ({ mediaType, expected }) => {
    expect(manifestKind(mediaType)).toBe(expected);
  });
});

describe('manifestMediaType', () => {
  it.each([
    { name: 'header wins', header: MediaType.dockerManifest, parsed: {}, expected: MediaType.dockerManifest },
    {
      name: 'header parameters and case ignored',
      header: 'Application/VND.OCI.image.index.v1+json; charset=utf-8',
      parsed: {},
      expected: MediaType.ociIndex,
    },
    {
      name: 'generic header: body mediaType',
      header: 'application/json',
      parsed: { schemaVersion: 2, mediaType: MediaType.dockerList },
      expected: MediaType.dockerList,
    },
    {
      name: 'no mediaType: an index by shape',
      header: undefined,
      parsed: { schemaVersion: 2, manifests: [] },
      expected: MediaType.ociIndex,
    },
    {
      name: 'no mediaType: an image by shape',
      header: 'application/octet-stream',
      parsed: { schemaVersion: 2, config: d(1), layers: [] },
      expected: MediaType.ociManifest,
    },
    { name: 'schema1', header: undefined, parsed: { schemaVersion: 1 }, expected: null },
    { name: 'unknown body type', header: undefined, parsed: { schemaVersion: 2, mediaType: 'x/y' }, expected: null },
  ])('$name', ({ header, parsed, expected }) => {
    expect(manifestMediaType(header, parsed)).toBe(expected);
  });
});

describe('parseManifest', () => {
  it.each([
    { name: 'not JSON', text: '{', error: 'manifest is not JSON' },
    { name: 'an array', text: '[]', error: 'manifest is not a JSON object' },
    { name: 'bad layers', text: '{"layers":[{"digest":1}]}', error: 'manifest.layers is not a list of descriptors' },
    { name: 'bad manifests', text: '{"manifests":{}}', error: 'manifest.manifests is not a list of descriptors' },
    { name: 'bad config', text: '{"config":"x"}', error: 'manifest.config is not a descriptor' },
  ])('rejects $name', ({ text, error }) => {
    expect(() => parseManifest(Buffer.from(text))).toThrow(error);
  });

  it('keeps the descriptors of a valid index', () => {
    const m = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [d(1), d(2)] };
    expect(parseManifest(Buffer.from(JSON.stringify(m))).manifests).toEqual([d(1), d(2)]);
  });
});

describe('blobsOf and childrenOf', () => {
  it.each([
    { name: 'config then layers', m: { config: d(1), layers: [d(2), d(3)] }, expected: [d(1), d(2), d(3)] },
    { name: 'a digest once', m: { config: d(1), layers: [d(2), d(2)] }, expected: [d(1), d(2)] },
    {
      name: 'foreign layers skipped',
      m: {
        config: d(1),
        layers: [d(2, { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' }), d(3)],
      },
      expected: [d(1), d(3)],
    },
    { name: 'layers with urls skipped', m: { layers: [d(2, { urls: ['https://x/y'] })] }, expected: [] },
    { name: 'nothing', m: {}, expected: [] },
  ])('blobsOf: $name', ({ m, expected }) => {
    expect(blobsOf(m)).toEqual(expected);
  });

  it('childrenOf lists each child once', () => {
    expect(childrenOf({ manifests: [d(1), d(2), d(1)] })).toEqual([d(1), d(2)]);
  });

  it.each([
    { platform: undefined, expected: 'unknown' },
    { platform: { architecture: 'amd64', os: 'linux' }, expected: 'amd64' },
    { platform: { architecture: 'arm64', os: 'linux', variant: 'v8' }, expected: 'arm64/v8' },
  ])('platformOf $expected', ({ platform, expected }) => {
    expect(platformOf(d(1, { platform }))).toBe(expected);
  });
});

describe('sha256Digest', () => {
  it('is the digest of the exact bytes', () => {
    expect(sha256Digest(Buffer.from(''))).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(sha256Digest(Buffer.from('{"a":1}'))).not.toBe(sha256Digest(Buffer.from('{"a": 1}')));
  });
});

describe('slicesOf', () => {
  it.each([
    { name: 'exact multiple', input: ['abcd', 'efgh'], size: 4, expected: ['abcd', 'efgh'] },
    { name: 'small pieces joined', input: ['a', 'b', 'c', 'd', 'e'], size: 2, expected: ['ab', 'cd', 'e'] },
    { name: 'big piece split', input: ['abcdefghij'], size: 3, expected: ['abc', 'def', 'ghi', 'j'] },
    { name: 'empty', input: [], size: 3, expected: [] },
  ])('$name', async ({ input, size, expected }) => {
    const total = input.join('').length;
    const out: string[] = [];
    for (const s of slicesOf(Readable.from(input.map((x) => Buffer.from(x))), total, size)) {
      const parts: Buffer[] = [];
      for await (const c of s.body) parts.push(c as Buffer);
      expect(Buffer.concat(parts).length).toBe(s.length);
      out.push(Buffer.concat(parts).toString());
    }
    expect(out).toEqual(expected);
  });

  it('a stream shorter than announced fails its slice', async () => {
    const [first] = slicesOf(Readable.from([Buffer.from('ab')]), 4, 4);
    await expect(async () => {
      for await (const _ of first!.body) void _;
    }).rejects.toThrow('2 bytes short');
  });
});

describe('registry errors', () => {
  it.each([
    { status: 401, code: ErrorCode.RegistryUnauthorized, retryable: false },
    { status: 403, code: ErrorCode.RegistryUnauthorized, retryable: false },
    { status: 429, code: ErrorCode.RegistryUnavailable, retryable: true },
    { status: 408, code: ErrorCode.RegistryUnavailable, retryable: true },
    { status: 500, code: ErrorCode.RegistryUnavailable, retryable: true },
    { status: 503, code: ErrorCode.RegistryUnavailable, retryable: true },
    { status: 400, code: ErrorCode.RegistryRejected, retryable: false },
    { status: 405, code: ErrorCode.RegistryRejected, retryable: false },
  ])('$status -> $code', ({ status, code, retryable }) => {
    expect(classifyRegistryStatus(status)).toBe(code);
    const err = httpError({ host: 'h:1', method: 'PUT', path: '/v2/a/manifests/t', what: 'manifest a:t' }, status, '');
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toBe(`registry h:1: PUT manifest a:t: ${status} ${STATUS_CODES[status]}`);
  });

  it.each([
    {
      name: 'distribution errors',
      body: '{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:x"}]}',
      expected: 'MANIFEST_BLOB_UNKNOWN: blob unknown to registry',
    },
    {
      name: 'several errors',
      body: '{"errors":[{"code":"A","message":"a"},{"code":"B"}]}',
      expected: 'A: a; B',
    },
    { name: 'html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>', expected: '502 Bad Gateway' },
    { name: 'empty', body: '', expected: '' },
  ])('registryMessage: $name', ({ body, expected }) => {
    expect(registryMessage(body)).toBe(expected);
  });
});
