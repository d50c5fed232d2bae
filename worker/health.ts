// Liveness and readiness of the worker over HTTP (PROMOTER_HEALTH_ADDRESS=host:port; unset: no server):
//   GET /livez   200 while the process serves requests at all (a systemd watchdog or kubelet restarts it otherwise)
//   GET /readyz  200 when the worker is RUNNING, both pollers are POLLING and the Temporal frontend answers its
//                health check within 2 s; 503 otherwise. The JSON body says which check failed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { bindAddress } from './telemetry.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export type ReadinessProbe = () => Promise<Readiness>;

const FRONTEND_TIMEOUT_MS = 2_000;
const SERVING = 1; // grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING

export function workerReadiness(worker: Pick<Worker, 'getStatus'>, connection: NativeConnection): ReadinessProbe {
  return async () => {
    const st = worker.getStatus();
    let frontend: string;
    try {
      const r = await connection.withDeadline(Date.now() + FRONTEND_TIMEOUT_MS, () =>
        connection.healthService.check({}),
      );
      frontend = r.status === SERVING ? 'SERVING' : `status ${r.status ?? 'unknown'}`;
    } catch (err) {
      frontend = `unreachable: ${err instanceof Error ? err.message : String(err)}`;
    }
    const checks = {
      worker: st.runState,
      workflowPoller: st.workflowPollerState,
      activityPoller: st.activityPollerState,
      temporal: frontend,
    };
    const ready =
      checks.worker === 'RUNNING' &&
      checks.workflowPoller === 'POLLING' &&
      checks.activityPoller === 'POLLING' &&
      checks.temporal === 'SERVING';
    return { ready, checks };
  };
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(address: string, probe: ReadinessProbe): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'GET only' });
    if (path === '/livez') return reply(200, { live: true });
    if (path !== '/readyz') return reply(404, { error: 'try /livez or /readyz' });
    probe().then(
      (r) => reply(r.ready ? 200 : 503, r),
      (err: unknown) => reply(503, { ready: false, error: String(err) }),
    );
  });
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(i + 1)), host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The health server PROMOTER_HEALTH_ADDRESS asks for, or null. */
export async function healthFromEnv(
  worker: Pick<Worker, 'getStatus'>,
  connection: NativeConnection,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HealthServer | null> {
  const address = bindAddress('PROMOTER_HEALTH_ADDRESS', env);
  if (!address) return null;
  const server = await startHealthServer(address, workerReadiness(worker, connection));
  Runtime.instance().logger.info(`health on ${server.url}/livez and ${server.url}/readyz`);
  return server;
}
