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
  return `${Math.max(1, Math.round(seconds / 60))}m`;
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
