import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PromotionWindow } from '../../domain/config.js';
import { gate, inWindow, nextWindowOpen, type GateInput } from '../../domain/policy.js';

// 2026-11-23 is a Monday.
const at = (iso: string) => Date.parse(iso) / 1000;
const weekdays: PromotionWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  start: '08:00',
  end: '18:00',
  timezone: 'UTC',
};
const overnight: PromotionWindow = { days: ['fri'], start: '22:00', end: '02:00', timezone: 'UTC' };
const prague: PromotionWindow = { days: ['mon'], start: '09:00', end: '10:00', timezone: 'Europe/Prague' };

describe('inWindow', () => {
  it.each([
    ['no windows: always open', [], '2026-11-29T03:00:00Z', true],
    ['weekday inside', [weekdays], '2026-11-23T12:00:00Z', true],
    ['weekday at start', [weekdays], '2026-11-23T08:00:00Z', true],
    ['weekday at end (exclusive)', [weekdays], '2026-11-23T18:00:00Z', false],
    ['weekend', [weekdays], '2026-11-28T12:00:00Z', false],
    ['overnight, before midnight', [overnight], '2026-11-27T23:30:00Z', true],
    ['overnight, after midnight belongs to friday', [overnight], '2026-11-28T01:30:00Z', true],
    ['overnight, saturday night is not friday', [overnight], '2026-11-29T01:30:00Z', false],
    ['time zone: 09:30 in Prague is 08:30 UTC', [prague], '2026-11-23T08:30:00Z', true],
    ['time zone: 09:30 UTC is 10:30 in Prague', [prague], '2026-11-23T09:30:00Z', false],
    ['any of several windows', [weekdays, overnight], '2026-11-28T01:00:00Z', true],
  ] as const)('%s', (_name, windows, iso, expected) => {
    expect(inWindow([...windows], at(iso))).toBe(expected);
  });
});

describe('nextWindowOpen', () => {
  it.each([
    ['saturday -> monday 08:00', [weekdays], '2026-11-28T12:00:00Z', '2026-11-30T08:00:00.000Z'],
    ['monday early -> same day 08:00', [weekdays], '2026-11-23T06:59:30Z', '2026-11-23T08:00:00.000Z'],
    ['prague -> 08:00 UTC', [prague], '2026-11-24T00:00:00Z', '2026-11-30T08:00:00.000Z'],
  ] as const)('%s', (_name, windows, iso, expected) => {
    expect(new Date(nextWindowOpen([...windows], at(iso))! * 1000).toISOString()).toBe(expected);
  });

  it('a window on no day never opens', () => {
    expect(nextWindowOpen([{ ...weekdays, days: [] }], at('2026-11-23T00:00:00Z'))).toBeNull();
  });
});

describe('gate', () => {
  const base: GateInput = {
    promotion: { targetLabel: 'current-tripleo', approvalRequired: false, soakSeconds: 0, windows: [], hold: false },
    fullHash: 'abc',
    candidateSince: at('2026-11-23T10:00:00Z'),
    held: null,
    approved: false,
    now: at('2026-11-23T12:00:00Z'),
  };
  const withP = (p: Partial<GateInput['promotion']>, rest: Partial<GateInput> = {}): GateInput => ({
    ...base,
    ...rest,
    promotion: { ...base.promotion, ...p },
  });

  it.each([
    ['nothing in the way', base, null, null],
    ['held in the config', withP({ hold: true }), 'held', null],
    ['held by an operator, who and why named', withP({}, { held: { by: 'amy', why: 'CI outage' } }), 'held', null],
    ['soaking: 3h soak, 2h in candidate', withP({ soakSeconds: 3 * 3600 }), 'soaking', at('2026-11-23T13:00:00Z')],
    ['soaked long enough', withP({ soakSeconds: 3600 }), null, null],
    [
      'outside the window, wakes when it opens',
      withP({ windows: [weekdays] }, { now: at('2026-11-28T12:00:00Z') }),
      'outside-window',
      at('2026-11-30T08:00:00Z'),
    ],
    ['approval required, not given', withP({ approvalRequired: true }), 'awaiting-approval', null],
    ['approval required and given', withP({ approvalRequired: true }, { approved: true }), null, null],
    [
      'a hold wins over everything else',
      withP({ hold: true, approvalRequired: true, soakSeconds: 99999 }),
      'held',
      null,
    ],
  ] as const)('%s', (_name, input, outcome, wakeAt) => {
    const v = gate(input);
    expect(v?.outcome ?? null).toBe(outcome);
    expect(v?.wakeAt ?? null).toBe(wakeAt);
    if (outcome === 'held' && input.held) expect(v!.reason).toContain('amy: CI outage');
  });
});

describe('nextWindowOpen jumps from boundary to boundary', () => {
  const bruteForce = (windows: PromotionWindow[], now: number): number | null => {
    const start = now - (now % 60) + 60;
    for (let t = start; t < start + 7 * 86400 + 60; t += 60) if (inWindow(windows, t)) return t;
    return null;
  };

  it('a window six days ahead is found in a few milliseconds', () => {
    const tuesday = at('2026-11-24T10:00:00Z');
    const started = performance.now();
    expect(nextWindowOpen([prague], tuesday)).toBe(at('2026-11-30T08:00:00Z'));
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('agrees with a minute-by-minute scan (time zones, DST, overnight windows)', () => {
    const zones = ['UTC', 'Europe/Prague', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];
    const hhmm = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const windowArb = fc
      .record({
        days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, { minLength: 1 }),
        start: hhmm,
        end: hhmm,
        timezone: fc.constantFrom(...zones),
      })
      .filter((w) => w.start !== w.end);
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        // 2026-01-01 .. 2027-12-31, so DST changes in both hemispheres are crossed.
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') }),
        (windows, now) => {
          const w = windows.map((x) => ({ ...x, days: [...x.days] }));
          expect(nextWindowOpen(w, now)).toBe(bruteForce(w, now));
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
});
