// What the promoter counts: the waiting reasons a decision's candidates map to, the label's last move, the ids a
// workflow ID carries, and the metrics and log line of one decideStage run as the worker's SDK meter receives them.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createDecideActivities, type DecideStageInput } from '../../activities/decide.js';
import { lastMoved, waitingByReason, WAITING_REASONS } from '../../activities/metrics.js';
import type { CandidateSummary, StageDecision } from '../../domain/decision-summary.js';
import type { CandidateStatus } from '../../domain/engine-types.js';
import type { GateOutcome } from '../../domain/policy.js';
import { workflowIdParts } from '../../domain/workflow-id.js';
import { FakeDlrn } from '../helpers/fake-dlrn.js';
import { recordingMeter } from '../helpers/recording-meter.js';

const cand = (status: CandidateStatus, failed: string[] = []): CandidateSummary => ({
  fullHash: `${status}-hash`,
  status,
  reason: status,
  candidateSince: null,
  passed: 1,
  missing: status === 'missing_jobs' && !failed.length ? ['job-a'] : [],
  failed,
  inProgress: status === 'in_progress' ? ['job-b'] : [],
  unsatisfied: 1,
});
const decision = (candidates: CandidateSummary[], gate: GateOutcome | null = null): StageDecision => ({
  selected: null,
  selectedFullHash: null,
  waitingFullHash: null,
  before: null,
  reason: '',
  gate: gate && { outcome: gate, reason: gate, wakeAt: null },
  wakeAt: null,
  candidates,
  counts: {},
  warnings: [],
});
const zero = Object.fromEntries(WAITING_REASONS.map((r) => [r, 0]));

describe('waitingByReason', () => {
  it.each([
    { name: 'a job with no vote', d: decision([cand('missing_jobs')]), want: { missing: 1 } },
    { name: 'a failed job wins over missing', d: decision([cand('missing_jobs', ['job-c'])]), want: { failed: 1 } },
    { name: 'running jobs', d: decision([cand('in_progress'), cand('in_progress')]), want: { in_progress: 2 } },
    { name: 'soak', d: decision([cand('soaking')], 'soaking'), want: { soak: 1 } },
    { name: 'approval', d: decision([cand('awaiting_approval')], 'awaiting-approval'), want: { approval: 1 } },
    {
      name: 'the selected hash outside the window',
      d: decision([cand('selected')], 'outside-window'),
      want: { window: 1 },
    },
    { name: 'the selected hash on a held label', d: decision([cand('selected')], 'held'), want: { held: 1 } },
    { name: 'selected and free to go: nothing waits', d: decision([cand('selected')]), want: {} },
    {
      name: 'superseded, refused, already promoted do not wait',
      d: decision([cand('superseded'), cand('refused'), cand('already_promoted'), cand('unresolvable')]),
      want: {},
    },
  ])('$name', ({ d, want }) => {
    expect(waitingByReason(d)).toEqual({ ...zero, ...want });
  });
});

describe('lastMoved and workflowIdParts', () => {
  it('the label moved at its newest promotion row, whatever the order', () => {
    const row = (timestamp: number) => ({
      commit_hash: 'c',
      distro_hash: 'd',
      extended_hash: null,
      aggregate_hash: null,
      component: null,
      promote_name: 'current-tripleo',
      timestamp,
    });
    expect(lastMoved([row(10), row(30), row(20)])).toBe(30);
    expect(lastMoved([])).toBeNull();
  });

  it.each([
    [
      'promotion/master/centos9/current-tripleo/abc_def',
      { release: 'master', distro: 'centos9', label: 'current-tripleo', full_hash: 'abc_def' },
    ],
    [
      'stage/wallaby/centos9/current-tripleo-rdo',
      { release: 'wallaby', distro: 'centos9', label: 'current-tripleo-rdo' },
    ],
    ['release/wallaby/centos9', { release: 'wallaby', distro: 'centos9' }],
    ['release/wallaby/centos9/crash-1700000000', { release: 'wallaby', distro: 'centos9' }],
    ['stage/wallaby/centos9', null],
    ['promotion/master/centos9/x/y/z', null],
    ['tick/master', null],
    ['', null],
  ])('%s', (id, want) => {
    expect(workflowIdParts(id)).toEqual(want);
  });
});

describe('decideStage observed', () => {
  const NOW = Date.parse('2026-11-23T12:00:00Z') / 1000;
  const criteria = ['periodic-a', 'periodic-b'];
  const row = (i: number, label: string, timestamp: number) => ({
    commit_hash: `c${i}`.padEnd(40, '0'),
    distro_hash: `d${i}`.padEnd(40, '0'),
    extended_hash: null,
    aggregate_hash: null,
    component: null,
    promote_name: label,
    timestamp,
  });
  const input: DecideStageInput = {
    apiUrl: 'http://dlrn',
    hashKind: 'commit',
    candidateLabel: 'tripleo-ci-testing',
    targetLabel: 'current-tripleo',
    lookBack: 100,
    criteria,
    alternativeCriteria: {},
    waivers: [],
    refused: [],
    gates: {
      promotion: { targetLabel: 'current-tripleo', approvalRequired: false, soakSeconds: 0, windows: [], hold: false },
      held: null,
      approved: [],
    },
    inProgressTimeoutSeconds: 86_400,
    now: NOW,
  };

  it('records the decision time, the label age, the waiting candidates and one log line with the table', async () => {
    const dlrn = new FakeDlrn();
    dlrn.promote(row(0, 'current-tripleo', NOW - 3 * 86_400));
    dlrn.promote(row(0, 'tripleo-ci-testing', NOW - 4 * 86_400));
    dlrn.promote(row(1, 'tripleo-ci-testing', NOW - 7200));
    dlrn.promote(row(2, 'tripleo-ci-testing', NOW - 3600));
    const [c1, d1] = [row(1, '', 0).commit_hash, row(1, '', 0).distro_hash];
    const [c2, d2] = [row(2, '', 0).commit_hash, row(2, '', 0).distro_hash];
    dlrn.vote(c1, d1, { job_id: 'periodic-a', success: false, in_progress: false, timestamp: NOW - 7000 });
    dlrn.vote(c2, d2, { job_id: 'periodic-a', success: false, in_progress: true, timestamp: NOW - 3000 });
    dlrn.vote(c2, d2, { job_id: 'periodic-b', success: true, in_progress: false, timestamp: NOW - 2000 });
    const { meter, values } = recordingMeter();
    const lines: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];
    const logger = {
      log: (level: LogLevel, message: string, meta?: LogMetadata) => lines.push({ level, message, meta }),
      trace: () => undefined,
      debug: () => undefined,
      info: (message: string, meta?: LogMetadata) => lines.push({ level: 'INFO', message, meta }),
      warn: () => undefined,
      error: () => undefined,
    };
    const env = new MockActivityEnvironment(
      { workflowExecution: { workflowId: 'stage/master/centos9/current-tripleo', runId: 'r' } },
      { metricMeter: meter, logger },
    );
    const { decideStage } = createDecideActivities(() => dlrn.client());
    const d = (await env.run(decideStage, input)) as StageDecision;
    expect(d.candidates.map((c) => c.status)).toEqual(['in_progress', 'missing_jobs', 'already_promoted']);

    const tags = { release: 'master', distro: 'centos9', label: 'current-tripleo' };
    const one = (name: string, extra = {}) =>
      values.filter((v) => v.name === name && expect.objectContaining({ ...tags, ...extra }).asymmetricMatch(v.tags));
    const [time] = one('promoter_decision_seconds');
    expect(time!.kind).toBe('histogram');
    expect(time!.value).toBeGreaterThan(0);
    expect(time!.value).toBeLessThan(5);
    expect(one('promoter_label_moved_timestamp_seconds')[0]!.value).toBe(NOW - 3 * 86_400);
    expect(one('promoter_label_age_seconds')[0]!.value).toBe(3 * 86_400);
    const waiting = Object.fromEntries(one('promoter_candidates_waiting').map((v) => [v.tags.reason, v.value]));
    expect(waiting).toEqual({ ...zero, in_progress: 1, failed: 1 });

    const decisions = lines.filter((l) => l.message === 'decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.meta).toMatchObject({
      ...tags,
      candidateLabel: 'tripleo-ci-testing',
      waiting: { in_progress: 1, failed: 1 },
      candidates: [
        { full_hash: `${c2}_${d2.slice(0, 8)}`, status: 'in_progress', inProgress: ['periodic-a'] },
        {
          full_hash: `${c1}_${d1.slice(0, 8)}`,
          status: 'missing_jobs',
          failed: ['periodic-a'],
          missing: ['periodic-b'],
        },
        { status: 'already_promoted' },
      ],
    });
  });
});
