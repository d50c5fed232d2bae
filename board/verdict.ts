// What a label waits for, in plain words, and whether anyone must act (britney's "waiting, check later" vs
// "blocked: needs action"). Pure: the engine's evaluation of the stage, the controller's controls and failures in;
// the board's LabelView out.
import type { CandidateExplanation, JobPicture, JobVote } from '../domain/engine.js';
import type { GateVerdict } from '../domain/policy.js';
import type { Controls, PromotionFailureRecord } from '../workflows/contract.js';
import type { CandidateView, FailureView, JobCheck, LabelView, Verdict, VerdictKind } from './types.js';
import { apiPath, changesPath, labelPath } from './paths.js';

export interface LabelInput {
  release: string;
  distro: string;
  label: string;
  candidateLabel: string;
  current: { fullHash: string | null; since: number | null };
  /** The hash the decision selected, or the one waiting for a gate. */
  selected: string | null;
  gate: GateVerdict | null;
  wakeAt: number | null;
  candidates: CandidateExplanation[];
  votes: Record<string, JobVote[]>;
  /** client/controller.ts ControllerState. */
  controllerState: string;
  controllerDetail: string | null;
  controls: Controls | null;
  failures: PromotionFailureRecord[];
  uiUrl: (workflowId: string) => string | null;
}

/** Rows that are not candidates for the next move (older, the current one, duplicates). */
const NOT_NEXT = new Set(['already_promoted', 'not_newer', 'duplicate', 'superseded', 'malformed', 'skipped']);
/** Controller states in which nothing it was asked runs. */
const CONTROLLER_DOWN = new Set(['wedged', 'no-worker', 'unanswered', 'unreachable']);

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** Each job's state, with the newest CI log its votes carry. */
export function jobChecks(pictures: JobPicture[], votes: readonly JobVote[], waived: readonly string[]): JobCheck[] {
  const newestUrl = (job: string) =>
    votes
      .filter((v) => v.job_id === job && v.url)
      .reduce<JobVote | null>((m, v) => (m === null || v.timestamp >= m.timestamp ? v : m), null)?.url ?? null;
  return pictures.map((j) => ({
    job: j.job,
    state: j.state,
    summary: j.summary,
    url: newestUrl(j.job),
    waived: waived.includes(j.job),
  }));
}

/** A candidate row with each criteria job's state and its newest CI log. */
export function candidateView(c: CandidateExplanation, votes: readonly JobVote[] = []): CandidateView {
  const jobs = jobChecks(c.jobs, votes, c.waived);
  return { fullHash: c.fullHash, status: c.status, reason: c.reason, since: c.candidateSince ?? c.timestamp, jobs };
}

export function failureView(f: PromotionFailureRecord, uiUrl: (id: string) => string | null): FailureView {
  return {
    at: f.at,
    fullHash: f.fullHash,
    outcome: f.outcome,
    cause: f.error ? `${f.error.type} at ${f.error.step}` : f.outcome,
    message: f.error?.message ?? f.outcome,
    workflowId: f.workflowId,
    workflowUrl: uiUrl(f.workflowId),
  };
}

const HEADLINE: Record<VerdictKind, string> = {
  'up-to-date': 'up to date',
  promotable: 'promotable: the next pass moves it',
  waiting: 'waiting, check later',
  blocked: 'blocked: needs action',
};

/** Job names only: each job's story (failed at, re-run since) is in its JobCheck. */
function jobsLine(what: string, jobs: JobCheck[]): string {
  return `${what}: ${jobs.map((j) => j.job).join(', ')}`;
}

/** What the next candidate waits for, and the verdict that follows from it alone. */
function candidateWait(next: CandidateView, pendingElsewhere: boolean): { kind: VerdictKind; lines: string[] } {
  const by = (s: string) => next.jobs.filter((j) => j.state === s && !j.waived);
  const [failed, running, missing] = [by('failed'), by('in_progress'), by('missing')];
  const lines: string[] = [];
  if (failed.length) lines.push(jobsLine('failed', failed));
  if (running.length) lines.push(jobsLine('in progress', running));
  if (missing.length) lines.push(`not reported yet: ${missing.map((j) => j.job).join(', ')}`);
  switch (next.status) {
    case 'refused':
    case 'unresolvable':
      return { kind: 'blocked', lines: [next.reason] };
    case 'in_progress':
      return { kind: 'waiting', lines };
    case 'missing_jobs':
      // A failed job blocks only when nothing else is still running for this label (a re-run, a newer build).
      if (failed.length && !running.length && !pendingElsewhere) return { kind: 'blocked', lines };
      return { kind: 'waiting', lines: lines.length ? lines : [next.reason] };
    default:
      return { kind: 'waiting', lines: [next.reason] };
  }
}

export function labelView(input: LabelInput): LabelView {
  const { controls, label } = input;
  const views = input.candidates.map((c) => candidateView(c, input.votes[c.fullHash]));
  const newer = views.filter((v) => !NOT_NEXT.has(v.status));
  const pending = newer.filter((v) => v.status === 'in_progress' || v.jobs.some((j) => j.state === 'in_progress'));
  const next =
    views.find((v) => v.fullHash === input.selected) ??
    pending.find((v) => !v.jobs.some((j) => j.state === 'failed')) ??
    newer[0] ??
    null;

  let kind: VerdictKind;
  let lines: string[];
  const gate = input.gate;
  if (gate?.outcome === 'held' || gate?.outcome === 'awaiting-approval') {
    kind = 'blocked';
    lines = [gate.outcome === 'awaiting-approval' ? `${gate.reason}: promoter approve --label ${label}` : gate.reason];
  } else if (gate) {
    kind = 'waiting';
    lines = [gate.reason + (gate.wakeAt ? ` (re-evaluated at ${iso(gate.wakeAt)})` : '')];
  } else if (input.selected && next) {
    kind = 'promotable';
    lines = ['every criteria job passed; the controller promotes it on its next pass'];
  } else if (!next) {
    kind = 'up-to-date';
    lines = [`no candidate in ${input.candidateLabel} newer than the current hash`];
  } else {
    ({ kind, lines } = candidateWait(
      next,
      pending.some((p) => p !== next),
    ));
  }

  const sinceCurrent = input.current.since ?? 0;
  const lastFailure = input.failures.filter((f) => f.label === label).sort((a, b) => b.at - a.at)[0] ?? null;
  // A failure older than the current hash was followed by a promotion: history, not a block.
  const failure = lastFailure && lastFailure.at >= sinceCurrent ? lastFailure : null;
  if (failure) {
    kind = 'blocked';
    lines.unshift(
      `the last promotion of ${failure.fullHash} ended ${failure.outcome}: ${failure.error?.message ?? '-'}`,
    );
  }
  if (CONTROLLER_DOWN.has(input.controllerState)) {
    kind = 'blocked';
    lines.unshift(`controller ${input.controllerState}: ${input.controllerDetail ?? '-'}`);
  }
  const verdict: Verdict = { kind, mustAct: kind === 'blocked', headline: `${HEADLINE[kind]}: ${lines[0] ?? ''}` };
  const candidateHashes = new Set(views.map((v) => v.fullHash));
  const current = input.current.fullHash;
  return {
    label,
    candidateLabel: input.candidateLabel,
    current: input.current,
    next,
    waitingFor: lines,
    wakeAt: gate?.wakeAt ?? input.wakeAt,
    verdict,
    holds: controls?.holds.filter((h) => h.label === label) ?? [],
    approvals: controls?.approvals.filter((a) => a.label === label) ?? [],
    waivers: controls?.waivers.filter((w) => candidateHashes.has(w.fullHash)) ?? [],
    refusals: controls?.refusals.filter((r) => r.label === label) ?? [],
    lastFailure: lastFailure && failureView(lastFailure, input.uiUrl),
    links: {
      page: labelPath(input.release, input.distro, label),
      api: apiPath(input.release, input.distro, label),
      changes: current && next ? changesPath(input.release, input.distro, current, next.fullHash) : null,
    },
  };
}
