// The controller's state on its own (no Temporal): coalescing, wake-ups, refusals, failures, config versions,
// what status and the memo carry.
import { describe, expect, it } from 'vitest';
import type * as m from '../../workflows/contract.js';
import { ControllerState } from '../../workflows/controller-state.js';
import { validate } from '../../workflows/controller-validators.js';

const who = { by: 'op', why: 'test' };
const H1 = 'a'.repeat(32) + '_' + 'd'.repeat(8);
const H2 = 'b'.repeat(32) + '_' + 'd'.repeat(8);

function state(t = { now: 1000 }) {
  return { t, s: new ControllerState('master', 'centos9', () => t.now) };
}

const stage = (targetLabel: string, outcome: m.StageOutcome, extra: Partial<m.StageResult> = {}): m.StageResult => ({
  release: 'master',
  distro: 'centos9',
  targetLabel,
  candidateLabel: 'x',
  outcome,
  before: null,
  selected: null,
  reason: outcome,
  candidates: [
    {
      fullHash: H1,
      hash: null,
      timestamp: 1,
      status: 'selected',
      passed: ['job'],
      missing: [],
      failed: [],
      inProgress: [],
      waived: [],
      alternativesUsed: [],
    } as unknown as m.StageResult['candidates'][number],
  ],
  ...extra,
});
const pass = (...stages: m.StageSummary[]): m.ReleasePassResult => ({ release: 'master', distro: 'centos9', stages });
const promotion = (outcome: m.PromotionOutcome, fullHash = H1, label = 'current-tripleo'): m.PromotionResult => ({
  fullHash,
  label,
  outcome,
  previous: null,
  steps: [{ step: 'dlrn', state: 'failed', at: 1 }],
  warnings: [],
  error: outcome === 'promoted' ? null : { step: 'dlrn', type: 'DlrnForbiddenError', message: '403 forbidden' },
  leftAhead: outcome === 'failed-partly-undone' ? ['target/openstack-nova-api:current-tripleo -> sha256:1'] : [],
});

describe('ControllerState', () => {
  it('coalesces waiting evaluations into one job with the union of labels; a dry run stays its own job', () => {
    const { s } = state();
    const a = s.enqueue({ kind: 'pass', request: { reason: 'r1', labels: ['a'] } });
    const b = s.enqueue({ kind: 'pass', request: { reason: 'r2', labels: ['b'] } });
    const dry = s.enqueue({ kind: 'pass', request: { reason: 'dry', dryRun: true } });
    expect(b).toBe(a);
    expect(dry).not.toBe(a);
    expect(s.next()).toMatchObject({ id: a, request: { labels: ['a', 'b'], reason: 'r1; r2' } });
    const all = s.enqueue({ kind: 'pass', request: { reason: 'all' } });
    s.enqueue({ kind: 'pass', request: { reason: 'some', labels: ['a'] } });
    expect(s.s.queue.find((j) => j.id === all)?.request).toMatchObject({ labels: undefined });
  });

  it('a label-limited pass keeps the other labels’ wake-ups (item 7)', () => {
    const { s } = state();
    s.passDone(
      { reason: 'schedule' },
      pass(
        stage('current-tripleo', 'soaking', { wakeAt: 5000 }),
        stage('current-tripleo-rdo', 'outside-window', { wakeAt: 9000 }),
      ),
    );
    // An approval re-evaluates current-tripleo-rdo only: its wake-up is replaced, current-tripleo's stays.
    s.passDone({ reason: 'approval', labels: ['current-tripleo-rdo'] }, pass(stage('current-tripleo-rdo', 'promoted')));
    expect(s.s.wakeups).toEqual([{ at: 5000, label: 'current-tripleo', why: 'soaking' }]);
    // A busy stage did not evaluate: its wake-up stays too.
    s.passDone({ reason: 'x' }, pass({ targetLabel: 'current-tripleo', outcome: 'busy', reason: 'busy' }));
    expect(s.s.wakeups.map((w) => w.label)).toEqual(['current-tripleo']);
  });

  it('due wake-ups become one evaluation of their labels', () => {
    const { s, t } = state();
    s.passDone({ reason: 'x' }, pass(stage('a', 'soaking', { wakeAt: 1500 }), stage('b', 'soaking', { wakeAt: 3000 })));
    expect(s.nextWakeAt()).toBe(1500);
    t.now = 2000;
    s.wakeDue();
    expect(s.next()).toMatchObject({ kind: 'pass', request: { reason: 'wake-up', labels: ['a'] } });
    expect(s.s.wakeups.map((w) => w.label)).toEqual(['b']);
  });

  it('remembers a terminal refusal once per (label, full_hash), passes it to its stage, and clears it (item 13)', () => {
    const { s } = state();
    s.passDone({ reason: 'x' }, pass(stage('current-tripleo', 'refused', { promotion: promotion('refused') })));
    s.promotionDone(promotion('refused'));
    expect(s.controls.refusals).toEqual([
      { label: 'current-tripleo', fullHash: H1, at: 1000, type: 'DlrnForbiddenError', message: '403 forbidden' },
    ]);
    const cfg = { promotions: [{ targetLabel: 'current-tripleo' }, { targetLabel: 'x' }] } as never;
    expect(s.stageControls(cfg)['current-tripleo']!.refused.map((r) => r.fullHash)).toEqual([H1]);
    expect(s.stageControls(cfg)['x']!.refused).toEqual([]);
    expect(() => validate.clearRefusal(null, s.controls, { label: 'current-tripleo', fullHash: H2, ...who })).toThrow(
      /--hash: no refusal of/,
    );
    const ack = s.clearRefusal({ label: 'current-tripleo', fullHash: H1, ...who });
    expect(ack.entry).toMatchObject({ action: 'clear-refusal', fullHash: H1, by: 'op' });
    expect(s.controls.refusals).toEqual([]);
    expect(s.controls.audit.map((a) => a.action)).toEqual(['refused', 'clear-refusal']);
    expect(s.next()).toMatchObject({ request: { labels: ['current-tripleo'] } });
  });

  it('records promotions that did not end promoted, newest first and bounded, with cause and leftAhead (item 13)', () => {
    const { s, t } = state();
    s.promotionDone(promotion('promoted'));
    s.promotionDone(promotion('already-promoted'));
    expect(s.s.failures).toEqual([]);
    for (let i = 0; i < 30; i++) {
      t.now = 2000 + i;
      s.promotionDone(promotion('failed-partly-undone', H2));
    }
    expect(s.s.failures).toHaveLength(20);
    expect(s.s.failures[0]).toMatchObject({
      at: 2029,
      outcome: 'failed-partly-undone',
      error: { type: 'DlrnForbiddenError' },
      leftAhead: ['target/openstack-nova-api:current-tripleo -> sha256:1'],
      workflowId: `promotion/master/centos9/current-tripleo/${H2}`,
    });
  });

  it('audits every change of config version, and only changes (item 5)', () => {
    const { s } = state();
    s.configLoaded({ version: 'aaaaaaaaaaaa', file: 'master.yaml', loadedAt: 1 });
    s.configLoaded({ version: 'aaaaaaaaaaaa', file: 'master.yaml', loadedAt: 2 });
    s.configLoaded({ version: 'bbbbbbbbbbbb', file: 'master.yaml', loadedAt: 3 });
    expect(s.controls.audit.map((a) => [a.action, a.by, a.why])).toEqual([
      ['configure', 'worker config dir', '(none) -> aaaaaaaaaaaa (master.yaml)'],
      ['configure', 'worker config dir', 'aaaaaaaaaaaa -> bbbbbbbbbbbb (master.yaml)'],
    ]);
    expect(s.status(null).config).toEqual({ version: 'bbbbbbbbbbbb', file: 'master.yaml', loadedAt: 3 });
  });

  it('status and memo are bounded: audit tail, last pass without votes (item 20)', () => {
    const { s } = state();
    for (let i = 0; i < 150; i++) s.hold({ label: 'current-tripleo', by: 'op', why: 'w'.repeat(1000) });
    s.passDone({ reason: 'x' }, pass(stage('current-tripleo', 'promoted', { promotion: promotion('promoted') })));
    const st = s.status(null);
    expect(st.controls.audit).toHaveLength(20);
    expect((st.lastPass!.stages[0] as m.StageResult).candidates).toEqual([]);
    expect(JSON.stringify(st).length).toBeLessThan(30_000);
    expect(JSON.stringify(s.memo()).length).toBeLessThan(10_000);
    expect(s.controls.holds).toHaveLength(1);
  });

  it('the validators bound --why and name it (item 20)', () => {
    expect(() => validate.label(null, { label: 'x', by: 'op', why: 'w'.repeat(120_000) })).toThrow(
      /--why: at most 1000 characters \(got 120000\)/,
    );
    expect(() => validate.label(null, { label: 'x', by: 'op', why: 'w'.repeat(1000) })).not.toThrow();
  });

  it('a fresh run takes over recovered controls without losing what arrived first (item 14)', () => {
    const { s, t } = state();
    s.hold({ label: 'b', ...who });
    const prev: m.Controls = {
      holds: [
        { label: 'a', by: 'x', why: 'y', at: 1 },
        { label: 'b', by: 'old', why: 'old', at: 1 },
      ],
      approvals: [],
      waivers: [
        { job: 'j', fullHash: H1, by: 'x', why: 'y', at: 1, expiresAt: 500 },
        { job: 'j', fullHash: H2, by: 'x', why: 'y', at: 1, expiresAt: 5000 },
      ],
      refusals: [],
      audit: [{ at: 1, action: 'hold', by: 'x', why: 'y', label: 'a' }],
    };
    t.now = 1000;
    s.recover(prev);
    expect(s.controls.holds.map((h) => [h.label, h.by])).toEqual([
      ['a', 'x'],
      ['b', 'op'],
    ]);
    expect(s.controls.waivers.map((w) => w.fullHash)).toEqual([H2]);
    expect(s.controls.audit.map((a) => a.by)).toEqual(['x', 'op']);
  });
});
