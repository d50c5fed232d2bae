// Stage policies that may hold back a hash the criteria already let through: a hold on the label, approval, soak
// time in the candidate label, promotion windows. Pure: `now` is passed in (workflow time in the controller).
import type { PromotionConfig, PromotionWindow } from './config.js';

export type GateOutcome = 'held' | 'awaiting-approval' | 'soaking' | 'outside-window';

export interface GateInput {
  promotion: Pick<PromotionConfig, 'targetLabel' | 'approvalRequired' | 'soakSeconds' | 'windows' | 'hold'>;
  fullHash: string;
  /** When the hash reached the candidate label (epoch seconds). */
  candidateSince: number | null;
  /** An operator hold (besides `hold: true` in the config). */
  held: { by: string; why: string } | null;
  approved: boolean;
  now: number;
}

export interface GateVerdict {
  outcome: GateOutcome;
  reason: string;
  /** When it is worth evaluating again (soak ends, window opens); null: only a person can lift it. */
  wakeAt: number | null;
}

const WEEKDAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Weekday name and minute of the day of `epochSeconds` in a time zone. */
function localTime(epochSeconds: number, timeZone: string): { day: string; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(epochSeconds * 1000));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    day: DAY_NAMES[WEEKDAY_INDEX[get('weekday')] ?? 0]!,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Is `now` inside one of the windows? A window whose end is before its start runs past midnight. */
export function inWindow(windows: PromotionWindow[], now: number): boolean {
  if (windows.length === 0) return true;
  return windows.some((w) => {
    const { day, minute } = localTime(now, w.timezone);
    const [start, end] = [toMinute(w.start), toMinute(w.end)];
    if (start < end) return w.days.includes(day as never) && minute >= start && minute < end;
    // Overnight: the part after start belongs to today, the part before end to the day it started.
    const yesterday = localTime(now - 86400, w.timezone).day;
    return (w.days.includes(day as never) && minute >= start) || (w.days.includes(yesterday as never) && minute < end);
  });
}

/** The next time (minute resolution, within a week) a window opens; null if none does. */
export function nextWindowOpen(windows: PromotionWindow[], now: number): number | null {
  const start = now - (now % 60) + 60;
  for (let t = start; t < start + 7 * 86400 + 60; t += 60) if (inWindow(windows, t)) return t;
  return null;
}

/** The first policy that holds the hash back, or null when it may be promoted now. */
export function gate(input: GateInput): GateVerdict | null {
  const { promotion: p, now } = input;
  if (p.hold) return { outcome: 'held', reason: `${p.targetLabel} is held in the release config`, wakeAt: null };
  if (input.held) {
    return {
      outcome: 'held',
      reason: `${p.targetLabel} is held by ${input.held.by}: ${input.held.why}`,
      wakeAt: null,
    };
  }
  if (p.soakSeconds > 0) {
    const since = input.candidateSince ?? now;
    const ready = since + p.soakSeconds;
    if (ready > now) {
      return {
        outcome: 'soaking',
        reason: `${input.fullHash} soaks in the candidate label until ${new Date(ready * 1000).toISOString()}`,
        wakeAt: ready,
      };
    }
  }
  if (!inWindow(p.windows, now)) {
    const next = nextWindowOpen(p.windows, now);
    return { outcome: 'outside-window', reason: `outside the promotion windows of ${p.targetLabel}`, wakeAt: next };
  }
  if (p.approvalRequired && !input.approved) {
    return {
      outcome: 'awaiting-approval',
      reason: `${input.fullHash} waits for approval to ${p.targetLabel}`,
      wakeAt: null,
    };
  }
  return null;
}
