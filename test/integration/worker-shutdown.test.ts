// A stop (SIGTERM, as systemd and container engines send) while a step runs: the worker stops polling, lets the
// step finish within PROMOTER_SHUTDOWN_GRACE (default 30 s), reports its result, closes its connection and exits 0.
// With the SDK's default grace of 0 the step would be cancelled at once.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { testStack } from '../helpers/stack.js';

let client: Client;
beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
});
afterAll(async () => client?.connection.close());

const STEP_MS = 3_000;

it('SIGTERM during a running step: the step finishes and its result reaches Temporal, the worker exits 0', async () => {
  const taskQueue = `grace-${randomUUID()}`;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'grace-worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: testStack().temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const sawOutput = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => output.includes(text) && resolve();
      child.stdout.on('data', (d: Buffer) => ((output += d.toString()), check()));
      child.stderr.on('data', (d: Buffer) => ((output += d.toString()), check()));
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await sawOutput('worker running');
    const handle = await client.workflow.start('graceStepWorkflow', {
      taskQueue,
      workflowId: `grace-${randomUUID()}`,
      args: [STEP_MS],
    });
    await sawOutput('step started');
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    const stopMs = Date.now() - stoppedAt;

    const { events } = await handle.fetchHistory();
    const closed = (events ?? []).find(
      (e: temporal.api.history.v1.IHistoryEvent) =>
        e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes,
    );
    expect(closed?.activityTaskFailedEventAttributes?.failure?.message, output).toBeUndefined();
    const result = closed!.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!;
    expect(JSON.parse(Buffer.from(result).toString())).toBe('finished');
    expect(code, output).toBe(0);
    expect(output).toContain('worker stopped');
    // It waited for the step, not for the whole grace time.
    expect(stopMs).toBeLessThan(25_000);
    await handle.terminate('test done');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
