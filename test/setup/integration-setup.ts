// Runs in the test process before each integration file: workers log only warnings, and the test stack's
// variables (credential files, addresses) are in process.env as a deployed worker would have them.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { applyStackEnv, readStackEnv } from '../../scripts/sandbox/stack-env.js';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
applyStackEnv(readStackEnv('test'));
