// The stage workflow with fake activities (typed from the real factory) and a fake promotion: a hash refused by the
// controller is skipped, a promotion refused in this run makes the stage decide again without it (bounded).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createActivities } from '../../activities/index.js';
import type { DecideStageInput } from '../../activities/decide.js';
import { parseReleaseConfig } from '../../domain/config.js';
import type { StageDecision } from '../../domain/decision-summary.js';
import { makeCommitHash, fullHash } from '../../domain/hash.js';
import type { StageResult } from '../../workflows/contract.js';
import { localEnv } from '../helpers/workflow-env.js';

type Activities = ReturnType<typeof createActivities>;
const sha = (c: string) => c.repeat(40).slice(0, 40);
const HASHES = ['a', 'b', 'c', 'd', 'e'].map((c) => makeCommitHash({ commitHash: sha(c), distroHash: sha('f') }));
const KEYS = HASHES.map(fullHash);

const cfg = (refuse: string[]) => ({
  ...parseReleaseConfig(
    `release: master\ndistro_name: centos\ndistro_version: 9\napi_url: http://dlrn.invalid/api\nallowed_clients: dlrn_client\npromotions:\n  current-tripleo:\n    candidate_label: tripleo-ci-testing\n    criteria: [job-a]\n`,
    'test.yaml',
  ),
  // The fake promotion reads which hashes DLRN refuses from here.
  logFile: refuse.join(','),
});

/** A decision over HASHES, all passing: the newest one not refused is selected. */
function fakeDecide(seen: DecideStageInput[]) {
  return async (input: DecideStageInput): Promise<StageDecision> => {
    seen.push(input);
    const refused = new Set(input.refused.map((r) => r.fullHash));
    const i = KEYS.findIndex((k) => !refused.has(k));
    return {
      selected: i === -1 ? null : HASHES[i]!,
      selectedFullHash: i === -1 ? null : KEYS[i]!,
      waitingFullHash: null,
      before: null,
      reason: 'criteria met',
      gate: null,
      wakeAt: null,
      candidates: [],
      counts: {},
      warnings: [],
    };
  };
}

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  env = await localEnv();
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../workflows/stage-with-fake-promotion.ts', import.meta.url)),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
}, 120_000);
afterAll(() => env?.teardown());

async function runStage(refuse: string[], controlsRefused: string[] = []) {
  const seen: DecideStageInput[] = [];
  const taskQueue = `stage-${randomUUID()}`;
  const activities: Partial<Activities> = { decideStage: fakeDecide(seen) };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  const result = (await worker.runUntil(
    env.client.workflow.execute('stage', {
      taskQueue,
      workflowId: `stage-${randomUUID()}`,
      args: [
        {
          config: cfg(refuse),
          targetLabel: 'current-tripleo',
          controls: {
            hold: null,
            approved: [],
            waivers: [],
            refused: controlsRefused.map((k) => ({
              label: 'current-tripleo',
              fullHash: k,
              at: 1,
              type: 'DlrnPurgedError',
              message: 'purged',
            })),
          },
        },
      ],
    }),
  )) as StageResult;
  return { result, seen };
}

describe('stage workflow: refusals', () => {
  it('hashes the controller remembers as refused are passed to the decision', async () => {
    const { result, seen } = await runStage([], [KEYS[0]!]);
    expect(seen[0]!.refused.map((r) => r.fullHash)).toEqual([KEYS[0]]);
    expect([result.outcome, result.selected]).toEqual(['promoted', KEYS[1]]);
  }, 60_000);

  it('a promotion refused in this run: decide again without it and promote the next passing candidate', async () => {
    const { result, seen } = await runStage([KEYS[0]!]);
    expect(seen).toHaveLength(2);
    expect([result.outcome, result.selected]).toEqual(['promoted', KEYS[1]]);
    expect(result.refusals?.map((r) => [r.fullHash, r.type])).toEqual([[KEYS[0], 'DlrnPurgedError']]);
  }, 60_000);

  it('falls back a bounded number of times, then reports the refusal', async () => {
    const { result, seen } = await runStage(KEYS.slice(0, 5));
    expect(seen).toHaveLength(4);
    expect(result.outcome).toBe('refused');
    expect(result.refusals).toHaveLength(3);
  }, 60_000);
});
