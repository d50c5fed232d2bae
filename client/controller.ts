// How the CLI reaches a release's controller (workflow ID release/<release>/<distro>). Always by workflow ID with
// no run ID, so a handle follows the controller across continue-as-new and resets; it is started (USE_EXISTING)
// only when no run is open. The controller reads its release file from the worker's config dir, so nothing here
// sends a config: the start input is { release, distro } (COMMON interface 7).
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import protos from '@temporalio/proto';
import { releaseWorkflowId } from '../domain/promotion.js';
import { evaluateSignal, statusQuery, type ControllerStatus, type EvaluateRequest } from '../workflows/contract.js';
import type { releaseController } from '../workflows/controller.js';
import { Distro, Release } from '../workflows/search-attributes.js';
import { temporal } from './cli-kit.js';
import { temporalSettings } from './connection.js';

export type ControllerHandle = WorkflowHandle<typeof releaseController>;

/** What the controller workflow is started with (COMMON interface 7); the one place that builds it. */
export function controllerStartOptions(release: string, distro: string) {
  return {
    taskQueue: temporalSettings().taskQueue,
    workflowId: releaseWorkflowId(release, distro),
    args: [{ release, distro }],
    staticSummary: `release controller of ${release}/${distro}`,
    typedSearchAttributes: [
      { key: Release, value: release },
      { key: Distro, value: distro },
    ],
  };
}

/** The controller, started if no run of it is open; the handle names no run, so it always reaches the current one. */
export async function ensureController(release: string, distro: string): Promise<ControllerHandle> {
  const client = await temporal();
  const handle = client.workflow.getHandle<typeof releaseController>(releaseWorkflowId(release, distro));
  try {
    if ((await handle.describe()).status.name === 'RUNNING') return handle;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.start('releaseController', {
    ...controllerStartOptions(release, distro),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return handle;
}

/**
 * Asks the controller to evaluate, starting it if needed, in one call the server answers alone: a signal needs no
 * worker, so this never waits for one (report-result runs in CI jobs). The evaluation stays queued in the
 * controller's history until a worker runs it.
 */
export async function signalEvaluate(release: string, distro: string, request: EvaluateRequest): Promise<void> {
  const client = await temporal();
  await client.workflow.signalWithStart('releaseController', {
    ...controllerStartOptions(release, distro),
    signal: evaluateSignal,
    signalArgs: [request],
  });
}

/**
 * - running: it answered its status query;
 * - absent: no run ever (the first control or tick starts it);
 * - closed: its last run ended (detail says how); the next control starts a new one;
 * - wedged: its workflow task fails on every attempt, so no control or pass runs;
 * - no-worker: nobody polls its task queue, so nothing it was asked runs;
 * - unanswered: a worker polls but the status query got no answer in time;
 * - unreachable: Temporal did not answer.
 */
export type ControllerState = 'running' | 'absent' | 'closed' | 'wedged' | 'no-worker' | 'unanswered' | 'unreachable';

export interface ControllerView {
  workflowId: string;
  /** The Temporal address asked. */
  address: string;
  state: ControllerState;
  /** Why it is not running, in words (null when running or absent). */
  detail: string | null;
  runId: string | null;
  taskQueue: string | null;
  status: ControllerStatus | null;
}

/** A state the operator must act on: status exits 1. */
export const controllerTrouble = (v: ControllerView) =>
  !(
    v.state === 'running' ||
    v.state === 'absent' ||
    (v.state === 'closed' && !/FAILED|TIMED_OUT/.test(v.detail ?? ''))
  );

const { TaskQueueKind, TaskQueueType } = protos.temporal.api.enums.v1;
const RPC_MS = 3000;
const QUERY_MS = 5000;

const within = <T>(client: Client, ms: number, fn: () => Promise<T>) => client.withDeadline(Date.now() + ms, fn);

/** The controller's state and status; never throws, and answers within a few seconds even with Temporal down. */
export async function readController(release: string, distro: string): Promise<ControllerView> {
  const settings = temporalSettings();
  const workflowId = releaseWorkflowId(release, distro);
  const view: ControllerView = {
    workflowId,
    address: settings.address,
    state: 'unreachable',
    detail: null,
    runId: null,
    taskQueue: null,
    status: null,
  };
  let client: Client;
  try {
    client = await temporal();
  } catch (err) {
    return { ...view, detail: `Temporal at ${settings.address} did not answer: ${(err as Error).message}` };
  }
  const handle = client.workflow.getHandle<typeof releaseController>(workflowId);
  let d: WorkflowExecutionDescription;
  try {
    d = await within(client, RPC_MS, () => handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...view, state: 'absent' };
    return { ...view, detail: `Temporal at ${settings.address} did not answer: ${(err as Error).message}` };
  }
  Object.assign(view, { runId: d.runId, taskQueue: d.taskQueue });
  if (d.status.name !== 'RUNNING') {
    return { ...view, state: 'closed', detail: `${d.status.name} at ${d.closeTime?.toISOString() ?? '?'}` };
  }
  try {
    const attempt = d.raw.pendingWorkflowTask?.attempt ?? 0;
    if (attempt >= 2) {
      const cause = await lastTaskFailure(client, settings.namespace, workflowId, d.runId);
      return { ...view, state: 'wedged', detail: `workflow task failing (attempt ${attempt}): ${cause}` };
    }
    const pollers = await within(client, RPC_MS, () =>
      client.workflowService.describeTaskQueue({
        namespace: settings.namespace,
        taskQueue: { name: d.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    if (!pollers.pollers?.length) {
      return { ...view, state: 'no-worker', detail: `no worker polls task queue ${d.taskQueue}` };
    }
    view.status = await within(client, QUERY_MS, () => handle.query(statusQuery));
    return { ...view, state: 'running' };
  } catch (err) {
    return {
      ...view,
      state: 'unanswered',
      detail: `its status query got no answer in ${QUERY_MS / 1000} s: ${(err as Error).message}`,
    };
  }
}

/** The message of the newest failed workflow task, which says why the controller is wedged. */
async function lastTaskFailure(client: Client, namespace: string, workflowId: string, runId: string): Promise<string> {
  const res = await within(client, RPC_MS, () =>
    client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace,
      execution: { workflowId, runId },
      maximumPageSize: 100,
    }),
  );
  const failure = res.history?.events?.find((e) => e.workflowTaskFailedEventAttributes)
    ?.workflowTaskFailedEventAttributes?.failure;
  if (!failure) return 'no failure recorded yet';
  const type = failure.applicationFailureInfo?.type;
  return type ? `${type}: ${failure.message}` : (failure.message ?? '?');
}
