// Registries the stack does not run, made for tests as small proxies in front of one of its plain registries:
// - bearerRegistry speaks the Bearer token flow the way quay.io does: /token hands out a token per scope for valid
//   Basic credentials; every /v2/ request needs a token whose scope covers the repository and the action, else 401
//   with a Bearer challenge naming the scope.
// - tlsRegistry serves https with a self-signed certificate (an "insecure registry").
// - faultyRegistry answers a share of the requests with 503 and resets others, like a registry under load.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BearerRegistry {
  /** host:port of the proxy. */
  host: string;
  /** Token requests served (refused ones included). */
  tokenRequests(): number;
  close(): Promise<void>;
}

/** True when a space separated scope list grants `action` on `repo`. */
function grants(scope: string, repo: string, action: 'pull' | 'push'): boolean {
  return scope.split(' ').some((s) => {
    const m = /^repository:(.+):([a-z,*]+)$/.exec(s);
    return !!m && m[1] === repo && (m[2]!.split(',').includes(action) || m[2] === '*');
  });
}

export async function bearerRegistry(upstream: string, username: string, password: string): Promise<BearerRegistry> {
  const tokens = new Map<string, string>();
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let tokenRequests = 0;
  let self = '';

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (url.pathname === '/token') {
      tokenRequests++;
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"invalid username or password"}');
        return;
      }
      const token = randomUUID();
      tokens.set(token, url.searchParams.getAll('scope').join(' '));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const repo = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(url.pathname)?.[1];
    const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const scope = bearer === undefined ? undefined : tokens.get(bearer);
    const allowed = scope !== undefined && (repo === undefined || grants(scope, repo, action));
    if (!allowed) {
      const wanted = repo ? `,scope="repository:${repo}:${action === 'push' ? 'pull,push' : 'pull'}"` : '';
      res
        .writeHead(401, {
          'Content-Type': 'application/json',
          'WWW-Authenticate': `Bearer realm="http://${self}/token",service="bearer-test"${wanted}`,
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"access to the requested resource is not authorized"}]}');
      req.resume();
      return;
    }
    forward(upstream, req, res);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host: self,
    tokenRequests: () => tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Passes a request on to the upstream registry as it is (the Host header too, so upload Locations name the proxy). */
function forward(upstream: string, req: IncomingMessage, res: ServerResponse): void {
  const [host, port] = upstream.split(':');
  const headers = { ...req.headers };
  delete headers.authorization;
  const up = request({ host, port: Number(port), method: req.method, path: req.url, headers }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  up.on('error', () => res.writeHead(502).end());
  req.pipe(up);
}

export interface TlsRegistry {
  host: string;
  /** Requests that reached the proxy over https. */
  requests(): number;
  close(): Promise<void>;
}

/** An https proxy with a fresh self-signed certificate (made with openssl) in front of a plain registry. */
export async function tlsRegistry(upstream: string): Promise<TlsRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tls-registry-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const options = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  rmSync(dir, { recursive: true, force: true });
  let requests = 0;
  const server = createHttpsServer(options, (req, res) => {
    requests++;
    forward(upstream, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface FaultyRegistry {
  host: string;
  /** Requests seen, answered 503 by the proxy, reset by the proxy, and passed on to the registry. */
  counts(): { requests: number; answered503: number; reset: number; forwarded: number };
  close(): Promise<void>;
}

/** A small deterministic PRNG (mulberry32), so a fault pattern can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A proxy in front of a real registry that answers errorRate of the requests with 503 (some with Retry-After: 0)
 * and resets resetRate of the connections, before the registry sees them; the rest pass on with every header
 * (credentials included).
 */
export async function faultyRegistry(
  upstream: string,
  { errorRate, resetRate, seed = 1 }: { errorRate: number; resetRate: number; seed?: number },
): Promise<FaultyRegistry> {
  const random = seededRandom(seed);
  const counts = { requests: 0, answered503: 0, reset: 0, forwarded: 0 };
  const [host, port] = upstream.split(':');
  const server = createServer((req, res) => {
    counts.requests++;
    const roll = random();
    if (roll < resetRate) {
      counts.reset++;
      req.socket.destroy();
      return;
    }
    if (roll < resetRate + errorRate) {
      counts.answered503++;
      req.resume();
      const headers = roll < resetRate + errorRate / 2 ? { 'Retry-After': '0' } : undefined;
      res.writeHead(503, headers).end();
      return;
    }
    counts.forwarded++;
    const up = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
