// Writes a release's DLRN state from the sandbox model: the repo tree DLRN would have built (commit dirs with
// delorean.repo, commit.yaml, versions.csv; label symlinks; aggregate dirs) and a fixture of commits, votes and
// promotions that DLRN's own loadYAML puts into its database.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import {
  aggregateRepoContent,
  buildByKey,
  commitDir,
  commitRepoFile,
  HOUR,
  type SandboxBuild,
  type SandboxRelease,
} from './model.js';

// How long after a build each label took it, so promotion ids follow time as they do in DLRN (its votes come first).
const LABEL_DELAY: Record<string, number> = {
  'tripleo-ci-testing': HOUR / 2,
  'current-tripleo': 4 * HOUR,
  'current-tripleo-rdo': 7 * HOUR,
};
const USER = 'ciuser';

interface PromotionEvent {
  time: number;
  label: string;
  build: SandboxBuild;
}

function promotionEvents(rel: SandboxRelease): PromotionEvent[] {
  const events: PromotionEvent[] = [];
  for (const [label, history] of Object.entries(rel.labels)) {
    if (label.startsWith('previous-')) continue;
    history.forEach((key, i) => {
      const build = buildByKey(rel, key);
      const time = build.time + LABEL_DELAY[label]!;
      events.push({ time, label, build });
      // RDO moves the old hash to previous-<label> just before the label moves.
      const prevKey = history[i - 1];
      if (prevKey && rel.labels[`previous-${label}`]?.includes(prevKey)) {
        events.push({ time: time - 1, label: `previous-${label}`, build: buildByKey(rel, prevKey) });
      }
    });
  }
  return events.sort((a, b) => a.time - b.time || a.label.localeCompare(b.label));
}

function link(path: string, target: string) {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

const relativeCommitDir = (rel: SandboxRelease, c: SandboxRelease['commits'][number]) =>
  rel.useComponents ? commitDir(c).replace(`component/${c.component}/`, '') : commitDir(c);

export function writeRepoTree(rel: SandboxRelease, reposDir: string, repoBaseUrl: string) {
  for (const c of rel.commits) {
    const dir = join(reposDir, commitDir(c));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'delorean.repo'), commitRepoFile(c, repoBaseUrl));
    writeFileSync(join(dir, 'commit.yaml'), stringify({ commits: [{ ...c, status: 'SUCCESS' }] }));
    writeFileSync(
      join(dir, 'versions.csv'),
      'Project,Source Repo,Source Sha,Dist Repo,Dist Sha,Status,Last Success Timestamp,Component,Extended Sha,Pkg NVR\n' +
        `${c.project_name},https://opendev.org/openstack/${c.project_name},${c.commit_hash},` +
        `https://github.com/rdo-packages/${c.project_name}-distgit.git,${c.distro_hash},SUCCESS,${c.dt_commit},` +
        `${c.component ?? ''},${c.extended_hash ?? 'None'},${c.project_name}-1.0.0-0.${c.dt_commit}.el9\n`,
    );
  }
  // consistent is a symlink DLRN's builder moves, never a promotion row.
  for (const [label, history] of Object.entries({ ...rel.labels, consistent: [rel.consistent] })) {
    const current = buildByKey(rel, history[history.length - 1]!);
    if (!rel.useComponents) {
      link(join(reposDir, label), relativeCommitDir(rel, current.commits[0]!));
      continue;
    }
    for (const key of history) {
      const b = buildByKey(rel, key);
      const aggDir = join(reposDir, label, b.fullHash.slice(0, 2), b.fullHash.slice(2, 4), b.fullHash);
      mkdirSync(aggDir, { recursive: true });
      writeFileSync(join(aggDir, 'delorean.repo'), aggregateRepoContent(b.commits, repoBaseUrl));
      writeFileSync(join(aggDir, 'delorean.repo.md5'), b.fullHash);
    }
    const agg = current.fullHash;
    link(join(reposDir, label, 'delorean.repo'), `${agg.slice(0, 2)}/${agg.slice(2, 4)}/${agg}/delorean.repo`);
    for (const c of current.commits) {
      link(join(reposDir, 'component', c.component!, label), relativeCommitDir(rel, c));
    }
  }
}

/** The fixture for dlrn.utils.loadYAML. */
export function dlrnFixture(rel: SandboxRelease): Record<string, unknown[]> {
  const commits = rel.commits.map((c) => ({
    id: c.id,
    type: 'rpm',
    commit_hash: c.commit_hash,
    distro_hash: c.distro_hash,
    extended_hash: c.extended_hash ?? 'None',
    component: c.component,
    project_name: c.project_name,
    repo_dir: `/home/dlrn/data/${c.project_name}`,
    distgit_dir: `/home/dlrn/data/${c.project_name}_distro`,
    commit_branch: rel.release === 'master' ? 'master' : `stable/${rel.release}`,
    dt_commit: c.dt_commit,
    dt_distro: c.dt_commit - 60,
    dt_extended: c.extended_hash ? c.dt_commit - 30 : 0,
    dt_build: c.dt_commit + 600,
    status: 'SUCCESS',
    flags: c.flags,
    notes: 'OK',
  }));
  const civotes: unknown[] = [];
  const civotesAgg: unknown[] = [];
  for (const [key, rows] of Object.entries(rel.votes)) {
    const build = buildByKey(rel, key);
    for (const v of rows) {
      const timestamp = build.time + v.after;
      const vote = {
        ci_name: v.job,
        ci_url: `https://logserver.rdoproject.org/${rel.release}/${v.job}/${build.fullHash.slice(0, 12)}/${timestamp}`,
        ci_vote: v.result === 'pass',
        ci_in_progress: v.result === 'running',
        timestamp,
        notes: '',
        user: USER,
      };
      if (build.aggregateHash) civotesAgg.push({ ref_hash: build.aggregateHash, ...vote });
      else civotes.push({ commit_id: build.commits[0]!.id, component: build.commits[0]!.component, ...vote });
    }
  }
  const promotions: unknown[] = [];
  for (const ev of promotionEvents(rel)) {
    // promote-batch writes one row per component; only the last carries the aggregate hash (DLRN 0.26.1).
    ev.build.commits.forEach((c, i) => {
      const last = i === ev.build.commits.length - 1;
      promotions.push({
        commit_id: c.id,
        promotion_name: ev.label,
        timestamp: ev.time,
        user: USER,
        component: c.component,
        aggregate_hash: last ? ev.build.aggregateHash : null,
      });
    });
  }
  promotions.forEach((p, i) => Object.assign(p as object, { id: i + 1 }));
  return { commits, civotes, civotes_agg: civotesAgg, promotions };
}

export function packagesJson(rel: SandboxRelease): unknown[] {
  const seen = new Map<string, unknown>();
  for (const c of rel.commits) seen.set(c.project_name, { name: c.project_name, component: c.component ?? undefined });
  return [...seen.values()];
}
