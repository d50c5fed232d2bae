// The board's headline per label: does anyone have to act, and what does the next candidate wait for, in words.
import { describe, expect, it } from 'vitest';
import { labelView, type LabelInput } from '../../board/verdict.js';
import type { CandidateExplanation, CandidateStatus, JobVote } from '../../domain/engine.js';
import { jobPicture } from '../../domain/votes.js';
import type { Controls, PromotionFailureRecord } from '../../workflows/contract.js';

const NOW = 1767225600;
const H = 3600;
const [STANDALONE, OVB] = ['periodic-standalone-master', 'periodic-ovb-featureset001-master'];
const log = (job: string, at: number) => `https://logserver.rdoproject.org/${job}/${at}`;
const v = (job: string, result: 'pass' | 'fail' | 'running', at: number): JobVote => ({
  job_id: job,
  success: result === 'pass',
  in_progress: result === 'running',
  timestamp: at,
  url: log(job, at),
});

function cand(
  fullHash: string,
  status: CandidateStatus,
  votes: JobVote[],
  reason = status,
): [CandidateExplanation, JobVote[]] {
  const jobs = [STANDALONE, OVB].map((j) =>
    jobPicture(
      j,
      votes.filter((x) => x.job_id === j),
      NOW,
      0,
    ),
  );
  const names = (s: string) => jobs.filter((j) => j.state === s).map((j) => j.job);
  return [
    {
      fullHash,
      hash: { kind: 'aggregate', aggregateHash: fullHash },
      timestamp: NOW - 10 * H,
      candidateSince: NOW - 10 * H,
      status,
      evaluated: true,
      passed: names('passed'),
      missing: names('missing'),
      failed: names('failed'),
      inProgress: names('in_progress'),
      waived: [],
      alternativesUsed: [],
      jobs,
      reason,
    },
    votes,
  ];
}

const noControls: Controls = { holds: [], approvals: [], waivers: [], refusals: [], audit: [] };

function input(cands: [CandidateExplanation, JobVote[]][], extra: Partial<LabelInput> = {}): LabelInput {
  return {
    release: 'master',
    distro: 'centos9',
    label: 'current-tripleo',
    candidateLabel: 'tripleo-ci-testing',
    current: { fullHash: 'c0ffee00c0ffee00c0ffee00c0ffee00', since: NOW - 2 * 86400 },
    selected: null,
    gate: null,
    wakeAt: null,
    candidates: cands.map((c) => c[0]),
    votes: Object.fromEntries(cands.map(([c, votes]) => [c.fullHash, votes])),
    controllerState: 'running',
    controllerDetail: null,
    controls: noControls,
    failures: [],
    uiUrl: (id) => `http://ui/${id}`,
    ...extra,
  };
}

const passed = cand('a1'.repeat(16), 'selected', [v(STANDALONE, 'pass', NOW - 8 * H), v(OVB, 'pass', NOW - 7 * H)]);
// ovb failed twice, no re-run running: someone must look.
const failed = cand('b2'.repeat(16), 'missing_jobs', [
  v(STANDALONE, 'pass', NOW - 8 * H),
  v(OVB, 'fail', NOW - 7 * H),
  v(OVB, 'fail', NOW - 5 * H),
]);
// ovb failed, its re-run started and never reported yet.
const rerun = cand('c3'.repeat(16), 'in_progress', [
  v(STANDALONE, 'pass', NOW - 8 * H),
  v(OVB, 'fail', NOW - 7 * H),
  v(OVB, 'running', NOW - 6 * H),
]);
const current = cand('c0ffee00'.repeat(4), 'already_promoted', [v(STANDALONE, 'pass', NOW - 50 * H)]);
const failure = (at: number): PromotionFailureRecord => ({
  at,
  label: 'current-tripleo',
  fullHash: passed[0].fullHash,
  outcome: 'failed-undone',
  error: { step: 'containers', type: 'RegistryUnavailable', message: 'registry answered 503' },
  leftAhead: [],
  workflowId: 'promotion/master/centos9/current-tripleo/a1',
});

describe('labelView: the verdict and what the label waits for', () => {
  const cases: [string, LabelInput, string, RegExp, string | null][] = [
    [
      'selected, no gate',
      input([passed, current], { selected: passed[0].fullHash }),
      'promotable',
      /next pass/,
      passed[0].fullHash,
    ],
    ['nothing newer', input([current]), 'up-to-date', /no candidate in tripleo-ci-testing newer/, null],
    [
      'the only newer candidate failed, nothing running',
      input([failed, current]),
      'blocked',
      /failed: periodic-ovb-featureset001-master$/,
      failed[0].fullHash,
    ],
    [
      'failed with its re-run in progress',
      input([rerun, current]),
      'waiting',
      /in progress: periodic-ovb-featureset001-master$/,
      rerun[0].fullHash,
    ],
    [
      'newest failed, an older one re-running: wait for it',
      input([failed, rerun, current]),
      'waiting',
      /in progress/,
      rerun[0].fullHash,
    ],
    [
      'soaking',
      input([passed, current], {
        selected: passed[0].fullHash,
        gate: { outcome: 'soaking', reason: 'a1… soaks until 2026-01-01T06:00:00.000Z', wakeAt: NOW + 6 * H },
      }),
      'waiting',
      /soaks until .*re-evaluated at 2026-01-01T06:00:00Z/,
      passed[0].fullHash,
    ],
    [
      'awaiting approval',
      input([passed, current], {
        selected: passed[0].fullHash,
        gate: { outcome: 'awaiting-approval', reason: 'a1 waits for approval to current-tripleo', wakeAt: null },
      }),
      'blocked',
      /waits for approval .*promoter approve --label current-tripleo/,
      passed[0].fullHash,
    ],
    [
      'held',
      input([passed, current], {
        selected: passed[0].fullHash,
        gate: { outcome: 'held', reason: 'current-tripleo is held by jpena: RDO sync', wakeAt: null },
      }),
      'blocked',
      /held by jpena: RDO sync/,
      passed[0].fullHash,
    ],
    [
      'the last promotion failed after the current hash moved',
      input([passed, current], { selected: passed[0].fullHash, failures: [failure(NOW - H)] }),
      'blocked',
      /last promotion of a1a1.* ended failed-undone: registry answered 503/,
      passed[0].fullHash,
    ],
    [
      'controller wedged',
      input([passed, current], {
        selected: passed[0].fullHash,
        controllerState: 'wedged',
        controllerDetail: 'nondeterminism',
      }),
      'blocked',
      /controller wedged: nondeterminism/,
      passed[0].fullHash,
    ],
  ];
  it.each(cases)('%s', (_name, given, kind, line, next) => {
    const view = labelView(given);
    expect(view.verdict.kind).toBe(kind);
    expect(view.verdict.mustAct).toBe(kind === 'blocked');
    expect(view.verdict.headline).toMatch(line);
    expect(view.next?.fullHash ?? null).toBe(next);
  });

  it('links each job to its newest CI log and keeps an old failure as history, not a block', () => {
    const view = labelView(input([failed, current], { failures: [failure(NOW - 3 * 86400)] }));
    const ovb = view.next!.jobs.find((j) => j.job === OVB)!;
    expect(ovb).toMatchObject({ state: 'failed', url: log(OVB, NOW - 5 * H) });
    expect(ovb.summary).toMatch(/^failed at 2025-12-31T19:00:00Z \(2 failed\)$/);
    expect(view.lastFailure).toMatchObject({
      cause: 'RegistryUnavailable at containers',
      workflowUrl: expect.stringContaining('http://ui/'),
    });
    expect(view.waitingFor[0]).not.toMatch(/last promotion/);
    expect(view.links.changes).toBe(
      `/releases/master/centos9/changes?from=${current[0].fullHash}&to=${failed[0].fullHash}`,
    );
  });

  it("shows this label's holds and the waivers on its candidates, with who and why", () => {
    const controls: Controls = {
      ...noControls,
      holds: [
        { label: 'current-tripleo', by: 'jpena', why: 'RDO sync', at: NOW - H },
        { label: 'current-tripleo-rdo', by: 'other', why: 'not this label', at: NOW - H },
      ],
      waivers: [
        { job: OVB, fullHash: failed[0].fullHash, by: 'amoralej', why: 'LP#1', at: NOW - H, expiresAt: NOW + H },
        { job: OVB, fullHash: 'ff'.repeat(16), by: 'amoralej', why: 'another hash', at: NOW - H, expiresAt: NOW + H },
      ],
    };
    const view = labelView(input([failed, current], { controls }));
    expect(view.holds.map((h) => h.by)).toEqual(['jpena']);
    expect(view.waivers.map((w) => w.why)).toEqual(['LP#1']);
  });
});
