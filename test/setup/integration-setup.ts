// Runs in the test process before each integration file: the test stack's variables (credential files, addresses)
// are in process.env as a deployed worker would have them.
import { applyStackEnv, readStackEnv } from '../../scripts/sandbox/stack-env.js';

applyStackEnv(readStackEnv('test'));
