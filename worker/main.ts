// The promoter's worker: runs the promotion workflows and their activities on the task queue. Temporal connection
// from the standard environment (see client/connection.ts); DLRN, registry and image-server credentials from the
// environment too (never from workflow inputs, so they never reach workflow history).
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type Activities } from '../activities/index.js';
import { temporalSettings } from '../client/connection.js';
import { shutdownOptions, workflowSource } from './production.js';
import { deploymentOptions, setCurrentVersion, versioningSettings } from './versioning.js';
import { applyV8Flags, missingProcessSettings, tuningOptions } from './tuning.js';
import { installTelemetry } from './telemetry.js';
import { healthFromEnv, type HealthServer } from './health.js';

export { workflowsPath } from './production.js';

/** Runs until SIGINT/SIGTERM. Tests pass activities built over instrumented clients (crash tests). */
export async function runWorker(
  activities: Activities = createActivities(),
  options: Partial<WorkerOptions> = {},
): Promise<void> {
  installTelemetry();
  const settings = temporalSettings();
  const versioning = versioningSettings();
  const source = options.workflowBundle || options.workflowsPath ? undefined : workflowSource();
  const shutdown = shutdownOptions();
  if (source) Runtime.instance().logger.info(source.description);
  applyV8Flags(); // before Worker.create starts the workflow thread
  const missing = missingProcessSettings();
  if (missing.length > 0) {
    Runtime.instance().logger.info(
      `worker process started without ${missing.join(' ')}: its RSS grows more under load (see worker/tuning.ts)`,
    );
  }
  const connection = await NativeConnection.connect(settings.connectionOptions);
  let health: HealthServer | null = null;
  try {
    const worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      ...source?.options,
      ...shutdown,
      activities,
      ...tuningOptions(),
      ...(versioning ? deploymentOptions(versioning) : {}),
      ...options,
    });
    health = await healthFromEnv(worker, connection);
    const running = worker.run(); // resolves after SIGINT/SIGTERM, which the SDK handles
    if (versioning?.setCurrent) {
      await setCurrentVersion(connection, settings.namespace, versioning).catch((err: unknown) => {
        worker.shutdown();
        throw err;
      });
    }
    const version = versioning ? ` deployment=${versioning.deploymentName} buildId=${versioning.buildId}` : '';
    console.log(
      `worker running: ${settings.address} namespace=${settings.namespace} taskQueue=${settings.taskQueue}${version}`,
    );
    await running;
  } finally {
    await health?.close();
    await connection.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runWorker().catch((err: unknown) => {
    console.error(`worker failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
