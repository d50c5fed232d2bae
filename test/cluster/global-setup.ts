// Starts the real cluster (scripts/cluster/cluster.sh) and, beside it, the rest of the stack (DLRN APIs, registries,
// image server) under the cluster profile, loads the sandbox data, and stops at the end what it started.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadSandbox } from '../../scripts/sandbox/load.js';
import { readStackEnv, ROOT } from '../../scripts/sandbox/stack-env.js';
import { ensureBuild } from '../helpers/build.js';

const env = { ...process.env, STACK_PROFILE: 'cluster', STACK_TEMPORAL: 'external' };
const run = (script: string, cmd: string) =>
  execFileSync('bash', [join(ROOT, 'scripts', script), cmd], { env, stdio: ['ignore', 'inherit', 'inherit'] });

export default async function setup(): Promise<() => void> {
  ensureBuild(); // the workers load the prebuilt workflow bundle
  run('cluster/cluster.sh', 'start');
  run('stack.sh', 'start');
  await loadSandbox(readStackEnv('cluster'));
  return () => {
    if (process.env.KEEP_STACK) return;
    run('stack.sh', 'stop');
    run('cluster/cluster.sh', 'stop');
  };
}
