// The shadow workflow with a fake observeMoves on the time-skipping server: it passes each poll's watermarks to
// the next, counts agreements and disagreements, keeps a bounded record list, and survives a failing poll.
import { ApplicationFailure } from '@temporalio/workflow';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.js';
import type { ObserveMovesInput } from '../../activities/shadow.js';
import { parseReleaseConfig } from '../../domain/config.js';
import { shadowReportQuery, type ShadowRecord } from '../../workflows/contract.js';
import { workflowBundle } from '../helpers/temporal.js';
import { timeSkippingEnv } from '../helpers/workflow-env.js';
import { recordHistory } from '../helpers/history.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
}, 60_000);
afterAll(async () => env?.teardown());

const cfg = parseReleaseConfig(
  [
    'release: wallaby',
    'distro_name: centos',
    'distro_version: 9',
    'api_url: http://dlrn.invalid/api',
    'promotions:',
    '  current-tripleo: { candidate_label: tripleo-ci-testing, criteria: [job-a] }',
  ].join('\n'),
  'test.yaml',
);

const record = (n: number, agree: boolean): ShadowRecord => ({
  targetLabel: 'current-tripleo',
  candidateLabel: 'tripleo-ci-testing',
  movedAt: n,
  by: 'old-promoter',
  theirs: `hash-${n}`,
  ours: agree ? `hash-${n}` : null,
  agree,
  ourReason: 'r',
  theirStatus: agree ? 'selected' : 'missing_jobs',
  theirReason: 'r',
});

it('polls on a durable timer, carries watermarks forward, bounds its records and survives a failed poll', async () => {
  const calls: ObserveMovesInput[] = [];
  const fake: Pick<Activities, 'observeMoves'> = {
    async observeMoves(input) {
      calls.push(input);
      const n = calls.length;
      if (n === 3) throw ApplicationFailure.nonRetryable('DLRN unreachable (injected)', 'DlrnUnavailable');
      // 40 moves per poll: 30 agreements, 10 disagreements.
      const records = Array.from({ length: 40 }, (_, i) => record(n * 100 + i, i < 30));
      return { watermarks: { 'current-tripleo': { timestamp: n, fullHash: `hash-${n}` } }, records };
    },
  };
  const taskQueue = 'shadow-unit';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fake,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('shadow', {
      taskQueue,
      workflowId: 'shadow/wallaby/centos9',
      args: [{ config: cfg, pollSeconds: 60 }],
    });
    const query = () => handle.query(shadowReportQuery);
    await env.sleep(1000);
    expect((await query()).polls).toBe(1);
    await env.sleep(60_000); // poll 2
    await env.sleep(60_000); // poll 3 fails
    const failed = await query();
    expect(failed.polls).toBe(3);
    expect(failed.lastError).toMatch(/DLRN unreachable/);
    for (let i = 0; i < 5; i++) await env.sleep(60_000); // polls 4..8
    const r = await query();
    expect(r.polls).toBe(8);
    expect(r.lastError).toBeNull();
    expect([r.agreements, r.disagreements]).toEqual([7 * 30, 7 * 10]);
    expect(r.records).toHaveLength(200);
    expect(r.records.at(-1)!.movedAt).toBe(8 * 100 + 39);
    expect([r.release, r.distro]).toEqual(['wallaby', 'centos9']);
    await recordHistory(env.client, handle.workflowId, 'shadow-polls-timers');
    await handle.terminate();
  });
  expect(calls[0]!.watermarks).toEqual({});
  expect(calls[1]!.watermarks).toEqual({ 'current-tripleo': { timestamp: 1, fullHash: 'hash-1' } });
  // The failed poll changed nothing: the next one starts from poll 2's watermarks.
  expect(calls[3]!.watermarks).toEqual({ 'current-tripleo': { timestamp: 2, fullHash: 'hash-2' } });
  expect(calls[0]!.stages).toMatchObject([
    { candidateLabel: 'tripleo-ci-testing', targetLabel: 'current-tripleo', criteria: ['job-a'] },
  ]);
}, 120_000);
