// What a job's votes on one hash add up to. DLRN keeps every vote: jobs are re-run, re-runs fail or pass, and the
// in-progress row that last_tested_repo writes when a run starts is never closed. The rule: any success passes (as
// the old promoter, which asked DLRN for successful votes only); otherwise the newest vote decides, a result
// winning over an in-progress row of the same second; in-progress rows older than the timeout age out (the run
// crashed or never reported). Pure.

export interface JobVote {
  job_id: string;
  success: boolean;
  in_progress: boolean;
  timestamp: number;
  url?: string;
}

export type JobState = 'passed' | 'failed' | 'in_progress' | 'missing';

/** The full picture of one job on one hash, for `explain`. */
export interface JobPicture {
  job: string;
  state: JobState;
  votes: { success: number; failure: number; inProgress: number; staleInProgress: number };
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** The newest in-progress row that has not aged out. */
  inProgressSince: number | null;
  /** e.g. "failed at 2026-11-23T10:00:00Z, re-run in progress since 2026-11-23T11:00:00Z (2 failed, 1 in progress)". */
  summary: string;
}

export const DEFAULT_IN_PROGRESS_TIMEOUT = 24 * 3600;

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const newest = (votes: readonly JobVote[]) =>
  votes.reduce<number | null>((m, v) => Math.max(m ?? v.timestamp, v.timestamp), null);

function counts(p: JobPicture['votes']): string {
  const parts = [
    p.success ? `${p.success} passed` : '',
    p.failure ? `${p.failure} failed` : '',
    p.inProgress ? `${p.inProgress} in progress` : '',
    p.staleInProgress ? `${p.staleInProgress} in progress aged out` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The votes of one job on one hash (any order) -> its state and picture. */
export function jobPicture(job: string, votes: readonly JobVote[], now: number, timeoutSeconds: number): JobPicture {
  const success = votes.filter((v) => v.success === true);
  const failure = votes.filter((v) => v.success !== true && v.in_progress !== true);
  const running = votes.filter((v) => v.success !== true && v.in_progress === true);
  // A timeout of 0 turns ageing off (data sets with fixed old timestamps, like the sandbox's).
  const live = timeoutSeconds > 0 ? running.filter((v) => v.timestamp > now - timeoutSeconds) : running;
  const lastSuccessAt = newest(success);
  const lastFailureAt = newest(failure);
  const inProgressSince = newest(live);
  const tally = {
    success: success.length,
    failure: failure.length,
    inProgress: live.length,
    staleInProgress: running.length - live.length,
  };
  let state: JobState;
  if (lastSuccessAt !== null) state = 'passed';
  else if (inProgressSince !== null && (lastFailureAt === null || inProgressSince > lastFailureAt))
    state = 'in_progress';
  else if (lastFailureAt !== null) state = 'failed';
  else state = 'missing';

  const story: string[] = [];
  if (lastSuccessAt !== null) story.push(`passed at ${iso(lastSuccessAt)}`);
  if (lastFailureAt !== null && state !== 'passed') story.push(`failed at ${iso(lastFailureAt)}`);
  if (state === 'in_progress')
    story.push(`${lastFailureAt === null ? 'in progress' : 're-run in progress'} since ${iso(inProgressSince!)}`);
  if (state !== 'passed' && tally.staleInProgress > 0 && inProgressSince === null) {
    story.push(`in progress since ${iso(newest(running)!)}, aged out after ${timeoutSeconds / 3600} h`);
  }
  if (story.length === 0) story.push('no vote');
  return {
    job,
    state,
    votes: tally,
    lastSuccessAt,
    lastFailureAt,
    inProgressSince,
    summary: `${story.join(', ')}${counts(tally)}`,
  };
}

/** Pictures of every job that voted, by job name. */
export function jobPictures(votes: readonly JobVote[], now: number, timeoutSeconds: number): Map<string, JobPicture> {
  const byJob = new Map<string, JobVote[]>();
  for (const v of votes) byJob.set(v.job_id, [...(byJob.get(v.job_id) ?? []), v]);
  return new Map([...byJob].map(([job, vs]) => [job, jobPicture(job, vs, now, timeoutSeconds)]));
}
