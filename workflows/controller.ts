// The release controller: one long-lived workflow per release/distro (ID release/<release>/<distro>). It owns the
// release's durable controls (holds, approvals, waivers with expiry timers, an audit log) and runs everything that
// writes: promotion passes (from schedule ticks, report-result, the CLI, or its own wake-ups when a soak time ends
// or a window opens), force-promotions and rollbacks — one at a time, in arrival order.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  setHandler,
  sleep,
  setCurrentDetails,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { fullHash } from '../domain/hash.js';
import { artifactKinds, promotionFor, promotionWorkflowId } from '../domain/promotion.js';
import * as m from './contract.js';
import type { PromotionResult, ReleasePassResult, StageControls, StageResult } from './contract.js';
import { dlrn } from './activity-proxies.js';
import { runPromotion } from './start-promotion.js';
import { promoteRelease } from './release.js';
import { Distro, Release } from './search-attributes.js';
import { validate } from './controller-validators.js';

export interface ControllerState {
  controls: m.Controls;
  lastPass: m.ControllerStatus['lastPass'];
  lastError?: m.ControllerStatus['lastError'];
  wakeups: m.ControllerStatus['wakeups'];
}

export interface ControllerInput {
  config: ReleaseConfig;
  state?: ControllerState;
}

type Job =
  | { id: number; kind: 'pass'; request: m.RunPassRequest }
  | { id: number; kind: 'force'; request: m.ForcePromoteRequest }
  | { id: number; kind: 'rollback'; request: m.RollbackRequest };

const AUDIT_KEEP = 200;
const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function releaseController(input: ControllerInput): Promise<void> {
  let cfg = input.config;
  const state: ControllerState = input.state ?? {
    controls: { holds: [], approvals: [], waivers: [], refusals: [], audit: [] },
    lastPass: null,
    wakeups: [],
  };
  const c = state.controls;
  const queue: Job[] = [];
  // Outcomes of jobs somebody (an update) waits for; signal-started jobs leave nothing behind.
  const results = new Map<number, { ok: unknown } | { error: unknown }>();
  const awaited = new Set<number>();
  let nextId = 1;
  let running: (m.ControllerStatus['running'] & { scope: CancellationScope; labels: string[] }) | null = null;

  const audit = (e: Omit<m.AuditEntry, 'at'>) => {
    c.audit.push({ at: nowSeconds(), ...e });
    if (c.audit.length > AUDIT_KEEP) c.audit.splice(0, c.audit.length - AUDIT_KEEP);
  };
  const enqueue = (job: Omit<Job, 'id'>): number => {
    const id = nextId++;
    // Evaluations coalesce: a pass already waiting covers a new request for the same or fewer labels.
    if (job.kind === 'pass' && !(job.request as m.RunPassRequest).dryRun) {
      const waiting = queue.find((j) => j.kind === 'pass' && !j.request.dryRun);
      if (waiting && waiting.kind === 'pass') {
        const a = waiting.request.labels;
        const b = (job.request as m.RunPassRequest).labels;
        waiting.request.labels = a && b ? [...new Set([...a, ...b])] : undefined;
        return waiting.id;
      }
    }
    queue.push({ ...job, id } as Job);
    return id;
  };
  const awaitJob = async (id: number) => {
    awaited.add(id);
    await condition(() => results.has(id));
    const r = results.get(id)!;
    results.delete(id);
    awaited.delete(id);
    if ('error' in r) throw r.error;
    return r.ok;
  };
  const expireLater = (w: m.WaiverRecord) => {
    void (async () => {
      await sleep(Math.max(0, w.expiresAt - nowSeconds()) * 1000, { summary: `waiver of ${w.job} for ${w.fullHash}` });
      const i = c.waivers.indexOf(w);
      if (i >= 0) {
        c.waivers.splice(i, 1);
        audit({
          action: 'waiver-expired',
          by: 'controller',
          why: `granted by ${w.by}: ${w.why}`,
          job: w.job,
          fullHash: w.fullHash,
        });
      }
    })();
  };
  c.waivers.forEach(expireLater);

  const stageControls = (): Record<string, StageControls> =>
    Object.fromEntries(
      cfg.promotions.map((p) => {
        const hold = c.holds.find((h) => h.label === p.targetLabel);
        return [
          p.targetLabel,
          {
            hold: hold ? { by: hold.by, why: hold.why } : null,
            approved: c.approvals.filter((a) => a.label === p.targetLabel).map((a) => a.fullHash),
            waivers: c.waivers.map((w) => ({
              job: w.job,
              fullHash: w.fullHash,
              expiresAt: w.expiresAt,
              by: w.by,
              reason: w.why,
            })),
            refused: (c.refusals ?? []).filter((r) => r.label === p.targetLabel),
          },
        ];
      }),
    );

  // Evaluations and reads.
  setHandler(m.evaluateSignal, (req) => {
    if (req.config) cfg = req.config;
    enqueue({ kind: 'pass', request: { reason: req.reason, labels: req.labels } });
  });
  setHandler(m.statusQuery, () => ({
    release: cfg.release,
    distro: cfg.distro,
    controls: c,
    running: running && {
      reason: running.reason,
      startedAt: running.startedAt,
      workflowId: running.workflowId,
      labels: running.labels,
    },
    lastPass: state.lastPass,
    config: null,
    lastError: state.lastError ?? null,
    failures: [],
    wakeups: state.wakeups,
    pendingEvaluations: queue.length,
  }));
  setHandler(
    m.configureUpdate,
    (next) => {
      cfg = next;
    },
    { validator: (next) => validate.configure(cfg, next) },
  );
  setHandler(
    m.runPassUpdate,
    async (req) => (await awaitJob(enqueue({ kind: 'pass', request: req }))) as ReleasePassResult,
    {
      validator: (req) => validate.labels(cfg, req.labels),
    },
  );

  // Manual controls: validated before anything enters history, recorded with who and why.
  setHandler(
    m.holdUpdate,
    (req) => {
      c.holds = c.holds.filter((h) => h.label !== req.label);
      c.holds.push({ label: req.label, by: req.by, why: req.why, at: nowSeconds() });
      audit({ action: 'hold', by: req.by, why: req.why, label: req.label });
      return { entry: c.audit.at(-1)! };
    },
    { validator: (req) => validate.label(cfg, req) },
  );
  setHandler(
    m.unholdUpdate,
    (req) => {
      c.holds = c.holds.filter((h) => h.label !== req.label);
      audit({ action: 'unhold', by: req.by, why: req.why, label: req.label });
      enqueue({ kind: 'pass', request: { reason: `unhold by ${req.by}`, labels: [req.label] } });
      return { entry: c.audit.at(-1)! };
    },
    { validator: (req) => validate.held(cfg, c, req) },
  );
  setHandler(
    m.approveUpdate,
    (req) => {
      c.approvals.push({ label: req.label, fullHash: req.fullHash, by: req.by, why: req.why, at: nowSeconds() });
      audit({ action: 'approve', by: req.by, why: req.why, label: req.label, fullHash: req.fullHash });
      enqueue({ kind: 'pass', request: { reason: `approval by ${req.by}`, labels: [req.label] } });
      return { entry: c.audit.at(-1)! };
    },
    { validator: (req) => validate.approve(cfg, req) },
  );
  setHandler(
    m.waiveUpdate,
    (req) => {
      const w: m.WaiverRecord = {
        job: req.job,
        fullHash: req.fullHash,
        by: req.by,
        why: req.why,
        at: nowSeconds(),
        expiresAt: nowSeconds() + req.durationSeconds,
      };
      c.waivers.push(w);
      audit({ action: 'waive', by: req.by, why: req.why, job: req.job, fullHash: req.fullHash });
      expireLater(w);
      const labels = cfg.promotions.filter((p) => p.criteria.includes(req.job)).map((p) => p.targetLabel);
      enqueue({ kind: 'pass', request: { reason: `waiver by ${req.by}`, labels } });
      return { entry: c.audit.at(-1)! };
    },
    { validator: (req) => validate.waive(cfg, req) },
  );
  setHandler(
    m.abortUpdate,
    (req) => {
      audit({ action: 'abort', by: req.by, why: req.why, label: req.label });
      if (!running || (req.label && !running.labels.includes(req.label))) return { aborted: [] };
      running.scope.cancel();
      return { aborted: running.labels };
    },
    { validator: (req) => validate.actor(req) },
  );
  setHandler(
    m.rollbackUpdate,
    async (req) => (await awaitJob(enqueue({ kind: 'rollback', request: req }))) as PromotionResult,
    { validator: (req) => validate.rollback(cfg, req) },
  );
  setHandler(
    m.forcePromoteUpdate,
    async (req) => (await awaitJob(enqueue({ kind: 'force', request: req }))) as PromotionResult,
    { validator: (req) => validate.force(cfg, req) },
  );

  const runJob = async (job: Job): Promise<unknown> => {
    if (job.kind === 'pass') {
      const workflowId = `${workflowInfo().workflowId}/pass/${Date.now()}`;
      if (running) running.workflowId = workflowId;
      const pass = await executeChild(promoteRelease, {
        workflowId,
        args: [{ config: cfg, dryRun: job.request.dryRun, labels: job.request.labels, controls: stageControls() }],
        staticSummary: `promotion pass for ${cfg.release}/${cfg.distro}: ${job.request.reason}`,
        typedSearchAttributes: [
          { key: Release, value: cfg.release },
          { key: Distro, value: cfg.distro },
        ],
      });
      if (!job.request.dryRun) {
        state.lastPass = { ...pass, finishedAt: nowSeconds(), reason: job.request.reason };
        planWakeups(pass);
      }
      return pass;
    }
    const r0 = job.request;
    const p = promotionFor(cfg, r0.label);
    const kinds = r0.kinds?.length ? r0.kinds : artifactKinds(cfg);
    const [current, previous] = await dlrn.labelHeads({
      apiUrl: cfg.apiUrl,
      labels: [r0.label, `previous-${r0.label}`],
      hashKind: cfg.hashKind,
    });
    const rollback = job.kind === 'rollback';
    const hash = rollback ? previous!.hash : job.request.hash;
    if (!hash) {
      throw ApplicationFailure.create({
        type: 'NothingToRollBackTo',
        nonRetryable: true,
        message: `previous-${r0.label} is empty for ${cfg.release}/${cfg.distro}: nothing to roll back to`,
      });
    }
    const fh = fullHash(hash);
    if (running) running.workflowId = promotionWorkflowId(cfg.release, cfg.distro, r0.label, fh);
    audit({ action: rollback ? 'rollback' : 'force-promote', by: r0.by, why: r0.why, label: r0.label, fullHash: fh });
    const r = await runPromotion({
      config: cfg,
      targetLabel: r0.label,
      // A rollback's aggregate repo files live under previous-<label>, where the hash went last.
      candidateLabel: rollback ? `previous-${r0.label}` : p.candidateLabel,
      hash,
      expectedCurrent: current!.fullHash,
      kinds,
      reason: `${job.kind} by ${r0.by}: ${r0.why}`,
      ...(rollback ? { createPrevious: false } : {}),
      summaryPrefix: rollback ? 'roll back: ' : 'force: ',
    });
    if ('busy' in r) {
      throw ApplicationFailure.create({
        type: 'Busy',
        nonRetryable: true,
        message: `a promotion of ${fh} to ${r0.label} is already running (${r.workflowId})`,
      });
    }
    return r;
  };

  const planWakeups = (pass: ReleasePassResult) => {
    state.wakeups = pass.stages
      .map((s) => s as StageResult)
      .filter((s) => typeof s.wakeAt === 'number')
      .map((s) => ({ at: s.wakeAt!, label: s.targetLabel, why: s.outcome }));
  };

  for (;;) {
    const nextWake = state.wakeups.length ? Math.min(...state.wakeups.map((w) => w.at)) : null;
    const waitMs = nextWake === null ? undefined : Math.max(0, nextWake - nowSeconds()) * 1000 + 1000;
    const woke = !(await condition(
      () => queue.length > 0 || workflowInfo().continueAsNewSuggested,
      waitMs ?? '365 days',
    ));
    if (woke && nextWake !== null) {
      const due = state.wakeups.filter((w) => w.at <= nowSeconds());
      state.wakeups = state.wakeups.filter((w) => w.at > nowSeconds());
      if (due.length) enqueue({ kind: 'pass', request: { reason: 'wake-up', labels: due.map((d) => d.label) } });
    }
    const job = queue.shift();
    if (job) {
      const scope = new CancellationScope();
      const labels =
        job.kind === 'pass' ? (job.request.labels ?? cfg.promotions.map((p) => p.targetLabel)) : [job.request.label];
      running = {
        reason: job.kind === 'pass' ? job.request.reason : `${job.kind} by ${job.request.by}`,
        startedAt: nowSeconds(),
        workflowId: '',
        scope,
        labels,
      };
      setCurrentDetails(`running: ${running.reason}`);
      let outcome: { ok: unknown } | { error: unknown };
      try {
        outcome = { ok: await scope.run(() => runJob(job)) };
      } catch (err) {
        const aborted = isCancellation(err);
        outcome = {
          error: aborted
            ? ApplicationFailure.create({ type: 'Aborted', nonRetryable: true, message: `${running.reason}: aborted` })
            : err,
        };
        state.lastError = {
          at: nowSeconds(),
          reason: running.reason,
          message: aborted ? 'aborted' : (err as Error).message,
        };
      } finally {
        running = null;
      }
      if (awaited.has(job.id)) results.set(job.id, outcome);
      setCurrentDetails(`idle; last: ${job.kind} (${state.lastPass?.reason ?? '-'})`);
    }
    if (queue.length === 0 && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof releaseController>({ config: cfg, state });
    }
  }
}
