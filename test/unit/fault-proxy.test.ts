// The fault proxy itself: loopback only, does what its plan says (counted), and stops by itself.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultProxy } from '../helpers/fault-proxy.js';

let upstream: string;
let seen = 0;
const server = createServer((req, res) => {
  seen++;
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
});
beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  upstream = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const get = (url: string) =>
  axios.get(url, { validateStatus: () => true, timeout: 2_000 }).then(
    (r) => r.status,
    (e: { code?: string }) => e.code ?? 'error',
  );

describe('faultProxy', () => {
  it('refuses an upstream that is not loopback', async () => {
    await expect(faultProxy('http://example.com:80', {})).rejects.toThrow(/not a loopback address/);
  });

  it('faults about the share it is asked to, and counts what it did', async () => {
    const proxy = await faultProxy(upstream, { errorRate: 0.2, resetRate: 0.1 }, { seed: 3 });
    const before = seen;
    const statuses = [];
    for (let i = 0; i < 200; i++) statuses.push(await get(`${proxy.url}/api/x?i=${i}`));
    await proxy.close();
    const c = proxy.counts();
    expect(c.requests).toBe(200);
    expect(statuses.filter((s) => typeof s === 'number' && s >= 500)).toHaveLength(c.errors);
    expect(c.errors).toBeGreaterThan(20);
    expect(c.errors).toBeLessThan(60);
    expect(c.resetsBefore + c.resetsAfter).toBeGreaterThan(5);
    // Resets after forwarding reached the upstream; 5xx and resets before forwarding did not.
    expect(seen - before).toBe(200 - c.errors - c.resetsBefore);
    expect(c.forwarded['GET /api/x']).toBe(seen - before);
  });

  it('answers a permanent refusal, holds slow requests, and closes itself after its lifetime', async () => {
    const proxy = await faultProxy(
      upstream,
      {
        refuse: { method: 'GET', path: /^\/no$/, status: 403, body: '{}' },
        slow: { method: 'GET', path: /^\/slow$/, ms: 300 },
      },
      { lifetimeMs: 800 },
    );
    expect(await get(`${proxy.url}/no`)).toBe(403);
    const t = Date.now();
    expect(await get(`${proxy.url}/slow`)).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    expect(proxy.counts()).toMatchObject({ refused: 1, slowed: 1 });
    await new Promise((ok) => setTimeout(ok, 900));
    expect(await get(`${proxy.url}/`)).toBe('ECONNREFUSED');
  });
});
