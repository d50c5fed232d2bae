// Notifications: what each event says, its deterministic id, who receives it and the thresholds of the alarms.
// Pure (no Node builtins): the controller builds events here; the activity signs and posts the body.

export const NOTIFY_EVENTS = ['promoted', 'failed', 'held-long', 'stale', 'approval-needed'] as const;
export type NotifyKind = (typeof NOTIFY_EVENTS)[number];

/** RDO calls a branch red when its label has not moved for 7 days. */
export const DEFAULT_STALE_AFTER = 7 * 24 * 3600;
export const DEFAULT_HELD_LONG_AFTER = 24 * 3600;

export interface WebhookConfig {
  /** Names the webhook in messages; default its URL's host. */
  name: string;
  url: string;
  /** The worker-side secret the body is signed with: env NAME or the file NAME_FILE names (never the value). */
  secretEnv: string;
  events: NotifyKind[];
  /** Only these target labels; all when absent. */
  labels?: string[];
}

export interface NotifyConfig {
  webhooks: WebhookConfig[];
  staleAfterSeconds: number;
  heldLongAfterSeconds: number;
  /** Per target label: thresholds that differ from the release's. */
  labels: Record<string, { staleAfterSeconds?: number; heldLongAfterSeconds?: number }>;
}

export interface NotifyEvent {
  /** Deterministic: the same occurrence always gets the same id, so a receiver dedupes on it. */
  id: string;
  kind: NotifyKind;
  release: string;
  distro: string;
  label: string;
  fullHash: string | null;
  /** The workflow to look at: the promotion for promoted/failed, the release controller otherwise. */
  workflowId: string;
  /** Epoch seconds (workflow time: identical on every retry and replay). */
  at: number;
  summary: string;
  details: Record<string, string | number | boolean | null | string[]>;
}

/** The webhooks that receive an event of `kind` for `label`. */
export function webhooksFor(cfg: NotifyConfig | undefined, kind: NotifyKind, label: string): WebhookConfig[] {
  return (cfg?.webhooks ?? []).filter((w) => w.events.includes(kind) && (!w.labels || w.labels.includes(label)));
}

/** Seconds a label may keep its hash before it is stale; null when nobody is told. */
export function staleAfter(cfg: NotifyConfig | undefined, label: string): number | null {
  if (!webhooksFor(cfg, 'stale', label).length) return null;
  return cfg!.labels[label]?.staleAfterSeconds ?? cfg!.staleAfterSeconds;
}

/** Seconds an operator hold may last before it is reported; null when nobody is told. */
export function heldLongAfter(cfg: NotifyConfig | undefined, label: string): number | null {
  if (!webhooksFor(cfg, 'held-long', label).length) return null;
  return cfg!.labels[label]?.heldLongAfterSeconds ?? cfg!.heldLongAfterSeconds;
}

/**
 * The id of one occurrence: controller workflow id, kind, label, hash and what makes the occurrence unique (the time
 * a promotion ended, the hold's start, the stale period). Never the time of sending.
 */
export function eventId(controllerId: string, kind: NotifyKind, label: string, fullHash: string | null, occ: string) {
  return [controllerId, kind, label, fullHash ?? '-', occ].join(':');
}

const iso = (s: number) => new Date(s * 1000).toISOString();

/** "7d", "36h", "45m": how long, for a summary line. */
export function humanDuration(seconds: number): string {
  if (seconds >= 86400 && seconds % 3600 === 0) {
    const d = Math.floor(seconds / 86400);
    const h = (seconds % 86400) / 3600;
    return h ? `${d}d${h}h` : `${d}d`;
  }
  if (seconds >= 3600) return `${Math.round(seconds / 360) / 10}h`;
  return seconds >= 60 ? `${Math.round(seconds / 60)}m` : `${seconds}s`;
}

/** The JSON body a webhook receives (snake_case, like DLRN's API). `link` is the worker's Web UI link, if known. */
export function notificationBody(e: NotifyEvent, link: string | null): string {
  return JSON.stringify({
    id: e.id,
    kind: e.kind,
    release: e.release,
    distro: e.distro,
    label: e.label,
    full_hash: e.fullHash,
    workflow_id: e.workflowId,
    link,
    time: iso(e.at),
    summary: e.summary,
    details: e.details,
  });
}

export { iso as isoTime };

// --- events -----------------------------------------------------------------------------------------------------

/** What every event of one release controller shares. */
export interface EventSource {
  controllerId: string;
  release: string;
  distro: string;
}

/** A promotion that ended: promoted, or failed in a way someone must look at. */
export interface EndedPromotion {
  label: string;
  fullHash: string;
  outcome: string;
  workflowId: string;
  previous?: string | null;
  error?: { step: string; type: string; message: string } | null;
  leftAhead?: string[];
  restored?: string[];
}

/** Outcomes reported as failed: terminal (refused) or with artifacts left ahead of DLRN; a fully undone failure is retried. */
export const FAILED_OUTCOMES = ['refused', 'failed-partly-undone', 'failed'] as const;

export function promotionEvent(src: EventSource, p: EndedPromotion, at: number): NotifyEvent | null {
  const base = { release: src.release, distro: src.distro, label: p.label, fullHash: p.fullHash, at };
  const where = `${src.release}/${src.distro}`;
  if (p.outcome === 'promoted') {
    return {
      ...base,
      id: eventId(src.controllerId, 'promoted', p.label, p.fullHash, `${p.outcome}@${at}`),
      kind: 'promoted',
      workflowId: p.workflowId,
      summary: `${p.label} of ${where} promoted to ${p.fullHash}`,
      details: { outcome: p.outcome, previous: p.previous ?? null },
    };
  }
  if (!(FAILED_OUTCOMES as readonly string[]).includes(p.outcome)) return null;
  const cause = p.error ? `${p.error.type}: ${p.error.message}` : 'no cause recorded';
  return {
    ...base,
    id: eventId(src.controllerId, 'failed', p.label, p.fullHash, `${p.outcome}@${at}`),
    kind: 'failed',
    workflowId: p.workflowId,
    summary: `promotion of ${p.fullHash} to ${p.label} of ${where} ${p.outcome}: ${cause}`.slice(0, 500),
    details: {
      outcome: p.outcome,
      step: p.error?.step ?? null,
      error_type: p.error?.type ?? null,
      error: (p.error?.message ?? '').slice(0, 1000) || null,
      left_ahead: (p.leftAhead ?? []).slice(0, 20),
      restored: (p.restored ?? []).slice(0, 20),
    },
  };
}

/** Where a label's staleness alarm stands: the hash it holds, since when, the last stale period reported. */
export interface StaleAlarm {
  fullHash: string;
  since: number;
  /** Stale periods reported for this hash (0: none yet); period n ends at since + n * staleAfter. */
  reported: number;
}

/**
 * A new alarm for a label seen holding `fullHash` since `since`. A label already stale when the alarm starts (a new
 * controller, a new config) reports its current period once, with the id any predecessor would have used.
 */
export function newAlarm(fullHash: string, since: number, now: number, after: number): StaleAlarm {
  return { fullHash, since, reported: Math.max(0, Math.floor((now - since) / after) - 1) };
}

/** When the alarm fires next: the end of the next unreported stale period. */
export const alarmDue = (a: StaleAlarm, after: number): number => a.since + (a.reported + 1) * after;

/** The stale period that `now` is in (at least the next one: a timer never fires early). */
export const periodAt = (a: StaleAlarm, now: number, after: number): number =>
  Math.max(a.reported + 1, Math.floor((now - a.since) / after));

export function staleEvent(src: EventSource, label: string, a: StaleAlarm, n: number, after: number): NotifyEvent {
  const at = a.since + n * after;
  return {
    id: eventId(src.controllerId, 'stale', label, a.fullHash, `since=${a.since}:period=${n}`),
    kind: 'stale',
    release: src.release,
    distro: src.distro,
    label,
    fullHash: a.fullHash,
    workflowId: src.controllerId,
    at,
    summary: `${label} of ${src.release}/${src.distro} has not moved for ${humanDuration(at - a.since)} (holds ${a.fullHash} since ${iso(a.since)})`,
    details: { since: iso(a.since), stale_after_seconds: after, period: n },
  };
}

export function heldLongEvent(
  src: EventSource,
  label: string,
  hold: { by: string; why: string; at: number },
  after: number,
  fullHash: string | null,
): NotifyEvent {
  return {
    id: eventId(src.controllerId, 'held-long', label, null, `hold@${hold.at}`),
    kind: 'held-long',
    release: src.release,
    distro: src.distro,
    label,
    fullHash,
    workflowId: src.controllerId,
    at: hold.at + after,
    summary:
      `${label} of ${src.release}/${src.distro} held by ${hold.by} for ${humanDuration(after)}: ${hold.why}`.slice(
        0,
        500,
      ),
    details: { held_by: hold.by, why: hold.why.slice(0, 500), held_since: iso(hold.at) },
  };
}

export function approvalEvent(
  src: EventSource,
  label: string,
  fullHash: string,
  reason: string,
  at: number,
): NotifyEvent {
  return {
    id: eventId(src.controllerId, 'approval-needed', label, fullHash, 'approval'),
    kind: 'approval-needed',
    release: src.release,
    distro: src.distro,
    label,
    fullHash,
    workflowId: src.controllerId,
    at,
    summary: `${fullHash} waits for approval to ${label} of ${src.release}/${src.distro}`,
    details: {
      reason: reason.slice(0, 500),
      approve: `promoter approve --release ${src.release} --label ${label} --hash ${fullHash} --by <you> --why <why>`,
    },
  };
}
