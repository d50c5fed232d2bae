// Worker Deployment versioning for the worker process: which deployment and Build ID it registers, and making that
// version current when asked (a single-host install does it at start; a cluster rollout does it once, by hand or from
// the deploy job, after the new workers poll).
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { WORKFLOW_VERSION } from '../workflows/version.js';

export interface VersioningSettings {
  deploymentName: string;
  buildId: string;
  /** PROMOTER_SET_CURRENT_VERSION=1: make this version current once the worker polls. */
  setCurrent: boolean;
}

/** From PROMOTER_DEPLOYMENT_NAME (unset: versioning off, as in-process test workers run). */
export function versioningSettings(env: NodeJS.ProcessEnv = process.env): VersioningSettings | null {
  const deploymentName = env.PROMOTER_DEPLOYMENT_NAME;
  if (!deploymentName) return null;
  return {
    deploymentName,
    buildId: env.PROMOTER_BUILD_ID || WORKFLOW_VERSION,
    setCurrent: env.PROMOTER_SET_CURRENT_VERSION === '1',
  };
}

/** Every workflow is pinned to the version it started on (see workflows/version.ts). */
export function deploymentOptions(v: VersioningSettings): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  return {
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version: { deploymentName: v.deploymentName, buildId: v.buildId },
      defaultVersioningBehavior: 'PINNED',
    },
  };
}

/**
 * Makes the version current. The server knows a version only after one of its workers polled, so this retries for
 * a while; it is idempotent (setting the current version again changes nothing).
 */
export async function setCurrentVersion(
  connection: NativeConnection | Client['connection'],
  namespace: string,
  v: VersioningSettings,
  attempts = 50,
): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await connection.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: v.deploymentName,
        buildId: v.buildId,
        identity: `rdo-promoter worker ${v.buildId}`,
      });
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
