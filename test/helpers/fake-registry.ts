// An in-memory OCI distribution registry over real HTTP, for unit tests of the registry client and the container
// activities: manifests by tag and digest, blobs, monolithic uploads, cross-repository mounts and (optionally)
// tag deletion. `fault` decides per request whether it is answered, delayed, refused with a status or reset, and
// every request is logged with the time it arrived and how it ended.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MediaType, sha256Digest } from '../../integrations/registry.js';

export interface LoggedRequest {
  method: string;
  path: string;
  at: number;
  /** The status sent, 'reset', or 'aborted' (the client went away before the answer). */
  outcome: number | 'reset' | 'aborted';
  /** When the answer went out (undefined: never). */
  doneAt?: number;
}

/**
 * What to do with a request: answer it normally, or with a status (and headers), or reset it; after delayMs, or once
 * `hold` settles. A request whose client went away by then is not applied.
 */
export type Fault =
  | { status?: number; headers?: Record<string, string>; reset?: boolean; delayMs?: number; hold?: Promise<void> }
  | undefined;

export interface FakeRegistry {
  host: string;
  log: LoggedRequest[];
  fault: (req: { method: string; path: string; n: number }) => Fault;
  /** DELETE of a tag answers 405 like distribution 2.x unless true. */
  deleteTags: boolean;
  /** Pushes an image (config, `shared` layers, one layer of its own) as repo:tag; returns its manifest digest. */
  pushImage(repo: string, tag: string, seed: string, shared?: Buffer[]): string;
  tagOf(repo: string, tag: string): string | null;
  close(): Promise<void>;
}

interface Repo {
  tags: Map<string, string>;
  manifests: Map<string, { bytes: Buffer; type: string }>;
  blobs: Set<string>;
}

export async function fakeRegistry(): Promise<FakeRegistry> {
  const repos = new Map<string, Repo>();
  const blobs = new Map<string, Buffer>();
  const repoOf = (name: string) => {
    let r = repos.get(name);
    if (!r) repos.set(name, (r = { tags: new Map(), manifests: new Map(), blobs: new Set() }));
    return r;
  };
  let n = 0;
  const self: FakeRegistry = {
    host: '',
    log: [],
    fault: () => undefined,
    deleteTags: false,
    pushImage(repo, tag, seed, shared = []) {
      const r = repoOf(repo);
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
      const layers = [...shared, Buffer.from(`layer ${seed}`)];
      for (const b of [config, ...layers]) {
        blobs.set(sha256Digest(b), b);
        r.blobs.add(sha256Digest(b));
      }
      const desc = (b: Buffer, mediaType: string) => ({ mediaType, digest: sha256Digest(b), size: b.length });
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: desc(config, 'application/vnd.oci.image.config.v1+json'),
          layers: layers.map((l) => desc(l, 'application/vnd.oci.image.layer.v1.tar')),
        }),
      );
      const digest = sha256Digest(bytes);
      r.manifests.set(digest, { bytes, type: MediaType.ociManifest });
      r.tags.set(tag, digest);
      return digest;
    },
    tagOf: (repo, tag) => repos.get(repo)?.tags.get(tag) ?? null,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };

  const answer = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const send = (status: number, headers: Record<string, string> = {}, data?: Buffer) => {
      res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : data);
      return status;
    };
    if (url.pathname === '/v2/') return send(200);
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return send(404);
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    const r = repoOf(name);
    if (kind === 'manifests') {
      const digest = ref.startsWith('sha256:') ? ref : r.tags.get(ref);
      if (req.method === 'PUT') {
        const d = sha256Digest(body);
        r.manifests.set(d, { bytes: body, type: String(req.headers['content-type']) });
        if (!ref.startsWith('sha256:')) r.tags.set(ref, d);
        return send(201, { 'Docker-Content-Digest': d });
      }
      if (req.method === 'DELETE') {
        if (!self.deleteTags) return send(405, {}, Buffer.from('{"errors":[{"code":"UNSUPPORTED"}]}'));
        return r.tags.delete(ref) ? send(202) : send(404);
      }
      const man = digest ? r.manifests.get(digest) : undefined;
      if (!man) return send(404, {}, Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'));
      const headers = { 'Content-Type': man.type, 'Docker-Content-Digest': digest!, 'Content-Length': '' };
      headers['Content-Length'] = String(man.bytes.length);
      return send(200, headers, man.bytes);
    }
    if (ref === 'uploads/' && req.method === 'POST') {
      const mount = url.searchParams.get('mount');
      if (mount && repos.get(url.searchParams.get('from') ?? '')?.blobs.has(mount)) {
        r.blobs.add(mount);
        return send(201);
      }
      return send(202, { Location: `/v2/${name}/blobs/uploads/${n}` });
    }
    if (ref.startsWith('uploads/') && req.method === 'PUT') {
      const d = url.searchParams.get('digest')!;
      if (sha256Digest(body) !== d) return send(400);
      blobs.set(d, body);
      r.blobs.add(d);
      return send(201);
    }
    if (!r.blobs.has(ref)) return send(404);
    return send(200, { 'Content-Length': String(blobs.get(ref)!.length) }, blobs.get(ref));
  };

  const server = createServer((req, res) => {
    const entry: LoggedRequest = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://fake').pathname,
      at: Date.now(),
      outcome: 'aborted',
    };
    self.log.push(entry);
    const f = self.fault({ method: entry.method, path: entry.path, n: n++ });
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const after = (go: () => void) => (f?.hold ? void f.hold.then(go) : setTimeout(go, f?.delayMs ?? 0));
      after(() => {
        if (res.destroyed || req.socket.destroyed) return;
        entry.doneAt = Date.now();
        if (f?.reset) {
          entry.outcome = 'reset';
          req.socket.destroy();
        } else if (f?.status) {
          entry.outcome = f.status;
          res.writeHead(f.status, f.headers ?? {}).end();
        } else {
          entry.outcome = answer(req, res, Buffer.concat(parts));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return self;
}
