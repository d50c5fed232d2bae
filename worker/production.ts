// Production settings of the worker process: where its workflow code comes from (the bundle `npm run build` wrote,
// or the TypeScript source bundled at start in development) and how long a stop waits for in-flight steps.
import { msToNumber } from '@temporalio/common';
import type { BundleOptions, WorkerOptions } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PromoterError, ErrorCode } from '../domain/errors.js';

// Run from source (tsx) this module is worker/production.ts; compiled, dist/worker/production.js beside the bundle.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const workflowsPath = fileURLToPath(new URL(`../workflows/index${ext}`, import.meta.url));
/** Where `npm run build` writes the bundle: dist/workflow-bundle.js (never beside the sources). */
export const builtBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** What the bundler needs; the build and a development start use the same, so both bundles hold the same code. */
export function bundleOptions(): BundleOptions {
  return { workflowsPath };
}

export interface WorkflowSource {
  options: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'>;
  /** One log line saying which it is. */
  description: string;
}

/**
 * PROMOTER_WORKFLOW_BUNDLE names a bundle file; else the compiled worker uses the bundle built beside it. Without a
 * bundle, NODE_ENV=production refuses to start (bundling at start is slow and needs the sources); development
 * bundles the sources.
 */
export function workflowSource(env: NodeJS.ProcessEnv = process.env): WorkflowSource {
  const named = env.PROMOTER_WORKFLOW_BUNDLE;
  const codePath = named || builtBundlePath;
  if (existsSync(codePath)) {
    return { options: { workflowBundle: { codePath } }, description: `workflows: prebuilt bundle ${codePath}` };
  }
  if (named || env.NODE_ENV === 'production') {
    const variable = named ? 'PROMOTER_WORKFLOW_BUNDLE' : 'NODE_ENV=production';
    throw new PromoterError(
      ErrorCode.Config,
      `${variable}: workflow bundle ${codePath} not found (npm run build writes dist/workflow-bundle.js)`,
      { context: { variable, file: codePath } },
    );
  }
  return {
    options: { workflowsPath },
    description: `workflows: no prebuilt bundle, bundling ${workflowsPath} at start (development; npm run build prebuilds it)`,
  };
}

export const DEFAULT_SHUTDOWN_GRACE = '30s';
// After the grace time in-flight activities are cancelled; this long after that the worker gives up and exits.
const FORCE_AFTER_GRACE_MS = 10_000;

/**
 * PROMOTER_SHUTDOWN_GRACE ("30s", "2m", or seconds): how long a stop (SIGTERM) lets in-flight activities finish or
 * heartbeat before cancelling them. The SDK's default is 0, which cancels a copy at every restart.
 */
export function shutdownOptions(
  env: NodeJS.ProcessEnv = process.env,
): Required<Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'>> {
  const raw = env.PROMOTER_SHUTDOWN_GRACE?.trim() || DEFAULT_SHUTDOWN_GRACE;
  let graceMs: number;
  try {
    graceMs = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : msToNumber(raw as `${number}s`);
  } catch {
    graceMs = NaN;
  }
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new PromoterError(
      ErrorCode.Config,
      `PROMOTER_SHUTDOWN_GRACE: expected a duration like 30s or 2m (got "${raw}")`,
      {
        context: { variable: 'PROMOTER_SHUTDOWN_GRACE', value: raw },
      },
    );
  }
  return { shutdownGraceTime: graceMs, shutdownForceTime: graceMs + FORCE_AFTER_GRACE_MS };
}
