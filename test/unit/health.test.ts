// The worker's health server: /livez answers while the process runs; /readyz is 200 only when the worker runs, both
// pollers poll and the Temporal frontend answers its health check, and says which check failed otherwise.
import type { NativeConnection, WorkerStatus } from '@temporalio/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { healthFromEnv, startHealthServer, workerReadiness, type HealthServer } from '../../worker/health.js';

let server: HealthServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const status = (over: Partial<WorkerStatus> = {}) =>
  ({ runState: 'RUNNING', workflowPollerState: 'POLLING', activityPollerState: 'POLLING', ...over }) as WorkerStatus;
/** A connection whose frontend health check answers `answer` (a status number) or throws it. */
const connection = (answer: number | Error) =>
  ({
    withDeadline: (_d: number, fn: () => Promise<unknown>) => fn(),
    healthService: {
      check: async () => {
        if (answer instanceof Error) throw answer;
        return { status: answer };
      },
    },
  }) as unknown as NativeConnection;

async function get(path: string) {
  const r = await fetch(`${server!.url}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('the health server', () => {
  it('answers /livez, and /readyz from the probe', async () => {
    let ready = false;
    server = await startHealthServer('127.0.0.1:0', async () => ({
      ready,
      checks: { worker: ready ? 'RUNNING' : 'INITIALIZED' },
    }));
    expect(await get('/livez')).toEqual({ status: 200, body: { live: true } });
    expect(await get('/readyz')).toEqual({ status: 503, body: { ready: false, checks: { worker: 'INITIALIZED' } } });
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(404);
    const post = await fetch(`${server.url}/readyz`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('a probe that throws is not ready', async () => {
    server = await startHealthServer('127.0.0.1:0', () => Promise.reject(new Error('boom')));
    expect(await get('/readyz')).toEqual({ status: 503, body: { ready: false, error: 'Error: boom' } });
  });

  it('an address in use is one clear error', async () => {
    server = await startHealthServer('127.0.0.1:0', async () => ({ ready: true, checks: {} }));
    const port = new URL(server.url).port;
    await expect(startHealthServer(`127.0.0.1:${port}`, async () => ({ ready: true, checks: {} }))).rejects.toThrow(
      /EADDRINUSE/,
    );
  });

  it('PROMOTER_HEALTH_ADDRESS unset: no server; malformed: refused naming it', async () => {
    expect(await healthFromEnv({ getStatus: () => status() }, connection(1), {})).toBeNull();
    await expect(
      healthFromEnv({ getStatus: () => status() }, connection(1), { PROMOTER_HEALTH_ADDRESS: ':::' }),
    ).rejects.toThrow(/PROMOTER_HEALTH_ADDRESS=":::": expected host:port/);
  });
});

describe('workerReadiness', () => {
  it.each([
    { name: 'running, polling, frontend serving', st: status(), frontend: 1, ready: true },
    { name: 'not started yet', st: status({ runState: 'INITIALIZED' }), frontend: 1, ready: false },
    { name: 'draining at shutdown', st: status({ runState: 'DRAINING' }), frontend: 1, ready: false },
    { name: 'workflow poller failed', st: status({ workflowPollerState: 'FAILED' }), frontend: 1, ready: false },
    { name: 'activity poller shut down', st: status({ activityPollerState: 'SHUTDOWN' }), frontend: 1, ready: false },
    { name: 'frontend NOT_SERVING', st: status(), frontend: 2, ready: false },
    { name: 'frontend unreachable', st: status(), frontend: new Error('connection refused'), ready: false },
  ])('$name: ready=$ready', async ({ st, frontend, ready }) => {
    const r = await workerReadiness({ getStatus: () => st }, connection(frontend))();
    expect(r.ready, JSON.stringify(r.checks)).toBe(ready);
    if (frontend instanceof Error) expect(r.checks.temporal).toBe('unreachable: connection refused');
  });
});
