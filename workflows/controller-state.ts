// The release controller's state and the rules that change it: controls (holds, approvals, waivers, refusals, the
// audit log), the queue of jobs, planned wake-ups, and what status shows. Plain data and pure methods (the clock is
// passed in), so it is tested without Temporal and carried whole across continue-as-new.
import type { ReleaseConfig } from '../domain/config.js';
import { promotionWorkflowId } from '../domain/promotion.js';
import type * as m from './contract.js';
import type { NotifyState } from './notify.js';

export type QueuedJob =
  | { id: number; kind: 'pass'; request: m.RunPassRequest }
  | { id: number; kind: 'force'; request: m.ForcePromoteRequest }
  | { id: number; kind: 'rollback'; request: m.RollbackRequest };
export type NewJob = QueuedJob extends infer J ? (J extends QueuedJob ? Omit<J, 'id'> : never) : never;

export type Wakeup = m.ControllerStatus['wakeups'][number];

/** Everything the controller carries into its next run (continue-as-new). */
export interface ControllerSnapshot {
  controls: m.Controls;
  queue: QueuedJob[];
  wakeups: Wakeup[];
  lastPass: m.ControllerStatus['lastPass'];
  lastError: m.ControllerStatus['lastError'];
  failures: m.PromotionFailureRecord[];
  config: m.ConfigVersion | null;
  nextId: number;
  /** Stale alarms, reported holds and approvals, undelivered notifications (absent before notifications). */
  notify?: NotifyState;
}

const AUDIT_KEEP = 200;
const APPROVALS_KEEP = 100;
const REFUSALS_KEEP = 100;
const FAILURES_KEEP = 20;
/** What status and the memo carry of the audit log: its newest entries. */
export const AUDIT_TAIL = 20;
const MEMO_WHY = 200;
const MEMO_AUDIT = 10;
const ENDED_WELL: m.PromotionOutcome[] = ['promoted', 'already-promoted'];

export class ControllerState {
  readonly s: ControllerSnapshot;

  constructor(
    readonly release: string,
    readonly distro: string,
    private readonly now: () => number,
    from?: ControllerSnapshot,
  ) {
    this.s = from ?? {
      controls: { holds: [], approvals: [], waivers: [], refusals: [], audit: [] },
      queue: [],
      wakeups: [],
      lastPass: null,
      lastError: null,
      failures: [],
      config: null,
      nextId: 1,
    };
  }

  get controls(): m.Controls {
    return this.s.controls;
  }

  /** Records a control; the requester's client identity goes with it when the request carried one. */
  private audit(e: Omit<m.AuditEntry, 'at' | 'identity'>, req?: m.Actor): m.ControlAck {
    const entry = { at: this.now(), ...e, ...(req?.identity ? { identity: req.identity } : {}) };
    const log = this.s.controls.audit;
    log.push(entry);
    if (log.length > AUDIT_KEEP) log.splice(0, log.length - AUDIT_KEEP);
    return { entry };
  }

  // --- jobs -------------------------------------------------------------------------------------------------

  /** Queues a job; evaluations coalesce: a pass already waiting covers a new one (labels merged). */
  enqueue(job: NewJob): number {
    if (job.kind === 'pass' && !job.request.dryRun) {
      const waiting = this.s.queue.find((j) => j.kind === 'pass' && !j.request.dryRun);
      if (waiting?.kind === 'pass') {
        const a = waiting.request.labels;
        const b = job.request.labels;
        waiting.request.labels = a && b ? [...new Set([...a, ...b])] : undefined;
        if (!waiting.request.reason.includes(job.request.reason)) {
          waiting.request.reason = `${waiting.request.reason}; ${job.request.reason}`.slice(0, 300);
        }
        return waiting.id;
      }
    }
    const id = this.s.nextId++;
    this.s.queue.push({ ...job, id } as QueuedJob);
    return id;
  }

  next(): QueuedJob | undefined {
    return this.s.queue.shift();
  }

  get queued(): number {
    return this.s.queue.length;
  }

  nextWakeAt(): number | null {
    return this.s.wakeups.length ? Math.min(...this.s.wakeups.map((w) => w.at)) : null;
  }

  /** Turns wake-ups that are due into one evaluation of their labels. */
  wakeDue(): void {
    const now = this.now();
    const due = this.s.wakeups.filter((w) => w.at <= now);
    if (!due.length) return;
    this.s.wakeups = this.s.wakeups.filter((w) => w.at > now);
    this.enqueue({ kind: 'pass', request: { reason: 'wake-up', labels: [...new Set(due.map((d) => d.label))] } });
  }

  // --- controls ---------------------------------------------------------------------------------------------

  hold(req: m.HoldRequest): m.ControlAck {
    const c = this.s.controls;
    c.holds = c.holds.filter((h) => h.label !== req.label);
    c.holds.push({ label: req.label, by: req.by, why: req.why, at: this.now() });
    return this.audit({ action: 'hold', by: req.by, why: req.why, label: req.label }, req);
  }

  unhold(req: m.HoldRequest): m.ControlAck {
    this.s.controls.holds = this.s.controls.holds.filter((h) => h.label !== req.label);
    this.enqueue({ kind: 'pass', request: { reason: `unhold by ${req.by}`, labels: [req.label] } });
    return this.audit({ action: 'unhold', by: req.by, why: req.why, label: req.label }, req);
  }

  approve(req: m.ApproveRequest): m.ControlAck {
    const list = this.s.controls.approvals;
    list.push({ label: req.label, fullHash: req.fullHash, by: req.by, why: req.why, at: this.now() });
    if (list.length > APPROVALS_KEEP) list.splice(0, list.length - APPROVALS_KEEP);
    this.enqueue({ kind: 'pass', request: { reason: `approval by ${req.by}`, labels: [req.label] } });
    return this.audit({ action: 'approve', by: req.by, why: req.why, label: req.label, fullHash: req.fullHash }, req);
  }

  /** Grants a waiver; the caller starts its expiry timer. */
  waive(cfg: ReleaseConfig, req: m.WaiveRequest): { ack: m.ControlAck; waiver: m.WaiverRecord } {
    const at = this.now();
    const { job, fullHash, by, why } = req;
    const waiver: m.WaiverRecord = { job, fullHash, by, why, at, expiresAt: at + req.durationSeconds };
    this.s.controls.waivers.push(waiver);
    const labels = cfg.promotions.filter((p) => p.criteria.includes(job)).map((p) => p.targetLabel);
    this.enqueue({ kind: 'pass', request: { reason: `waiver by ${by}`, labels } });
    return { ack: this.audit({ action: 'waive', by, why, job, fullHash }, req), waiver };
  }

  /** Drops a waiver whose time is up (a waiver that is gone already changes nothing). */
  expireWaiver(w: Pick<m.WaiverRecord, 'job' | 'fullHash' | 'at' | 'expiresAt'>): void {
    const c = this.s.controls;
    const i = c.waivers.findIndex(
      (x) => x.job === w.job && x.fullHash === w.fullHash && x.at === w.at && x.expiresAt === w.expiresAt,
    );
    if (i < 0) return;
    const [gone] = c.waivers.splice(i, 1);
    this.audit({
      action: 'waiver-expired',
      by: 'controller',
      why: `granted by ${gone!.by}: ${gone!.why}`,
      job: gone!.job,
      fullHash: gone!.fullHash,
    });
  }

  unapprove(req: m.UnapproveRequest): m.ControlAck {
    const c = this.s.controls;
    c.approvals = c.approvals.filter((a) => !(a.label === req.label && a.fullHash === req.fullHash));
    return this.audit({ action: 'unapprove', by: req.by, why: req.why, label: req.label, fullHash: req.fullHash }, req);
  }

  /** Withdraws a waiver; its expiry timer then finds nothing to expire. */
  unwaive(cfg: ReleaseConfig, req: m.UnwaiveRequest): m.ControlAck {
    const c = this.s.controls;
    c.waivers = c.waivers.filter((w) => !(w.job === req.job && w.fullHash === req.fullHash));
    const labels = cfg.promotions.filter((p) => p.criteria.includes(req.job)).map((p) => p.targetLabel);
    this.enqueue({ kind: 'pass', request: { reason: `waiver withdrawn by ${req.by}`, labels } });
    return this.audit({ action: 'unwaive', by: req.by, why: req.why, job: req.job, fullHash: req.fullHash }, req);
  }

  clearRefusal(req: m.ClearRefusalRequest): m.ControlAck {
    const c = this.s.controls;
    c.refusals = c.refusals.filter((r) => !(r.label === req.label && r.fullHash === req.fullHash));
    this.enqueue({ kind: 'pass', request: { reason: `refusal cleared by ${req.by}`, labels: [req.label] } });
    return this.audit(
      { action: 'clear-refusal', by: req.by, why: req.why, label: req.label, fullHash: req.fullHash },
      req,
    );
  }

  abort(req: m.AbortRequest): m.ControlAck {
    return this.audit({ action: 'abort', by: req.by, why: req.why, ...(req.label ? { label: req.label } : {}) }, req);
  }

  forceOrRollback(kind: 'force' | 'rollback', r: m.Actor & { label: string }, fullHash: string): void {
    this.audit(
      { action: kind === 'force' ? 'force-promote' : 'rollback', by: r.by, why: r.why, label: r.label, fullHash },
      r,
    );
  }

  /** Records the configuration a job runs with; every change of version is audited. */
  configLoaded(v: m.ConfigVersion): void {
    const old = this.s.config;
    if (old?.version !== v.version) {
      const why = `${old?.version ?? '(none)'} -> ${v.version} (${v.file})`;
      this.audit({ action: 'configure', by: 'worker config dir', why });
    }
    this.s.config = v;
  }

  // --- results ----------------------------------------------------------------------------------------------

  /** A pass finished: keep its summary, plan wake-ups, remember refusals and failed promotions. */
  passDone(request: m.RunPassRequest, pass: m.ReleasePassResult): void {
    const stages = pass.stages.map(summarize);
    this.s.lastPass = { ...pass, stages, finishedAt: this.now(), reason: request.reason };
    // Only the stages this pass evaluated replace their wake-ups; the other labels keep theirs.
    const evaluated = new Set(stages.filter((x) => x.outcome !== 'busy').map((x) => x.targetLabel));
    const planned = stages
      .map((x) => x as m.StageResult)
      .filter((x) => typeof x.wakeAt === 'number')
      .map((x) => ({ at: x.wakeAt!, label: x.targetLabel, why: x.outcome }));
    this.s.wakeups = [...this.s.wakeups.filter((w) => !evaluated.has(w.label)), ...planned];
    for (const st of pass.stages) {
      const p = (st as m.StageResult).promotion;
      if (p) this.promotionDone(p);
    }
  }

  /** A promotion ended (from a pass, a force-promote or a rollback). */
  promotionDone(p: m.PromotionResult): void {
    if (ENDED_WELL.includes(p.outcome)) return;
    const at = this.now();
    this.s.failures.unshift({
      at,
      label: p.label,
      fullHash: p.fullHash,
      outcome: p.outcome,
      error: p.error ?? null,
      leftAhead: p.leftAhead ?? [],
      workflowId: promotionWorkflowId(this.release, this.distro, p.label, p.fullHash),
    });
    this.s.failures.splice(FAILURES_KEEP);
    if (p.outcome !== 'refused') return;
    const c = this.s.controls;
    if (c.refusals.some((r) => r.label === p.label && r.fullHash === p.fullHash)) return;
    const type = p.error?.type ?? 'Refused';
    const message = p.error?.message ?? 'refused';
    c.refusals.push({ label: p.label, fullHash: p.fullHash, at, type, message });
    if (c.refusals.length > REFUSALS_KEEP) c.refusals.splice(0, c.refusals.length - REFUSALS_KEEP);
    this.audit({
      action: 'refused',
      by: 'controller',
      why: `${type}: ${message}`.slice(0, 1000),
      label: p.label,
      fullHash: p.fullHash,
    });
  }

  jobFailed(reason: string, message: string): void {
    this.s.lastError = { at: this.now(), reason, message: message.slice(0, 2000) };
  }

  // --- reads ------------------------------------------------------------------------------------------------

  stageControls(cfg: ReleaseConfig): Record<string, m.StageControls> {
    const c = this.s.controls;
    const waivers = c.waivers.map((w) => ({
      job: w.job,
      fullHash: w.fullHash,
      expiresAt: w.expiresAt,
      by: w.by,
      reason: w.why,
    }));
    return Object.fromEntries(
      cfg.promotions.map((p) => [
        p.targetLabel,
        {
          hold: this.gate(p.targetLabel).hold,
          approved: c.approvals.filter((a) => a.label === p.targetLabel).map((a) => a.fullHash),
          waivers,
          refused: c.refusals.filter((r) => r.label === p.targetLabel),
        },
      ]),
    );
  }

  gate(label: string): m.GateAnswer {
    const h = this.s.controls.holds.find((x) => x.label === label);
    return { hold: h ? { by: h.by, why: h.why } : null };
  }

  /** The whole audit log kept (status shows its tail). */
  auditLog(): m.AuditEntry[] {
    return this.s.controls.audit;
  }

  /** What status shows: bounded (audit tail, last pass without per-vote details). */
  status(running: m.ControllerStatus['running']): m.ControllerStatus {
    const c = this.s.controls;
    return {
      release: this.release,
      distro: this.distro,
      controls: { ...c, audit: c.audit.slice(-AUDIT_TAIL) },
      config: this.s.config,
      running,
      lastPass: this.s.lastPass,
      lastError: this.s.lastError,
      failures: this.s.failures,
      wakeups: this.s.wakeups,
      pendingEvaluations: this.s.queue.length,
    };
  }

  /** The controls as kept in the workflow's memo, so a new controller recovers them (bounded in size). */
  memo(): m.Controls {
    const c = this.s.controls;
    const audit = c.audit.slice(-MEMO_AUDIT).map((a) => ({ ...a, why: a.why.slice(0, MEMO_WHY) }));
    return { ...c, approvals: c.approvals.slice(-20), refusals: c.refusals.slice(-20), audit };
  }

  /** Takes over the controls a previous (terminated or failed) controller left in its memo. */
  recover(prev: m.Controls): void {
    const c = this.s.controls;
    const now = this.now();
    c.holds = [...prev.holds.filter((h) => !c.holds.some((x) => x.label === h.label)), ...c.holds];
    c.approvals = [...prev.approvals, ...c.approvals];
    c.waivers = [...prev.waivers.filter((w) => w.expiresAt > now), ...c.waivers];
    c.refusals = [...(prev.refusals ?? []), ...c.refusals];
    c.audit = [...prev.audit, ...c.audit];
  }
}

/** A stage as the controller keeps it: without the per-candidate votes and URLs. */
function summarize(st: m.StageSummary): m.StageSummary {
  if (!('candidates' in st)) return st;
  const { promotion, ...rest } = st;
  return {
    ...rest,
    candidates: [],
    ...(promotion ? { promotion: { ...promotion, steps: [] } } : {}),
  };
}
