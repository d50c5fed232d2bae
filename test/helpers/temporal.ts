// Runs workflows on the test stack's real Temporal dev server with an in-process worker.
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { workflowsPath } from '../../worker/main.js';
import { testStack } from './stack.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test process. */
export const workflowBundle = () => (bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger }));

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export interface TemporalHarness {
  client: Client;
  taskQueue: string;
  /** Runs fn while a worker with these activity deps polls the harness's task queue. */
  withWorker<T>(fn: () => Promise<T>, deps?: Partial<ActivityDeps>): Promise<T>;
  close(): Promise<void>;
}

export async function temporalHarness(): Promise<TemporalHarness> {
  const { temporalAddress } = testStack();
  const connection = await Connection.connect({ address: temporalAddress });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const taskQueue = `test-${randomUUID()}`;
  return {
    client,
    taskQueue,
    async withWorker(fn, deps) {
      const worker = await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: createActivities(deps ? { ...(await defaultDepsLazy()), ...deps } : undefined),
      });
      return worker.runUntil(fn);
    },
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

async function defaultDepsLazy(): Promise<ActivityDeps> {
  return (await import('../../activities/index.js')).defaultDeps();
}
