// Temporal connection from the standard environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
// TEMPORAL_TLS_*, TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE), read by Temporal's own envconfig package. With nothing
// set it is the local dev server on 127.0.0.1:7233, namespace "default".
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { loadClientConnectConfig } from '@temporalio/envconfig';
import { createRequire } from 'node:module';

/** Read on first use, not at start: it loads @temporalio/common, which a CLI verb's first request does not need. */
const envconfig = () =>
  createRequire(import.meta.url)('@temporalio/envconfig') as typeof import('@temporalio/envconfig');

export const DEFAULT_TASK_QUEUE = 'rdo-promoter';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const cfg = envconfig().loadClientConnectConfig({
    overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
  });
  const address = cfg.connectionOptions.address ?? '127.0.0.1:7233';
  return {
    address,
    namespace: cfg.namespace ?? 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    connectionOptions: { ...cfg.connectionOptions, address },
  };
}

/**
 * connectTimeout: how long to wait for the server at all (the CLI keeps it short, so a down server fails fast).
 * identity: what the server records as the caller of every request (the SDK's default is pid@host).
 */
export async function connectClient(
  settings = temporalSettings(),
  connectTimeout?: Duration,
  identity?: string,
): Promise<Client> {
  // Loaded here, not at start: a CLI verb that first talks to DLRN (report-result) does not wait for it.
  const { Client, Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({
    ...settings.connectionOptions,
    ...(connectTimeout ? { connectTimeout } : {}),
  });
  return new Client({ connection, namespace: settings.namespace, ...(identity ? { identity } : {}) });
}

/** Web UI link for a workflow, when TEMPORAL_UI_URL is known (the local dev server's, or set by the operator). */
export function workflowUiUrl(workflowId: string, runId?: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const base = env.TEMPORAL_UI_URL;
  if (!base) return null;
  const ns = encodeURIComponent(temporalSettings(env).namespace);
  const run = runId ? `/${encodeURIComponent(runId)}` : '';
  return `${base.replace(/\/$/, '')}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}${run}`;
}
