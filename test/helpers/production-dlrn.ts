// A production-shaped DLRN data set for one stage (candidate label -> target label), written straight into a DLRN
// database with DLRN's own models (scripts/dlrn/bulk_load.py): builds in order, re-builds of a hash (an older FAILED
// and an older SUCCESS build whose votes do not count), a `consistent` row per build, candidates promoted twice,
// a long target history with re-promotions and previous-<target> rows, several votes per job with real timestamps,
// re-runs that fail then pass, in-progress rows never closed, jobs outside the criteria, and a few hashes with more
// than 100 votes (one page of DLRN's GraphQL). Only the hash `passingDepth` deep (1 = newest) meets every criterion.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/sandbox/stack-env.js';

const run = promisify(execFile);
export const DLRN_PYTHON = join(ROOT, '.tools', 'venv-dlrn', 'bin', 'python');

export interface StageDataSpec {
  /** Unique per data set: hashes, labels and job names derive from it. */
  tag: string;
  candidates: number;
  criteria: number;
  passingDepth: number;
  /** Older hashes behind the candidates; every second one reached the target. */
  history: number;
  /** Epoch seconds; the newest build is a few hours before it. */
  now: number;
  /**
   * Candidates promoted twice inside the window too (default true). The old promoter counts latest_hashes_count in
   * rows, not hashes: its benchmark needs a window of distinct rows to see the hash `passingDepth` deep.
   */
  repromoteInWindow?: boolean;
  /** Index the foreign keys as MariaDB does (scripts/dlrn/bulk_load.py --fk-indexes). */
  fkIndexes?: boolean;
}

export interface StageData {
  candidateLabel: string;
  targetLabel: string;
  criteria: string[];
  /** full_hash of the only candidate that passes. */
  passing: string;
  /** full_hashes of the candidate window, newest first. */
  window: string[];
  /** The commit and distro hash of each, in the same order. */
  windowHashes: { commit_hash: string; distro_hash: string }[];
  counts: { commits: number; votes: number; promotions: number };
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex');
const H = 3600;

/** Builds the data set and writes it into the DLRN database at dbUrl (sqlite:///…). */
export async function loadStageData(dbUrl: string, spec: StageDataSpec): Promise<StageData> {
  const { tag, candidates, criteria: n, passingDepth, history, now, repromoteInWindow = true } = spec;
  const candidateLabel = `tripleo-ci-testing-${tag}`;
  const targetLabel = `current-tripleo-${tag}`;
  const criteria = Array.from({ length: n }, (_, j) => `periodic-tripleo-ci-centos-9-${tag}-job-${j}`);
  const others = Array.from({ length: 10 }, (_, j) => `periodic-tripleo-ci-centos-9-${tag}-informing-${j}`);
  const total = history + candidates;
  const commits: Record<string, unknown>[] = [];
  const civotes: Record<string, unknown>[] = [];
  const promotions: Record<string, unknown>[] = [];
  const built = (i: number) => now - 4 * H - (total - 1 - i) * 1800;
  const hashOf = (i: number) => ({ commit_hash: sha(`${tag}-c-${i}`), distro_hash: sha(`${tag}-d-${i}`) });
  const full = (i: number) => `${hashOf(i).commit_hash}_${hashOf(i).distro_hash.slice(0, 8)}`;
  const commit = (i: number, key: string, status: string, dt: number) =>
    commits.push({
      key,
      ...hashOf(i),
      extended_hash: null,
      dt_commit: dt - 900,
      dt_distro: dt - 1200,
      dt_build: dt,
      project_name: `openstack-${tag}-${i % 40}`,
      repo_dir: `/home/centos-master/data/openstack-${i % 40}`,
      status,
      component: ['tripleo', 'compute', 'network', 'common'][i % 4],
      flags: 0,
      notes: status === 'SUCCESS' ? 'OK' : 'build failed',
      type: 'rpm',
    });
  const vote = (key: string, job: string, ok: boolean, at: number, inProgress = false) =>
    civotes.push({
      commit: key,
      ci_name: job,
      ci_url: `https://logserver.rdoproject.org/${tag}/${job}/${at}`,
      ci_vote: ok,
      ci_in_progress: inProgress,
      timestamp: at,
      notes: '',
      user: 'ciuser',
      component: null,
    });
  const promote = (key: string, label: string, at: number) =>
    promotions.push({ commit: key, promotion_name: label, timestamp: at, user: 'ciuser', component: null });

  for (let i = 0; i < total; i += 1) {
    const t = built(i);
    const depth = total - i; // 1 = newest candidate
    const key = `b${i}`;
    // Re-builds: an older failed build, or an older successful one whose votes must not count.
    if (i % 10 === 3) commit(i, `${key}-failed`, 'FAILED', t - 600);
    if (i % 25 === 7) {
      commit(i, `${key}-old`, 'SUCCESS', t - 300);
      for (const job of criteria) vote(`${key}-old`, job, true, t + H);
    }
    commit(i, key, 'SUCCESS', t);
    promote(key, 'consistent', t + 60);
    promote(key, candidateLabel, t + 600);
    // Promoted again by a re-run.
    if (i % 7 === 0 && (repromoteInWindow || depth > candidates)) promote(key, candidateLabel, t + 900);
    // Every job: an in-progress row from last_tested_repo that nobody closes, then results.
    const passes = depth === passingDepth || depth > candidates;
    for (const [j, job] of criteria.entries()) {
      vote(key, job, false, t + 1200 + j, true);
      const broken = !passes && j === depth % n;
      if (broken && depth % 3 === 0) continue; // never reported
      if (j % 4 === 1) vote(key, job, false, t + 2 * H + j); // failed once, re-run below
      if (broken && depth % 3 === 1) vote(key, job, false, t + 3 * H + j);
      else if (!(broken && depth % 3 === 2)) vote(key, job, true, t + 3 * H + j);
    }
    for (const [j, job] of others.entries()) vote(key, job, (i + j) % 3 !== 0, t + 2 * H + j);
    if (depth === 5 || depth === 50) {
      for (let r = 0; r < 90; r += 1) vote(key, others[0]!, r % 2 === 0, t + 5 * H + r * 60); // a noisy recheck
    }
    if (depth > candidates && i % 2 === 0) {
      const at = t + 6 * H;
      if (i > 0) promote(`b${i - 2 >= 0 ? i - 2 : 0}`, `previous-${targetLabel}`, at - 1);
      promote(key, targetLabel, at);
      if (i % 20 === 0 && i >= 4) {
        // A roll-back and a return: the target history holds a hash twice.
        promote(`b${i - 4}`, targetLabel, at + 60);
        promote(key, targetLabel, at + 120);
      }
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'stage-data-'));
  try {
    const file = join(dir, 'data.json');
    writeFileSync(file, JSON.stringify({ commits, civotes, promotions }));
    await run(
      DLRN_PYTHON,
      [join(ROOT, 'scripts', 'dlrn', 'bulk_load.py'), dbUrl, file, ...(spec.fkIndexes ? ['--fk-indexes'] : [])],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const window = Array.from({ length: candidates }, (_, d) => full(total - 1 - d));
  return {
    candidateLabel,
    targetLabel,
    criteria,
    passing: full(total - passingDepth),
    window,
    windowHashes: Array.from({ length: candidates }, (_, d) => hashOf(total - 1 - d)),
    counts: { commits: commits.length, votes: civotes.length, promotions: promotions.length },
  };
}
