// A client of the OCI distribution API (what skopeo and docker speak to quay.io and docker-registry): one loopback
// round trip per request on keep-alive sockets instead of one process per copy. Manifests travel as raw bytes so
// their digests never change; blobs stream from registry to registry without touching the disk.
import { Readable } from 'node:stream';
import type { AxiosResponse } from 'axios';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';
import { abortableSleep } from '../abort.js';
import { repoScope } from './challenge.js';
import { networkError, notFound, rejected } from './errors.js';
import {
  baseContentType,
  type Descriptor,
  MANIFEST_ACCEPT,
  manifestMediaType,
  type ParsedManifest,
  parseManifest,
  sha256Digest,
} from './media.js';
import { isDigest } from './reference.js';
import { backoffMs, type RetryPolicy } from './retry.js';
import { type Registry, RegistryTransport } from './transport.js';

export type { Registry } from './transport.js';

export interface RegistryClientOptions {
  /** Per request (socket inactivity for streams); default 60 s. */
  timeoutMs?: number;
  /** Blobs larger than this go up in PATCH chunks of this size; default 64 MiB. */
  chunkSize?: number;
  /** Sockets per scheme; default 16. */
  maxSockets?: number;
  /** Per-request retries of transient failures (retry.ts DEFAULT_RETRY). */
  retry?: Partial<RetryPolicy>;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  /** Exactly what the registry sent: PUT these bytes to keep the digest. */
  bytes: Buffer;
  parsed: ParsedManifest;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

const OCTET = 'application/octet-stream';

/**
 * Cuts a stream of `total` bytes into consecutive streams of `size` bytes (the last one shorter), so chunked uploads
 * never hold a chunk in memory; each slice must be read to its end before the next one is taken.
 */
export function* slicesOf(
  stream: Readable,
  total: number,
  size: number,
): Generator<{ length: number; body: Readable }> {
  const source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let rest: Buffer | undefined;
  async function* take(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      let buf = rest ?? (await source.next()).value;
      rest = undefined;
      if (!buf) throw new Error(`the blob stream ended ${n} bytes short`);
      if (buf.length > n) [buf, rest] = [buf.subarray(0, n), buf.subarray(n)];
      n -= buf.length;
      yield buf;
    }
  }
  for (let offset = 0; offset < total; offset += size) {
    const length = Math.min(size, total - offset);
    yield { length, body: Readable.from(take(length), { objectMode: false }) };
  }
}

export class RegistryClient {
  readonly host: string;
  readonly tlsVerify: boolean;
  readonly chunkSize: number;
  // A plain private field, not #t: callers may wrap the client in a Proxy (tests instrument it that way).
  private readonly t: RegistryTransport;

  constructor(registry: Registry, { chunkSize = 64 << 20, ...transport }: RegistryClientOptions = {}) {
    this.host = registry.host;
    this.tlsVerify = registry.tlsVerify;
    this.chunkSize = chunkSize;
    this.t = new RegistryTransport(registry, transport);
  }

  /** Who we are, for logs: never the password. */
  toJSON(): { host: string; tlsVerify: boolean; username: string | null } {
    return this.t.toJSON();
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.t.close();
  }

  /** Requests (and blob uploads) sent again after a transient failure. */
  retries(): number {
    return this.t.retries;
  }

  /** Fails with RegistryUnauthorized when the credentials are refused (a push token for `repo` when given). */
  checkAuth(repo?: string): Promise<void> {
    return this.t.checkAuth(repo);
  }

  // ---- manifests ----

  /** A GET or HEAD of a manifest by tag or digest, with every media type we read accepted. */
  private async readManifest(method: 'GET' | 'HEAD', repo: string, reference: string) {
    const what = `manifest ${repo}${isDigest(reference) ? '@' : ':'}${reference}`;
    const path = `/v2/${repo}/manifests/${reference}`;
    const res = await this.t.send({
      method,
      path,
      what,
      scopes: [repoScope(repo, 'pull')],
      headers: { Accept: MANIFEST_ACCEPT },
    });
    return { res, path, what };
  }

  async getManifest(repo: string, reference: string): Promise<Manifest> {
    const { res, path, what } = await this.readManifest('GET', repo, reference);
    const where = this.t.where('GET', path, what);
    if (res.status === 404) throw notFound(where);
    await this.t.expect(res, where, [200]);
    const bytes = Buffer.from(res.data as ArrayBuffer);
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes);
    } catch (err) {
      throw rejected(where, (err as Error).message);
    }
    const contentType = res.headers['content-type'] as string | undefined;
    const mediaType = manifestMediaType(contentType, parsed);
    if (!mediaType) throw rejected(where, `unsupported manifest type ${baseContentType(contentType) || 'none'}`);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && digest !== reference) throw rejected(where, `content has digest ${digest}`);
    return { digest, mediaType, bytes, parsed };
  }

  /** What `reference` points at, or null when the repository has no such tag or digest. */
  async headManifest(repo: string, reference: string): Promise<ManifestHead | null> {
    const { res, path, what } = await this.readManifest('HEAD', repo, reference);
    if (res.status === 404) return null;
    await this.t.expect(res, this.t.where('HEAD', path, what), [200]);
    const digest = res.headers['docker-content-digest'] as string | undefined;
    if (!digest) {
      // Some registries leave the digest out of HEAD answers: read the manifest instead.
      const m = await this.getManifest(repo, reference);
      return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    }
    const mediaType = baseContentType(res.headers['content-type'] as string | undefined);
    return { digest, mediaType, size: Number(res.headers['content-length'] ?? 0) };
  }

  /** PUTs the exact bytes under `reference` (a tag, or the digest itself); returns the digest. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const what = `manifest ${repo}${isDigest(reference) ? '@' : ':'}${reference}`;
    const path = `/v2/${repo}/manifests/${reference}`;
    const res = await this.t.send({
      method: 'PUT',
      path,
      what,
      scopes: [repoScope(repo, 'pull,push')],
      headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
      body: () => bytes,
    });
    const where = this.t.where('PUT', path, what);
    await this.t.expect(res, where, [200, 201]);
    const digest = sha256Digest(bytes);
    const answered = res.headers['docker-content-digest'] as string | undefined;
    if (answered && answered !== digest) throw rejected(where, `the registry stored ${answered}, not ${digest}`);
    return digest;
  }

  /**
   * Removes a tag (OCI distribution spec 1.1, quay.io). 'unsupported' when the registry deletes manifests by digest
   * only (distribution 2.x answers 400/405): removing the manifest would take every other tag with it.
   */
  async deleteTag(repo: string, tag: string): Promise<'deleted' | 'absent' | 'unsupported'> {
    const what = `tag ${repo}:${tag}`;
    const path = `/v2/${repo}/manifests/${tag}`;
    const res = await this.t.send({ method: 'DELETE', path, what, scopes: [repoScope(repo, 'pull,push')] });
    if (res.status === 404) return 'absent';
    if (res.status === 400 || res.status === 405) return 'unsupported';
    await this.t.expect(res, this.t.where('DELETE', path, what), [200, 202, 204]);
    return 'deleted';
  }

  // ---- blobs ----

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const what = `blob ${repo}@${digest}`;
    const path = `/v2/${repo}/blobs/${digest}`;
    const res = await this.t.send({ method: 'HEAD', path, what, scopes: [repoScope(repo, 'pull')] });
    if (res.status === 404) return false;
    // A redirect to the storage backend means the blob is there.
    if (res.status >= 300 && res.status < 400) return true;
    await this.t.expect(res, this.t.where('HEAD', path, what), [200]);
    return true;
  }

  /** The blob's bytes as a stream (follows a redirect to the storage host without our credentials). */
  async openBlob(repo: string, digest: string): Promise<Readable> {
    const what = `blob ${repo}@${digest}`;
    let path = `/v2/${repo}/blobs/${digest}`;
    for (let hops = 0; ; hops++) {
      const res = await this.t.send({
        method: 'GET',
        path,
        what,
        scopes: [repoScope(repo, 'pull')],
        headers: { 'Accept-Encoding': 'identity' },
        stream: true,
      });
      const location = res.headers.location as string | undefined;
      if (res.status >= 300 && res.status < 400 && location && hops < 5) {
        (res.data as Readable).destroy();
        path = new URL(location, `${await this.t.base()}${path}`).href;
        continue;
      }
      const where = this.t.where('GET', path, what);
      if (res.status === 404) {
        (res.data as Readable).destroy();
        throw notFound(where);
      }
      await this.t.expect(res, where, [200]);
      return res.data as Readable;
    }
  }

  /** Cross-repository mount inside this registry; when refused, the upload session it opened instead. */
  async mountBlob(
    repo: string,
    digest: string,
    fromRepo: string,
  ): Promise<{ mounted: true } | { mounted: false; location: string }> {
    const what = `blob mount ${fromRepo}@${digest} into ${repo}`;
    const path = `/v2/${repo}/blobs/uploads/`;
    const res = await this.t.send({
      method: 'POST',
      path,
      what,
      retry: true, // a refused mount opens an upload session; one left by a failed try is harmless
      query: { mount: digest, from: fromRepo },
      scopes: [repoScope(repo, 'pull,push'), repoScope(fromRepo, 'pull')],
      headers: { 'Content-Length': '0' },
    });
    await this.t.expect(res, this.t.where('POST', path, what), [201, 202]);
    if (res.status === 201) return { mounted: true };
    return { mounted: false, location: await this.location(res, path) };
  }

  /**
   * Uploads a blob: one streamed PUT up to chunkSize, PATCH chunks beyond. A transient failure anywhere restarts the
   * upload in a new session (an upload's steps cannot be repeated on their own); `open` is called once per try.
   */
  async uploadBlob(repo: string, blob: Descriptor, open: () => Promise<Readable>, location?: string): Promise<void> {
    const policy = this.t.retryPolicy;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.uploadOnce(repo, blob, open, attempt === 1 ? location : undefined);
      } catch (err) {
        const transient = isPromoterError(err) && err.code === ErrorCode.RegistryUnavailable;
        if (!transient || attempt >= policy.attempts) throw err;
        this.t.retries++;
        await abortableSleep(backoffMs(attempt, policy)!);
      }
    }
  }

  private async uploadOnce(repo: string, blob: Descriptor, open: () => Promise<Readable>, location?: string) {
    const what = `blob ${blob.digest} to ${repo}`;
    const scopes = [repoScope(repo, 'pull,push')];
    let loc = location ?? (await this.startUpload(repo, what));
    const withDigest = (l: string) => `${l}${l.includes('?') ? '&' : '?'}digest=${encodeURIComponent(blob.digest)}`;
    if (blob.size <= this.chunkSize) {
      const res = await this.t.send({
        method: 'PUT',
        path: withDigest(loc),
        what,
        scopes,
        retry: false,
        headers: { 'Content-Type': OCTET, 'Content-Length': String(blob.size) },
        body: open,
      });
      await this.t.expect(res, this.t.where('PUT', loc, what), [201, 204]);
      return;
    }
    let offset = 0;
    const stream = await open();
    try {
      for (const slice of slicesOf(stream, blob.size, this.chunkSize)) {
        const range = `${offset}-${offset + slice.length - 1}`;
        const where = this.t.where('PATCH', loc, `${what} (bytes ${range})`);
        let sent = false;
        const res = await this.t.send({
          method: 'PATCH',
          path: loc,
          what: where.what,
          scopes,
          headers: { 'Content-Type': OCTET, 'Content-Length': String(slice.length), 'Content-Range': range },
          // A slice goes once: asked again (a fresh auth challenge), the whole upload starts over.
          body: () => {
            if (sent) throw networkError(where, new Error('a chunk cannot be sent twice'));
            sent = true;
            return slice.body;
          },
        });
        await this.t.expect(res, where, [202, 204]);
        loc = await this.location(res, loc);
        offset += slice.length;
      }
    } finally {
      stream.destroy();
    }
    const res = await this.t.send({
      method: 'PUT',
      path: withDigest(loc),
      what,
      scopes,
      retry: false,
      headers: { 'Content-Length': '0' },
    });
    await this.t.expect(res, this.t.where('PUT', loc, what), [201, 204]);
  }

  private async startUpload(repo: string, what: string): Promise<string> {
    const path = `/v2/${repo}/blobs/uploads/`;
    const res = await this.t.send({
      method: 'POST',
      path,
      what,
      retry: true, // a new session per try; an abandoned one expires on the registry
      scopes: [repoScope(repo, 'pull,push')],
      headers: { 'Content-Length': '0' },
    });
    await this.t.expect(res, this.t.where('POST', path, what), [202]);
    return this.location(res, path);
  }

  private async location(res: AxiosResponse, path: string): Promise<string> {
    const location = res.headers.location as string | undefined;
    if (!location) throw rejected(this.t.where('POST', path, 'blob upload'), 'the answer has no Location');
    return new URL(location, `${await this.t.base()}/`).href;
  }
}
