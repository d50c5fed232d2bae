// Board data shaped like production, without a stack: N releases, each with RDO's chain of labels, candidates whose
// jobs failed, re-ran and are still running, holds, waivers and failed promotions. Built through the board's own
// labelView from engine-shaped candidates, so it is what the live source would give. For the server test, the
// browser test (50 releases) and bench/board.ts.
import { createHash } from 'node:crypto';
import { labelView } from '../../board/verdict.js';
import type { BoardSource, Changes, LabelPage, ReleaseView } from '../../board/types.js';
import type { CandidateExplanation, JobVote } from '../../domain/engine.js';
import { jobPicture } from '../../domain/votes.js';
import type { Controls, PromotionFailureRecord } from '../../workflows/contract.js';

export const NOW = 1767225600 + 30 * 86400;
const HOUR = 3600;
const hex = (s: string, n = 32) => createHash('sha256').update(s).digest('hex').slice(0, n);

const JOBS = [
  'periodic-tripleo-ci-centos-9-standalone',
  'periodic-tripleo-ci-centos-9-scenario001-standalone',
  'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001',
  'periodic-tripleo-ci-centos-9-scenario002-standalone',
  'periodic-tripleo-ci-centos-9-containers-multinode',
];
const CHAIN: [string, string][] = [
  ['tripleo-ci-testing', 'current-tripleo'],
  ['current-tripleo', 'current-tripleo-rdo'],
  ['current-tripleo-rdo', 'current-tripleo-rdo-internal'],
];

const vote = (job: string, hash: string, success: boolean, inProgress: boolean, at: number): JobVote => ({
  job_id: job,
  success,
  in_progress: inProgress,
  timestamp: at,
  url: `https://logserver.rdoproject.org/${job}/${hash.slice(0, 12)}/${at}`,
});

/** One candidate: every job voted; `shape` says how the last ones went (a failure, a re-run left in progress). */
function candidate(hash: string, release: string, since: number, shape: 'pass' | 'fail' | 'rerun') {
  const jobs = JOBS.map((j) => `${j}-${release}`);
  const votes: JobVote[] = jobs.flatMap((job, i) => {
    const at = since + HOUR + i * 600;
    if (shape === 'pass' || i < 3) return [vote(job, hash, true, false, at)];
    if (shape === 'fail') return [vote(job, hash, false, false, at), vote(job, hash, false, false, at + 2 * HOUR)];
    return [vote(job, hash, false, false, at), vote(job, hash, false, true, at + HOUR)];
  });
  const pictures = jobs.map((job) =>
    jobPicture(
      job,
      votes.filter((v) => v.job_id === job),
      NOW,
      0,
    ),
  );
  const by = (s: string) => pictures.filter((p) => p.state === s).map((p) => p.job);
  const status = shape === 'pass' ? 'selected' : shape === 'fail' ? 'missing_jobs' : 'in_progress';
  const c: CandidateExplanation = {
    fullHash: hash,
    hash: { kind: 'aggregate', aggregateHash: hash },
    timestamp: since,
    candidateSince: since,
    status,
    evaluated: true,
    passed: by('passed'),
    missing: by('missing'),
    failed: by('failed'),
    inProgress: by('in_progress'),
    waived: [],
    alternativesUsed: [],
    jobs: pictures,
    reason: shape === 'pass' ? 'all 5 criteria satisfied' : `failed jobs: ${by('failed').join(', ')}`,
  };
  return { c, votes };
}

export function fakeRelease(i: number): { view: ReleaseView; pages: LabelPage[] } {
  const release = `release-${String(i).padStart(2, '0')}`;
  const distro = 'centos9';
  const failures: PromotionFailureRecord[] = [];
  const controls: Controls = {
    holds:
      i % 7 === 3
        ? [{ label: 'current-tripleo-rdo', by: 'jpena', why: 'waiting for the RDO sync', at: NOW - 5 * HOUR }]
        : [],
    approvals: [],
    waivers: [],
    refusals: [],
    audit: [],
  };
  const pages: LabelPage[] = [];
  const controller = {
    workflowId: `release/${release}/${distro}`,
    state: 'running',
    detail: null,
    workflowUrl: `http://temporal.example/namespaces/default/workflows/release%2F${release}%2F${distro}`,
    running: null,
    lastError: null,
  };
  const labels = CHAIN.map(([from, label], k) => {
    const current = hex(`${release}/${label}/current`);
    const shapes = (['pass', 'fail', 'rerun'] as const).slice((i + k) % 3);
    const made = shapes.map((s, n) => candidate(hex(`${release}/${label}/${n}`), release, NOW - (n + 2) * 6 * HOUR, s));
    if (i % 5 === k) {
      failures.push({
        at: NOW - HOUR,
        label,
        fullHash: made[0]?.c.fullHash ?? current,
        outcome: 'failed-undone',
        error: { step: 'containers', type: 'RegistryUnavailable', message: 'registry answered 503 three times' },
        leftAhead: [],
        workflowId: `promotion/${release}/${distro}/${label}/${current}`,
      });
    }
    if (made[0] && i % 4 === 1) {
      controls.waivers.push({
        job: JOBS[4]!,
        fullHash: made[0].c.fullHash,
        by: 'amoralej',
        why: 'known infra flake, LP#2034567',
        at: NOW - 2 * HOUR,
        expiresAt: NOW + 22 * HOUR,
      });
    }
    const view = labelView({
      release,
      distro,
      label,
      candidateLabel: from,
      current: { fullHash: current, since: NOW - 3 * 86400 },
      selected: made.find((m) => m.c.status === 'selected')?.c.fullHash ?? null,
      gate: null,
      wakeAt: null,
      candidates: made.map((m) => m.c),
      votes: Object.fromEntries(made.map((m) => [m.c.fullHash, m.votes])),
      controllerState: 'running',
      controllerDetail: null,
      controls,
      failures,
      uiUrl: (id) => `http://temporal.example/namespaces/default/workflows/${encodeURIComponent(id)}`,
    });
    pages.push({
      release,
      distro,
      hashKind: 'aggregate',
      controller,
      view,
      candidates: made.map((m) => ({ ...view.next!, fullHash: m.c.fullHash, status: m.c.status, reason: m.c.reason })),
      history: Array.from({ length: 20 }, (_, n) => ({
        fullHash: n === 0 ? current : hex(`${release}/${label}/old/${n}`),
        at: NOW - (n + 3) * 86400,
        user: n % 3 === 0 ? 'old-promoter' : 'ciuser',
        byThisPromoter: n % 3 !== 0,
        checks: null,
        changes: null,
      })),
    });
    return view;
  });
  return { view: { release, distro, hashKind: 'aggregate', controller, labels, error: null }, pages };
}

/** A BoardSource over n fake releases. */
export function fakeSource(n: number): BoardSource {
  const all = Array.from({ length: n }, (_, i) => fakeRelease(i));
  return {
    releases: async () => all.map((r) => r.view),
    label: async (release, distro, label) =>
      all.flatMap((r) => r.pages).find((p) => p.release === release && p.distro === distro && p.view.label === label) ??
      null,
    changes: async (release, distro, from, to): Promise<Changes | null> =>
      all.some((r) => r.view.release === release && r.view.distro === distro)
        ? { release, distro, from, to, changed: [], unchanged: ['compute'], notes: [] }
        : null,
  };
}
