// Starts the crash-test worker (test/helpers/crash-worker.ts) as a real child process on the test stack, so a test
// can kill -9 it exactly like an operator's host dying.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { testStack } from './stack.js';

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
  /** Everything the worker wrote to stdout and stderr so far. */
  output(): string;
}

export async function startWorkerProcess(
  taskQueue: string,
  env: Record<string, string> = {},
  script = 'crash-worker.ts',
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', script)], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...testStack().env,
      TEMPORAL_ADDRESS: testStack().temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PROMOTER_LOG_LEVEL: 'WARN',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it ran:\n${output}`)));
  });
  return {
    child,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    output: () => output,
  };
}
