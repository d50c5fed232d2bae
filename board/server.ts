// The board's HTTP server (node:http): the pages and the JSON API over one BoardSource. Read-only: any method but
// GET/HEAD is 405. API answers are the source's data as is (board/API.md).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { indexPage } from './render.js';
import { changesPage, labelPage } from './render-label.js';
import type { BoardSource } from './types.js';

const CSS = readFileSync(new URL('./board.css', import.meta.url));
/** A full_hash or aggregate hash: hex and underscores. */
const HASH = /^[0-9a-f]{8,64}(_[0-9a-f]{8,40}){0,3}$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Route = (params: string[], query: URLSearchParams) => Promise<{ json: unknown } | { html: string }>;

export function boardRoutes(source: BoardSource, now: () => number = () => Math.floor(Date.now() / 1000)) {
  const hashParam = (q: URLSearchParams, name: string) => {
    const v = q.get(name);
    if (!v || !HASH.test(v))
      throw new HttpError(400, `query parameter ${name}: expected a full_hash, got ${JSON.stringify(v)}`);
    return v;
  };
  const found = <T>(v: T | null | undefined, what: string): T => {
    if (v === null || v === undefined) throw new HttpError(404, `${what} not found`);
    return v;
  };
  const release = async (r: string, d: string) =>
    found(
      (await source.releases()).find((x) => x.release === r && x.distro === d),
      `release ${r}/${d}`,
    );
  const changes = async ([r, d]: string[], q: URLSearchParams) =>
    found(await source.changes(r!, d!, hashParam(q, 'from'), hashParam(q, 'to')), `release ${r}/${d}`);
  const label = async ([r, d, l]: string[]) => found(await source.label(r!, d!, l!), `label ${r}/${d}/${l}`);

  const routes: [RegExp, Route][] = [
    [/^\/$/, async () => ({ html: indexPage(await source.releases(), now()) })],
    [/^\/releases\/([^/]+)\/([^/]+)\/labels\/([^/]+)$/, async (p) => ({ html: labelPage(await label(p), now()) })],
    [/^\/releases\/([^/]+)\/([^/]+)\/changes$/, async (p, q) => ({ html: changesPage(await changes(p, q)) })],
    [/^\/api\/v1\/releases$/, async () => ({ json: { releases: await source.releases() } })],
    [/^\/api\/v1\/releases\/([^/]+)\/([^/]+)$/, async ([r, d]) => ({ json: await release(r!, d!) })],
    [/^\/api\/v1\/releases\/([^/]+)\/([^/]+)\/labels\/([^/]+)$/, async (p) => ({ json: await label(p) })],
    [
      /^\/api\/v1\/releases\/([^/]+)\/([^/]+)\/labels\/([^/]+)\/latest$/,
      async ([r, d, l]) => {
        const v = found(
          (await release(r!, d!)).labels.find((x) => x.label === l),
          `label ${r}/${d}/${l}`,
        );
        return { json: { release: r, distro: d, label: l, fullHash: v.current.fullHash, since: v.current.since } };
      },
    ],
    [/^\/api\/v1\/releases\/([^/]+)\/([^/]+)\/changes$/, async (p, q) => ({ json: await changes(p, q) })],
  ];
  return async (method: string, url: URL) => {
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'the board is read-only');
    for (const [re, route] of routes) {
      const m = re.exec(url.pathname);
      if (m) return route(m.slice(1).map(decodeURIComponent), url.searchParams);
    }
    throw new HttpError(404, `no page ${url.pathname}`);
  };
}

export function createBoardServer(source: BoardSource, now?: () => number): http.Server {
  const route = boardRoutes(source, now);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://board');
    const api = url.pathname.startsWith('/api/');
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/board.css') return send(200, 'text/css; charset=utf-8', CSS);
    if (url.pathname === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
    route(req.method ?? 'GET', url).then(
      (out) =>
        'json' in out
          ? send(200, 'application/json; charset=utf-8', JSON.stringify(out.json, null, 2))
          : send(200, 'text/html; charset=utf-8', out.html),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const message = err instanceof Error ? err.message : String(err);
        if (api) return send(status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
        send(status, 'text/plain; charset=utf-8', `${status}: ${message}\n`);
      },
    );
  });
}

/** Listens on host:port (port 0: any free one) and resolves with the board's URL. */
export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as { port: number };
      resolve(`http://${host}:${a.port}`);
    });
  });
}
