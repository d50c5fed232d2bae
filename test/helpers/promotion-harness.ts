// Runs the promotion workflow against a World (test/helpers/promotion-world.ts) on a Temporal test environment:
// one worker per test file, whose activities forward to the world of the test that runs now.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { fullHash } from '../../domain/hash.js';
import type { PromotionResult } from '../../workflows/contract.js';
import type { promotion, PromotionInput } from '../../workflows/promotion.js';
import { CANDIDATE, config, LABEL, NEW, OLD, World, type FakeActivities, type FakeName } from './promotion-world.js';

const parentPath = fileURLToPath(new URL('../workflows/promotion-parent.ts', import.meta.url));
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The promoter's workflows plus the test parent (promotionParent), bundled once per test file. */
export const parentBundle = (): Promise<WorkflowBundleWithSourceMap> =>
  bundleWorkflowCode({ workflowsPath: parentPath, logger: quietLogger });

export interface Harness {
  world: World;
  taskQueue: string;
  /** Starts a promotion of NEW over OLD to LABEL with every kind, overridden by `over`. */
  start(over?: Partial<PromotionInput>): Promise<WorkflowHandle<typeof promotion>>;
  stop(): Promise<void>;
}

export const input = (over: Partial<PromotionInput> = {}): PromotionInput => ({
  config,
  targetLabel: LABEL,
  candidateLabel: CANDIDATE,
  hash: NEW,
  expectedCurrent: fullHash(OLD),
  kinds: ['containers', 'images', 'dlrn'],
  reason: 'criteria met',
  ...over,
});

export async function harness(env: TestWorkflowEnvironment, bundle: WorkflowBundleWithSourceMap): Promise<Harness> {
  const taskQueue = `promotion-${Math.random().toString(36).slice(2)}`;
  const h = { world: new World() } as Harness;
  const names = Object.keys(h.world.activities()) as FakeName[];
  const activities = Object.fromEntries(
    names.map((n) => [n, (...args: unknown[]) => (h.world.activities()[n] as (...a: unknown[]) => unknown)(...args)]),
  ) as FakeActivities;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  const running = worker.run();
  let n = 0;
  return Object.assign(h, {
    taskQueue,
    start: (over?: Partial<PromotionInput>) =>
      env.client.workflow.start<typeof promotion>('promotion', {
        taskQueue,
        workflowId: `promotion-test-${Date.now()}-${n++}`,
        args: [input(over)],
      }),
    async stop() {
      worker.shutdown();
      await running;
    },
  });
}

/**
 * A promotion test file's hooks: one server and one worker for the file, a fresh World before each test. `ready`
 * hands the file its environment and harness once they run.
 */
export function promotionSuite(
  makeEnv: () => Promise<TestWorkflowEnvironment>,
  ready: (env: TestWorkflowEnvironment, h: Harness) => void,
): void {
  let env: TestWorkflowEnvironment | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    env = await makeEnv();
    h = await harness(env, await parentBundle());
    ready(env, h);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    await env?.teardown();
  });
  beforeEach(() => {
    h!.world = new World();
  });
}

/** The PromotionResult a failed promotion carries, with the failure's type. */
export async function failedResult(handle: WorkflowHandle): Promise<{ type: string; result: PromotionResult }> {
  try {
    await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      return { type: err.cause.type ?? '', result: err.cause.details?.[0] as PromotionResult };
    }
    throw err;
  }
  throw new Error('the promotion did not fail');
}

/** The workflow's current details (what the Web UI shows). */
export async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}
