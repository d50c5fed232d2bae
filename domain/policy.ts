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

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Weekday name and minute of the day of `epochSeconds` in a time zone. */
function localTime(epochSeconds: number, timeZone: string): { day: string; minute: number } {
  const parts = formatter(timeZone).formatToParts(new Date(epochSeconds * 1000));
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

/**
 * The next time (minute resolution, within a week) a window opens; null if none does. Jumps to each window's start
 * on each of the next eight local days instead of scanning minutes: a window opens only at its start, or at a UTC
 * offset change (DST) that lands inside it, so those instants and an hour around them are the only candidates.
 */
export function nextWindowOpen(windows: PromotionWindow[], now: number): number | null {
  const first = now - (now % 60) + 60;
  const last = first + 7 * 86400;
  const candidates = new Set<number>([first]);
  for (const w of windows) {
    const { minute } = localTime(first, w.timezone);
    const ahead = (toMinute(w.start) - minute + 1440) % 1440;
    for (let day = -1; day <= 8; day++) {
      const t = first + (ahead + day * 1440) * 60;
      // A DST change moves local time by up to an hour (Lord Howe: 30 minutes); the window may open just then.
      for (const shift of [-3600, -1800, 0, 1800, 3600]) candidates.add(t + shift);
    }
  }
  const open = [...candidates].filter((t) => t >= first && t <= last).sort((a, b) => a - b);
  for (const t of open) {
    if (!inWindow(windows, t)) continue;
    // Open at t: find the minute it opened, at most an hour back (after a DST jump) and not before `first`.
    let opened = t;
    while (opened - 60 >= first && opened - t > -3600 && inWindow(windows, opened - 60)) opened -= 60;
    return opened;
  }
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
