// Starts the test profile of the real stack (unless it already runs), loads the sandbox data, and stops at the end
// only what it started.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadSandbox } from '../../scripts/sandbox/load.js';
import { readStackEnv, ROOT } from '../../scripts/sandbox/stack-env.js';

const stack = (cmd: string) =>
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), cmd], {
    env: { ...process.env, STACK_PROFILE: 'test' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });

export default async function setup(): Promise<() => void> {
  let startedHere = false;
  try {
    stack('status');
  } catch {
    stack('start');
    startedHere = true;
  }
  await loadSandbox(readStackEnv('test'));
  return () => {
    if (startedHere && !process.env.KEEP_STACK) stack('stop');
  };
}
