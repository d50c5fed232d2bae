// Registries the stack does not run, made for tests as small proxies in front of one of its plain registries:
// - bearerRegistry speaks the Bearer token flow the way quay.io does: /token hands out a token per scope for valid
//   Basic credentials; every /v2/ request needs a token whose scope covers the repository and the action, else 401
//   with a Bearer challenge naming the scope.
// - tlsRegistry serves https with a self-signed certificate (an "insecure registry").
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
