// The release controller: one long-lived workflow per release/distro (ID release/<release>/<distro>). It owns the
// release's durable controls (holds, approvals, waivers with expiry timers, refusals, an audit log) and runs
// everything that writes: promotion passes (from schedule ticks, report-result, the CLI, or its own wake-ups when a
// soak time ends or a window opens), force-promotions and rollbacks — one at a time, in arrival order. Its state
// and rules live in controller-state.ts; this file wires them to Temporal.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TemporalFailure,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReleaseConfig } from '../domain/config.js';
import { NON_RETRYABLE_ERROR_CODES } from '../domain/errors.js';
import { fullHash } from '../domain/hash.js';
import { artifactKinds, promotionFor, promotionWorkflowId } from '../domain/promotion.js';
import { dlrn } from './activity-proxies.js';
import * as m from './contract.js';
import { ControllerState, type ControllerSnapshot, type QueuedJob } from './controller-state.js';
import { validate } from './controller-validators.js';
import { emptyNotifyState, Notifier } from './notify.js';
import { promoteRelease } from './release.js';
import { Distro, Release } from './search-attributes.js';
import { runPromotion } from './start-promotion.js';

export interface ControllerInput {
  release: string;
  distro: string;
  /** Carried over by continue-as-new. */
  state?: ControllerSnapshot;
  /** Continue as new once history has this many events (default: when Temporal suggests it). */
  continueAsNewAt?: number;
}

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_CODES] },
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

// A pass's child workflow ID once carried Date.now(). A worker that rebuilt the controller from history read a clock
// 924 ms older than replay later did, and the next query failed as nondeterministic. Since this patch the ID is the
// job's number in this controller chain (continue-as-new keeps counting; a new chain has a new first run ID).
const PASS_ID_PATCH = 'pass-id-from-job';

/** Only ApplicationFailures leave a handler: anything else would fail the workflow task and wedge the controller. */
function asFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure || isCancellation(err)) return err;
  const e = err as Error;
  return ApplicationFailure.create({
    type: e?.name || 'Error',
    message: e?.message ?? String(err),
    nonRetryable: true,
    ...(err instanceof TemporalFailure ? { cause: err } : {}),
  });
}

/** The PromotionResult a failed promotion carries in its details (see start-promotion.ts), if any. */
function promotionOf(err: unknown): m.PromotionResult | null {
  for (let e = err as { details?: unknown[]; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    const d = e.details?.[0] as m.PromotionResult | undefined;
    if (d && typeof d === 'object' && 'outcome' in d && 'fullHash' in d) return d;
  }
  return null;
}

export async function releaseController(input: ControllerInput): Promise<void> {
  const { release, distro } = input;
  const s = new ControllerState(release, distro, nowSeconds, input.state);
  const notifier = new Notifier(
    { controllerId: workflowInfo().workflowId, release, distro },
    () => (s.s.notify ??= emptyNotifyState()),
    () => s.controls,
    (message) => s.jobFailed('notify', message),
  );
  let cfg: ReleaseConfig | null = null;
  let started = false;
  // Outcomes of jobs that updates wait for, kept until the last waiter has read them.
  const results = new Map<number, { ok: unknown } | { error: unknown }>();
  const waiters = new Map<number, number>();
  let running: (m.ControllerStatus['running'] & { scope: CancellationScope }) | null = null;

  // The memo is what a successor recovers from (and it is written into history): only when the controls changed.
  let memoKept = '';
  const persist = () => {
    const controls = s.memo();
    const text = JSON.stringify(controls);
    if (text !== memoKept) upsertMemo({ controls });
    memoKept = text;
  };
  const need = (): ReleaseConfig => {
    if (cfg) return cfg;
    throw ApplicationFailure.create({
      type: 'ConfigUnavailable',
      nonRetryable: true,
      message: `the controller of ${release}/${distro} has no configuration: ${s.s.lastError?.message ?? 'not loaded'}`,
    });
  };
  const loadConfig = async (): Promise<ReleaseConfig> => {
    const { config, version } = await acts.loadReleaseConfig({ release, distro });
    s.configLoaded(version);
    persist();
    notifier.configure(config);
    return (cfg = config);
  };
  const awaitJob = async (id: number): Promise<unknown> => {
    waiters.set(id, (waiters.get(id) ?? 0) + 1);
    await condition(() => results.has(id));
    const r = results.get(id)!;
    const left = waiters.get(id)! - 1;
    if (left > 0) waiters.set(id, left);
    else {
      waiters.delete(id);
      results.delete(id);
    }
    if ('error' in r) throw r.error;
    return r.ok;
  };
  /** A control: waits until the controller has started, changes state, persists it; only ApplicationFailures leave. */
  const control =
    <A extends unknown[], R>(fn: (...a: A) => R | Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        await condition(() => started);
        const r = await fn(...a);
        persist();
        return r;
      } catch (err) {
        throw asFailure(err);
      }
    };
  const expireLater = (w: m.WaiverRecord) => {
    void (async () => {
      await sleep(Math.max(0, w.expiresAt - nowSeconds()) * 1000, { summary: `waiver of ${w.job} for ${w.fullHash}` });
      s.expireWaiver(w);
      persist();
    })();
  };
  s.controls.waivers.forEach(expireLater);

  // Evaluations and reads.
  setHandler(m.evaluateSignal, (req) => {
    s.enqueue({
      kind: 'pass',
      request: { reason: String(req?.reason ?? 'evaluate').slice(0, 300), labels: req?.labels },
    });
  });
  setHandler(m.statusQuery, () => {
    const st = s.status(
      running && {
        reason: running.reason,
        startedAt: running.startedAt,
        workflowId: running.workflowId,
        labels: running.labels,
      },
    );
    const notify = notifier.status(s.s.notify);
    return notify ? { ...st, notify } : st;
  });
  setHandler(m.gateQuery, (label) => s.gate(label));
  setHandler(m.auditQuery, () => s.auditLog());
  setHandler(
    m.runPassUpdate,
    control(async (req) => {
      validate.labels(need(), req.labels);
      return (await awaitJob(s.enqueue({ kind: 'pass', request: req }))) as m.ReleasePassResult;
    }),
    { validator: (req) => validate.labels(cfg, req.labels) },
  );

  // Manual controls: validated before anything enters history (and again once the config is loaded), recorded with
  // who and why, answered with the audit entry.
  setHandler(
    m.holdUpdate,
    control((req) => {
      validate.label(need(), req);
      const ack = s.hold(req);
      notifier.held(req.label);
      return ack;
    }),
    {
      validator: (req) => validate.label(cfg, req),
    },
  );
  setHandler(
    m.unholdUpdate,
    control((req) => {
      validate.held(need(), s.controls, req);
      const ack = s.unhold(req);
      notifier.unheld(req.label);
      return ack;
    }),
    {
      validator: (req) => validate.held(cfg, s.controls, req),
    },
  );
  setHandler(
    m.approveUpdate,
    control((req) => (validate.approve(need(), req), s.approve(req))),
    {
      validator: (req) => validate.approve(cfg, req),
    },
  );
  setHandler(
    m.waiveUpdate,
    control((req) => {
      validate.waive(need(), req);
      const { ack, waiver } = s.waive(need(), req);
      expireLater(waiver);
      return ack;
    }),
    { validator: (req) => validate.waive(cfg, req) },
  );
  setHandler(
    m.unapproveUpdate,
    control((req) => (validate.unapprove(need(), s.controls, req), s.unapprove(req))),
    { validator: (req) => validate.unapprove(cfg, s.controls, req) },
  );
  setHandler(
    m.unwaiveUpdate,
    control((req) => (validate.unwaive(need(), s.controls, req), s.unwaive(need(), req))),
    { validator: (req) => validate.unwaive(cfg, s.controls, req) },
  );
  setHandler(
    m.clearRefusalUpdate,
    control((req) => (validate.clearRefusal(need(), s.controls, req), s.clearRefusal(req))),
    { validator: (req) => validate.clearRefusal(cfg, s.controls, req) },
  );
  setHandler(
    m.abortUpdate,
    control((req) => {
      s.abort(req);
      if (!running || (req.label && !running.labels.includes(req.label))) return { aborted: [] };
      running.scope.cancel();
      return { aborted: running.labels };
    }),
    { validator: (req) => validate.actor(req) },
  );
  setHandler(
    m.rollbackUpdate,
    control(async (req) => {
      validate.rollback(need(), req);
      return (await awaitJob(s.enqueue({ kind: 'rollback', request: req }))) as m.PromotionResult;
    }),
    { validator: (req) => validate.rollback(cfg, req) },
  );
  setHandler(
    m.forcePromoteUpdate,
    control(async (req) => {
      validate.force(need(), req);
      return (await awaitJob(s.enqueue({ kind: 'force', request: req }))) as m.PromotionResult;
    }),
    { validator: (req) => validate.force(cfg, req) },
  );

  const runPass = async (id: number, request: m.RunPassRequest, c: ReleaseConfig): Promise<m.ReleasePassResult> => {
    const wf = workflowInfo();
    const key = patched(PASS_ID_PATCH) ? `${wf.firstExecutionRunId.slice(-8)}-${id}` : String(Date.now());
    const workflowId = `${wf.workflowId}/pass/${key}`;
    if (running) running.workflowId = workflowId;
    const pass = await executeChild(promoteRelease, {
      workflowId,
      args: [{ config: c, dryRun: request.dryRun, labels: request.labels, controls: s.stageControls(c) }],
      staticSummary: `promotion pass for ${release}/${distro}: ${request.reason}`,
      typedSearchAttributes: [
        { key: Release, value: release },
        { key: Distro, value: distro },
      ],
    });
    if (!request.dryRun) {
      s.passDone(request, pass);
      notifier.passDone(pass);
    }
    return pass;
  };

  const runForce = async (job: Exclude<QueuedJob, { kind: 'pass' }>, c: ReleaseConfig): Promise<m.PromotionResult> => {
    const r0 = job.request;
    const rollback = job.kind === 'rollback';
    const [current, previous] = await dlrn.labelHeads({
      apiUrl: c.apiUrl,
      labels: [r0.label, `previous-${r0.label}`],
      hashKind: c.hashKind,
    });
    const hash = rollback ? previous!.hash : job.request.hash;
    if (!hash) {
      throw ApplicationFailure.create({
        type: 'NothingToRollBackTo',
        nonRetryable: true,
        message: `previous-${r0.label} is empty for ${release}/${distro}: nothing to roll back to`,
      });
    }
    const fh = fullHash(hash);
    if (running) running.workflowId = promotionWorkflowId(release, distro, r0.label, fh);
    s.forceOrRollback(job.kind, r0, fh);
    persist();
    let r;
    try {
      r = await runPromotion({
        config: c,
        targetLabel: r0.label,
        // A rollback's aggregate repo files live under previous-<label>, where the hash went last.
        candidateLabel: rollback ? `previous-${r0.label}` : promotionFor(c, r0.label).candidateLabel,
        hash,
        expectedCurrent: current!.fullHash,
        kinds: r0.kinds?.length ? r0.kinds : artifactKinds(c),
        reason: `${job.kind} by ${r0.by}: ${r0.why}`,
        ...(rollback ? { createPrevious: false } : {}),
        summaryPrefix: rollback ? 'roll back: ' : 'force: ',
      });
    } catch (err) {
      const failed = promotionOf(err);
      if (failed) {
        s.promotionDone(failed);
        notifier.promotionEnded(failed);
      }
      throw err;
    }
    if ('busy' in r) {
      throw ApplicationFailure.create({
        type: 'Busy',
        nonRetryable: true,
        message: `a promotion of ${fh} to ${r0.label} is already running (${r.workflowId})`,
      });
    }
    s.promotionDone(r);
    notifier.promotionEnded(r);
    return r;
  };

  const runJob = async (job: QueuedJob): Promise<unknown> => {
    const c = await loadConfig();
    return job.kind === 'pass' ? runPass(job.id, job.request, c) : runForce(job, c);
  };

  const runNext = async (job: QueuedJob) => {
    const scope = new CancellationScope();
    const labels =
      job.kind === 'pass'
        ? (job.request.labels ?? cfg?.promotions.map((p) => p.targetLabel) ?? [])
        : [job.request.label];
    const reason = job.kind === 'pass' ? job.request.reason : `${job.kind} by ${job.request.by}`;
    running = { reason, startedAt: nowSeconds(), workflowId: '', scope, labels };
    setCurrentDetails(`running: ${reason}`);
    let outcome: { ok: unknown } | { error: unknown };
    try {
      outcome = { ok: await scope.run(() => runJob(job)) };
    } catch (err) {
      const aborted = isCancellation(err);
      outcome = {
        error: aborted
          ? ApplicationFailure.create({ type: 'Aborted', nonRetryable: true, message: `${reason}: aborted` })
          : asFailure(err),
      };
      s.jobFailed(reason, aborted ? 'aborted' : ((err as Error).message ?? String(err)));
    } finally {
      running = null;
    }
    if (waiters.has(job.id)) results.set(job.id, outcome);
    persist();
    setCurrentDetails(`idle; last: ${job.kind} (${reason})`);
  };

  // A fresh controller (not one continued as new) takes over the controls a terminated predecessor left.
  if (!input.state && !workflowInfo().continuedFromExecutionRunId) {
    try {
      const prev = await acts.recoverControls({ workflowId: workflowInfo().workflowId });
      if (prev) s.recover(prev);
    } catch (err) {
      s.jobFailed('recover controls', (err as Error).message);
    }
  }
  try {
    await loadConfig();
  } catch (err) {
    s.jobFailed('load configuration', (err as Error).message);
  }
  started = true;
  persist();

  // Continue as new only when no update waits for a job (the queue and wake-ups travel with the state).
  const info = workflowInfo;
  const historyFull = () =>
    info().continueAsNewSuggested ||
    (input.continueAsNewAt !== undefined && info().historyLength >= input.continueAsNewAt);
  const canContinue = () =>
    waiters.size === 0 &&
    allHandlersFinished() &&
    notifier.idle &&
    (historyFull() || info().targetWorkerDeploymentVersionChanged);

  for (;;) {
    const wakeAt = s.nextWakeAt();
    const ready = () => s.queued > 0 || canContinue();
    if (wakeAt === null) await condition(ready);
    else await condition(ready, Math.max(0, wakeAt - nowSeconds()) * 1000 + 1000);
    s.wakeDue();
    notifier.poke();
    if (canContinue()) {
      const upgrade = info().targetWorkerDeploymentVersionChanged;
      const next = makeContinueAsNewFunc<typeof releaseController>(
        upgrade ? { initialVersioningBehavior: 'AUTO_UPGRADE' } : {},
      );
      await next({
        release,
        distro,
        state: s.s,
        ...(input.continueAsNewAt ? { continueAsNewAt: input.continueAsNewAt } : {}),
      });
    }
    const job = s.next();
    if (job) await runNext(job);
  }
}
