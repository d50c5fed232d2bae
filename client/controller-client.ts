// The client side of a release's long-lived controller workflow and of its Temporal Schedule: how the CLI (and
// anything else outside the worker) finds, starts and reads them. Names and messages come from the contract in
// workflows/controller-messages.ts; the workflow itself is only referenced by type, so no workflow code loads here.
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleOptions,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ReleaseConfig } from '../domain/config.js';
import { stageOrder } from '../domain/config.js';
import { releaseWorkflowId } from '../domain/promotion.js';
import {
  configureUpdate,
  evaluateSignal,
  statusQuery,
  type ControllerStatus,
  type EvaluateRequest,
} from '../workflows/contract.js';
import type { releaseController } from '../workflows/controller.js';
import type { tick } from '../workflows/tick.js';
import { Distro, Release } from '../workflows/search-attributes.js';

export type ControllerHandle = WorkflowHandle<typeof releaseController>;

/** One schedule per release/distro; its ID names the release so operators find it in the Web UI. */
export const scheduleId = (release: string, distro: string) => `promoter/${release}/${distro}`;
/** Temporal appends the scheduled time to this, so every tick has its own ID. */
export const tickWorkflowId = (release: string, distro: string) => `tick/${release}/${distro}`;

const controllerStartOptions = (cfg: ReleaseConfig, taskQueue: string) => ({
  taskQueue,
  workflowId: releaseWorkflowId(cfg.release, cfg.distro),
  args: [{ config: cfg }] as [{ config: ReleaseConfig }],
  staticSummary: `release controller of ${cfg.release}/${cfg.distro}: ${stageOrder(cfg).join(' → ')}`,
  typedSearchAttributes: [
    { key: Release, value: cfg.release },
    { key: Distro, value: cfg.distro },
  ],
});

/** The controller's handle, whether or not it runs (for reads and aborts that must not start one). */
export function controllerHandle(client: Client, cfg: ReleaseConfig): ControllerHandle {
  return client.workflow.getHandle<typeof releaseController>(releaseWorkflowId(cfg.release, cfg.distro));
}

/**
 * Makes sure the release's controller runs and uses `cfg`. Starting it does not run a pass (only evaluations and
 * updates do); an already running controller is kept (USE_EXISTING) and gets the current config through the
 * configure update, which its validator refuses for another release/distro.
 */
export async function ensureController(
  client: Client,
  cfg: ReleaseConfig,
  taskQueue: string,
): Promise<{ handle: ControllerHandle; runId: string }> {
  const handle = await client.workflow.start<typeof releaseController>('releaseController', {
    ...controllerStartOptions(cfg, taskQueue),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await handle.executeUpdate(configureUpdate, { args: [cfg] });
  return { handle, runId: handle.firstExecutionRunId };
}

/**
 * Asks the controller to evaluate, starting it if needed. A signal needs no worker to be accepted, so this never
 * blocks (report-result runs in CI jobs); the request carries the config, which the controller adopts.
 */
export async function signalController(
  client: Client,
  cfg: ReleaseConfig,
  taskQueue: string,
  request: EvaluateRequest,
): Promise<{ workflowId: string; runId: string }> {
  const handle = await client.workflow.signalWithStart<typeof releaseController, [EvaluateRequest]>(
    'releaseController',
    {
      ...controllerStartOptions(cfg, taskQueue),
      signal: evaluateSignal,
      signalArgs: [{ ...request, config: cfg }],
    },
  );
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

export type ControllerState = 'running' | 'absent' | 'closed' | 'unreachable';

export interface ControllerView {
  workflowId: string;
  runId: string | null;
  state: ControllerState;
  status: ControllerStatus | null;
  /** Why the status could not be read (no worker, Temporal down). */
  error: string | null;
}

/** The controller's status if it runs; never throws, so read commands work before any controller exists. */
export async function readController(
  client: Client | null,
  cfg: ReleaseConfig,
  timeoutMs = 5000,
  connectError?: string,
): Promise<ControllerView> {
  const workflowId = releaseWorkflowId(cfg.release, cfg.distro);
  const view: ControllerView = { workflowId, runId: null, state: 'unreachable', status: null, error: null };
  if (!client) return { ...view, error: connectError ?? 'no Temporal connection' };
  try {
    const handle = controllerHandle(client, cfg);
    const d = await client.withDeadline(Date.now() + timeoutMs, () => handle.describe());
    view.runId = d.runId;
    if (d.status.name !== 'RUNNING') return { ...view, state: 'closed', error: `controller is ${d.status.name}` };
    view.state = 'running';
    // A query needs a worker; without one it would wait for the RPC deadline, so keep it short.
    view.status = await client.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...view, state: 'absent' };
    view.error =
      view.state === 'running'
        ? `status query failed (is a worker polling the task queue?): ${(err as Error).message}`
        : (err as Error).message;
  }
  return view;
}

/**
 * The release's schedule. Overlap SKIP: the controller serializes passes and coalesces evaluations, so a tick that
 * finds the previous one still running adds nothing. Catch-up 10 minutes: after an outage one tick is enough, and
 * a tick older than one interval is not worth replaying.
 */
export function releaseSchedule(cfg: ReleaseConfig, taskQueue: string, note?: string) {
  const s = cfg.schedule;
  return {
    scheduleId: scheduleId(cfg.release, cfg.distro),
    spec: {
      intervals: [{ every: `${s.intervalSeconds}s` }],
      ...(s.jitterSeconds > 0 ? { jitter: `${s.jitterSeconds}s` } : {}),
    },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'tick',
      workflowId: tickWorkflowId(cfg.release, cfg.distro),
      taskQueue,
      args: [{ config: cfg }] as Parameters<typeof tick>,
      staticSummary: `schedule tick of ${cfg.release}/${cfg.distro}: ask the release controller to evaluate`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { paused: s.paused, ...(note ? { note } : {}) },
  } satisfies ScheduleOptions;
}

/**
 * Creates the schedule, or brings an existing one in line with the config (spec, action, policies). A pause set by
 * an operator survives the update: only `schedule unpause` lifts it, with a reason.
 */
export async function upsertSchedule(
  client: Client,
  cfg: ReleaseConfig,
  taskQueue: string,
  note: string,
): Promise<'created' | 'updated'> {
  const wanted = releaseSchedule(cfg, taskQueue, note);
  const handle = client.schedule.getHandle(wanted.scheduleId);
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create(wanted);
    return 'created';
  }
  await handle.update((prev) => ({
    ...prev,
    spec: wanted.spec,
    action: wanted.action,
    policies: { ...prev.policies, ...wanted.policies },
    state: prev.state.paused || !wanted.state.paused ? prev.state : { ...prev.state, paused: true, note },
  }));
  return 'updated';
}
