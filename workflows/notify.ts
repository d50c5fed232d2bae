// The release controller's notifications: an outbox of events delivered by activities (retried by Temporal, carried
// across continue-as-new), a durable staleness timer per label and a held-for-long timer per operator hold. Nothing
// polls: a stale timer sleeps until the label's next stale period ends, then reads the label once (moved by someone
// else: the timer restarts from DLRN's promotion time; not moved: one stale event). A promotion by this controller
// restarts its label's timer at once.
//
// Deploy safety: every command here is behind patched(NOTIFY_PATCH). A running controller replays its history
// without them and starts notifying once it runs live (at its next signal, update or wake-up).
import { CancellationScope, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import {
  alarmDue,
  approvalEvent,
  heldLongAfter,
  heldLongEvent,
  newAlarm,
  periodAt,
  promotionEvent,
  staleAfter,
  staleEvent,
  webhooksFor,
  type EndedPromotion,
  type EventSource,
  type NotifyEvent,
  type StaleAlarm,
  type WebhookConfig,
} from '../domain/notify.js';
import { promotionWorkflowId } from '../domain/promotion.js';
import { notifications, reads } from './activity-proxies.js';
import type * as m from './contract.js';

export const NOTIFY_PATCH = 'notify-webhooks';
/** Deliveries waiting at most; past this the oldest is dropped (and said so in lastError). */
const OUTBOX_KEEP = 200;

export interface Outgoing {
  event: NotifyEvent;
  webhook: Pick<WebhookConfig, 'name' | 'url' | 'secretEnv'>;
}

/** What the controller carries across continue-as-new for its notifications. */
export interface NotifyState {
  /** Per target label with a stale alarm. */
  alarms: Record<string, StaleAlarm>;
  /** Per label: the start of the operator hold already reported as held for long. */
  heldReported: Record<string, number>;
  /** Per label: the hash whose approval was already asked for. */
  approvalAsked: Record<string, string>;
  outbox: Outgoing[];
}

export const emptyNotifyState = (): NotifyState => ({ alarms: {}, heldReported: {}, approvalAsked: {}, outbox: [] });

const now = () => Math.floor(Date.now() / 1000);
const keyOf = (o: Outgoing) => `${o.event.id}|${o.webhook.name}`;

export class Notifier {
  private on = false;
  private cfg: ReleaseConfig | null = null;
  private readonly root = CancellationScope.current();
  /** Running timers: "stale:<label>" / "held:<label>" -> the scope and the time it fires. */
  private readonly timers = new Map<string, { scope: CancellationScope; due: number }>();
  private readonly sending = new Set<string>();
  private seeding = false;

  constructor(
    private readonly src: EventSource,
    /** The controller's snapshot field, created when notifications start. */
    private readonly state: () => NotifyState,
    private readonly controls: () => m.Controls,
    private readonly problem: (message: string) => void,
  ) {}

  /** For the status query: reads only (a query issues no command). */
  status(st: NotifyState | undefined): m.NotifyStatus | undefined {
    if (!st) return undefined;
    const alarms = Object.entries(st.alarms).map(([label, a]) => {
      const after = staleAfter(this.cfg?.notifications, label);
      return { label, ...a, staleAt: after === null ? 0 : alarmDue(a, after) };
    });
    return { alarms, undelivered: st.outbox.length };
  }

  /** No delivery in flight: continue-as-new must not cut one off (its acknowledgement would be lost). */
  get idle(): boolean {
    return this.sending.size === 0;
  }

  /** True once this run may issue notification commands; the first time, arms the timers and the outbox. */
  private live(): boolean {
    if (this.on) return true;
    if (!patched(NOTIFY_PATCH)) return false;
    this.on = true;
    this.rearm();
    this.pump();
    return true;
  }

  /** The configuration of the job that runs now: thresholds and webhooks may have changed. */
  configure(cfg: ReleaseConfig): void {
    this.cfg = cfg;
    if (this.on) this.rearm();
    else this.live();
  }

  /** A wake-up of the controller (loop iteration, control): lets a replayed controller start once it runs live. */
  poke(): void {
    if (this.cfg) this.live();
  }

  // --- events from the controller ------------------------------------------------------------------------------

  /** A promotion ended (from a pass, a force-promote or a rollback). */
  promotionEnded(p: m.PromotionResult): void {
    if (!this.live()) return;
    const ended: EndedPromotion = {
      ...p,
      workflowId: promotionWorkflowId(this.src.release, this.src.distro, p.label, p.fullHash),
    };
    const e = promotionEvent(this.src, ended, now());
    if (e) this.emit(e);
    const alarm = this.state().alarms[p.label];
    if (p.outcome === 'promoted' || (p.outcome === 'already-promoted' && alarm?.fullHash !== p.fullHash)) {
      this.resetAlarm(p.label, p.fullHash, now());
    }
  }

  passDone(pass: m.ReleasePassResult): void {
    if (!this.live()) return;
    for (const st of pass.stages) {
      if (!('candidates' in st)) continue;
      for (const r of st.refusals ?? []) {
        this.emitPromotion({ label: r.label, fullHash: r.fullHash, outcome: 'refused', error: { step: 'dlrn', ...r } });
      }
      const refusedEarlier = (fh: string) => (st.refusals ?? []).some((r) => r.fullHash === fh);
      if (st.promotion && !(st.promotion.outcome === 'refused' && refusedEarlier(st.promotion.fullHash))) {
        this.promotionEnded(st.promotion);
      } else if (st.outcome === 'failed' && st.selected) {
        // The promotion workflow itself failed: no PromotionResult, only the stage's reason.
        const error = { step: 'guard', type: 'PromotionWorkflowFailed', message: st.reason };
        this.emitPromotion({ label: st.targetLabel, fullHash: st.selected, outcome: 'failed', error });
      }
      if (st.outcome === 'awaiting-approval' && st.selected)
        this.approvalNeeded(st.targetLabel, st.selected, st.reason);
    }
  }

  held(label: string): void {
    if (this.live()) this.armHeld(label);
  }

  unheld(label: string): void {
    if (this.live()) this.cancel(`held:${label}`);
  }

  // --- internals -------------------------------------------------------------------------------------------------

  private emitPromotion(p: Omit<EndedPromotion, 'workflowId'>): void {
    const workflowId = promotionWorkflowId(this.src.release, this.src.distro, p.label, p.fullHash);
    const e = promotionEvent(this.src, { ...p, workflowId }, now());
    if (e) this.emit(e);
  }

  private approvalNeeded(label: string, fullHash: string, reason: string): void {
    const asked = this.state().approvalAsked;
    if (asked[label] === fullHash) return;
    asked[label] = fullHash;
    this.emit(approvalEvent(this.src, label, fullHash, reason, now()));
  }

  /** Queues the event for every webhook that takes it, then delivers. */
  private emit(e: NotifyEvent): void {
    const out = this.state().outbox;
    for (const w of webhooksFor(this.cfg?.notifications, e.kind, e.label)) {
      out.push({ event: e, webhook: { name: w.name, url: w.url, secretEnv: w.secretEnv } });
    }
    if (out.length > OUTBOX_KEEP) {
      const dropped = out.splice(0, out.length - OUTBOX_KEEP);
      this.problem(
        `notifications: ${dropped.length} undelivered dropped (outbox full), oldest ${dropped[0]!.event.id}`,
      );
    }
    this.pump();
  }

  /** Starts a delivery for every outbox entry not being delivered; each leaves the outbox when it ends. */
  private pump(): void {
    for (const o of this.state().outbox) {
      const key = keyOf(o);
      if (this.sending.has(key)) continue;
      this.sending.add(key);
      void this.inRoot(async () => {
        try {
          await notifications.deliverNotification(o);
        } catch (err) {
          if (isCancellation(err)) return;
          this.problem(`notification ${o.event.id} to ${o.webhook.name} not delivered: ${(err as Error).message}`);
        } finally {
          this.sending.delete(key);
        }
        const out = this.state().outbox;
        const i = out.findIndex((x) => keyOf(x) === key);
        if (i >= 0) out.splice(i, 1);
      });
    }
  }

  /** Timers and deliveries live in the controller's root scope: an aborted pass must not cancel them. */
  private inRoot(fn: () => Promise<void>): { scope: CancellationScope; done: Promise<void> } {
    const scope = new CancellationScope({ cancellable: true, parent: this.root });
    const done = scope.run(fn).catch((err: unknown) => {
      if (!isCancellation(err)) this.problem(`notifications: ${(err as Error).message}`);
    });
    return { scope, done };
  }

  private cancel(key: string): void {
    this.timers.get(key)?.scope.cancel();
    this.timers.delete(key);
  }

  /** Starts a timer unless one runs for the same time already. */
  private timer(key: string, due: number, fire: () => Promise<void>): void {
    if (this.timers.get(key)?.due === due) return;
    this.cancel(key);
    const t = this.inRoot(async () => {
      await sleep(Math.max(0, due - now()) * 1000);
      this.timers.delete(key);
      await fire();
    });
    this.timers.set(key, { scope: t.scope, due });
  }

  /** Arms every alarm the configuration asks for and drops the others; labels without an alarm are read once. */
  private rearm(): void {
    const cfg = this.cfg;
    if (!cfg) return;
    const st = this.state();
    const unseen: string[] = [];
    for (const { targetLabel: label } of cfg.promotions) {
      if (staleAfter(cfg.notifications, label) === null) {
        this.cancel(`stale:${label}`);
        delete st.alarms[label];
      } else if (st.alarms[label]) this.armStale(label);
      else unseen.push(label);
    }
    for (const h of this.controls().holds) this.armHeld(h.label);
    if (unseen.length && !this.seeding) {
      this.seeding = true;
      void this.inRoot(async () => {
        try {
          await this.seed(unseen);
        } finally {
          this.seeding = false;
        }
      });
    }
  }

  /** Starts the alarms of labels seen for the first time: since DLRN's promotion of the hash they hold. */
  private async seed(labels: string[]): Promise<void> {
    const cfg = this.cfg!;
    const heads = await reads.labelHeads({ apiUrl: cfg.apiUrl, labels, hashKind: cfg.hashKind });
    for (const h of heads) {
      const after = staleAfter(this.cfg?.notifications, h.label);
      if (!h.fullHash || after === null || this.state().alarms[h.label]) continue;
      this.state().alarms[h.label] = newAlarm(h.fullHash, h.promotedAt ?? now(), now(), after);
      this.armStale(h.label);
    }
  }

  private resetAlarm(label: string, fullHash: string, since: number): void {
    const after = staleAfter(this.cfg?.notifications, label);
    if (after === null) return;
    this.state().alarms[label] = newAlarm(fullHash, since, now(), after);
    this.armStale(label);
  }

  private armStale(label: string): void {
    const after = staleAfter(this.cfg?.notifications, label);
    const alarm = this.state().alarms[label];
    if (after === null || !alarm) return;
    this.timer(`stale:${label}`, alarmDue(alarm, after), () => this.staleDue(label));
  }

  /** A stale period ended: one read of the label decides between "moved by someone else" and a stale event. */
  private async staleDue(label: string): Promise<void> {
    const cfg = this.cfg!;
    const after = staleAfter(cfg.notifications, label);
    const before = this.state().alarms[label];
    if (after === null || !before) return;
    const [head] = await reads.labelHeads({ apiUrl: cfg.apiUrl, labels: [label], hashKind: cfg.hashKind });
    const alarm = this.state().alarms[label];
    // A promotion by this controller while the label was read has restarted the alarm already.
    if (alarm !== before) return;
    if (head?.fullHash && head.fullHash !== alarm.fullHash) {
      this.resetAlarm(label, head.fullHash, head.promotedAt ?? now());
      return;
    }
    const n = periodAt(alarm, now(), after);
    alarm.reported = n;
    this.emit(staleEvent(this.src, label, alarm, n, after));
    this.armStale(label);
  }

  private armHeld(label: string): void {
    const hold = this.controls().holds.find((h) => h.label === label);
    const after = heldLongAfter(this.cfg?.notifications, label);
    if (!hold || after === null || this.state().heldReported[label] === hold.at) {
      this.cancel(`held:${label}`);
      return;
    }
    this.timer(`held:${label}`, hold.at + after, async () => {
      const still = this.controls().holds.find((h) => h.label === label);
      if (!still || still.at !== hold.at || this.state().heldReported[label] === hold.at) return;
      this.state().heldReported[label] = hold.at;
      this.emit(heldLongEvent(this.src, label, hold, after, this.state().alarms[label]?.fullHash ?? null));
    });
  }
}
