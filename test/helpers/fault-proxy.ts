// An HTTP proxy for tests that misbehaves on purpose in front of one loopback upstream (a DLRN API, a registry):
// it answers a fraction of requests with a 5xx, resets some connections (before forwarding, or after the upstream
// answered so the change landed but the answer is lost), and holds some requests before forwarding them (a slow
// server: the upstream sees the request late, even if the client gave up). Decisions come from a seeded PRNG, so a
// run can be replayed; counters say what it did. Bounded: loopback only, at most `maxRequests` faulted, and it
// closes itself after `lifetimeMs`.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultPlan {
  /** Share of requests answered with a 5xx without reaching the upstream. */
  errorRate?: number;
  /** Share of requests whose connection is reset (half before forwarding, half after the upstream answered). */
  resetRate?: number;
  /** Share of requests held `delayMs` before forwarding. */
  delayRate?: number;
  delayMs?: number;
  /** Requests that are held `ms` before forwarding, always (a slow endpoint). */
  slow?: { method: string; path: RegExp; ms: number };
  /** Only requests this accepts are faulted (all when absent); the others pass through untouched. */
  only?: (method: string, path: string) => boolean;
  /** Requests answered this way, always, without reaching the upstream (a permanent refusal); `match` narrows it
   * to requests whose body it accepts (e.g. one promote_name). */
  refuse?: { method: string; path: RegExp; match?: RegExp; status: number; body: string };
}

export interface FaultCounts {
  requests: number;
  errors: number;
  resetsBefore: number;
  resetsAfter: number;
  delayed: number;
  slowed: number;
  refused: number;
  /** Requests the upstream saw, per "METHOD /path" (no query). */
  forwarded: Record<string, number>;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** 127.0.0.1:<port> */
  host: string;
  counts(): FaultCounts;
  faulted(): number;
  /** Replaces the plan (e.g. to stop faulting before checking the end state). */
  setPlan(plan: FaultPlan): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  seed?: number;
  /** The proxy closes itself after this long (default 5 minutes). */
  lifetimeMs?: number;
  /** No more faults after this many (default 10 000); requests then pass through. */
  maxFaults?: number;
}

/** mulberry32: small, seeded, good enough to pick faults. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

export async function faultProxy(
  upstream: string,
  initial: FaultPlan,
  { seed = 1, lifetimeMs = 5 * 60_000, maxFaults = 10_000 }: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const up = new URL(upstream.includes('://') ? upstream : `http://${upstream}`);
  if (!LOOPBACK.test(up.hostname)) throw new Error(`fault proxy: upstream ${upstream} is not a loopback address`);
  const random = prng(seed);
  let plan = initial;
  let closed = false;
  const counts: FaultCounts = {
    requests: 0,
    errors: 0,
    resetsBefore: 0,
    resetsAfter: 0,
    delayed: 0,
    slowed: 0,
    refused: 0,
    forwarded: {},
  };
  const faulted = () => counts.errors + counts.resetsBefore + counts.resetsAfter + counts.delayed;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, resetAfter: boolean) => {
    if (closed) return void res.destroy();
    const path = (req.url ?? '/').split('?')[0]!;
    const key = `${req.method} ${path}`;
    counts.forwarded[key] = (counts.forwarded[key] ?? 0) + 1;
    // The Host header stays: a registry names the proxy in its upload Locations, so every request comes back here.
    const headers = req.headers;
    const out = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        // The upstream did it; the client never hears.
        if (resetAfter || res.destroyed) return void res.destroy();
        res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(chunks));
      });
    });
    out.on('error', () => (res.destroyed ? undefined : res.writeHead(502).end()));
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      counts.requests++;
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0]!;
      const { slow, refuse } = plan;
      const refused = refuse && refuse.method === method && refuse.path.test(path);
      if (refused && (!refuse.match || refuse.match.test(body.toString('utf8')))) {
        counts.refused++;
        return void res.writeHead(refuse.status, { 'Content-Type': 'application/json' }).end(refuse.body);
      }
      if (slow && slow.method === method && slow.path.test(path)) {
        counts.slowed++;
        return later(slow.ms, () => forward(req, body, res, false));
      }
      const eligible = faulted() < maxFaults && (plan.only?.(method, path) ?? true);
      const r = eligible ? random() : 1;
      const error = plan.errorRate ?? 0;
      const reset = error + (plan.resetRate ?? 0);
      const delay = reset + (plan.delayRate ?? 0);
      if (r < error) {
        counts.errors++;
        const status = [500, 502, 503, 504][Math.floor(random() * 4)]!;
        res.writeHead(status, { 'Content-Type': 'application/json' }).end('{"message":"injected by the fault proxy"}');
      } else if (r < reset) {
        if (random() < 0.5) {
          counts.resetsBefore++;
          res.destroy();
        } else {
          counts.resetsAfter++;
          forward(req, body, res, true);
        }
      } else if (r < delay) {
        counts.delayed++;
        // Forwarded even if the client gave up meanwhile: a slow server still does the work.
        later(plan.delayMs ?? 0, () => forward(req, body, res, false));
      } else forward(req, body, res, false);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((ok) => {
      if (closed) return ok();
      closed = true;
      clearTimeout(selfStop);
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      server.close(() => ok());
    });
  const selfStop = setTimeout(() => void close(), lifetimeMs);
  selfStop.unref();
  return {
    url: `http://${host}`,
    host,
    counts: () => ({ ...counts, forwarded: { ...counts.forwarded } }),
    faulted,
    setPlan: (p) => (plan = p),
    close,
  };
}
