// The cluster profile's variables (addresses, credential files) in process.env, as a deployed worker has them.
import { applyStackEnv, readStackEnv } from '../../scripts/sandbox/stack-env.js';

applyStackEnv(readStackEnv('cluster'));
