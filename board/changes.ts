// "What changed" between two hashes of a release (release-controller's changelog): per component, the commit each
// side was built from and DLRN's builds of that project in between. Aggregate hashes are read from DLRN's repo tree
// (delorean.repo -> each component's commit.yaml), builds from DLRN's GraphQL API; either missing gives a note,
// not an error.
import type { ComponentCommit, DlrnRepoClient } from '../integrations/dlrn-repo.js';
import type { DlrnBuild, DlrnBuildsReader } from '../integrations/dlrn-builds.js';
import type { BuildRef, Changes, ComponentChange } from './types.js';

export interface ChangesDeps {
  repo: Pick<DlrnRepoClient, 'aggregateComponents'>;
  builds: Pick<DlrnBuildsReader, 'find' | 'between'>;
}

export interface ChangesContext {
  release: string;
  distro: string;
  hashKind: 'commit' | 'aggregate';
  /** Labels whose repo dirs may hold the aggregates (target and candidate labels). */
  labels: string[];
}

interface Side {
  component: string | null;
  commitHash: string;
  distroHash: string;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A commit full_hash: <commit>_<distro[:8]>[_<ext distro[:8]>_<ext commit[:8]>]. */
function commitSide(full: string): Side[] {
  const [commitHash = '', distroHash = ''] = full.split('_');
  return [{ component: null, commitHash, distroHash }];
}

async function aggregateSides(deps: ChangesDeps, labels: string[], agg: string, notes: string[]): Promise<Side[]> {
  const problems: string[] = [];
  for (const label of labels) {
    try {
      const commits: ComponentCommit[] = await deps.repo.aggregateComponents(label, agg);
      return commits.map((c) => ({ component: c.component, commitHash: c.commit_hash, distroHash: c.distro_hash }));
    } catch (err) {
      problems.push(message(err));
    }
  }
  notes.push(`components of ${agg} not found: ${problems.join('; ')}`);
  return [];
}

const ref = (s: Side, b: DlrnBuild | null): BuildRef => ({
  commitHash: s.commitHash,
  distroHash: b?.distroHash ?? s.distroHash,
  projectName: b?.projectName ?? null,
  dtCommit: b?.dtCommit ?? null,
});
const buildRef = (b: DlrnBuild): BuildRef => ({
  commitHash: b.commitHash,
  distroHash: b.distroHash,
  projectName: b.projectName,
  dtCommit: b.dtCommit,
});

export async function changesBetween(
  deps: ChangesDeps,
  ctx: ChangesContext,
  from: string,
  to: string,
): Promise<Changes> {
  const notes: string[] = [];
  const sides = (h: string) =>
    ctx.hashKind === 'aggregate' ? aggregateSides(deps, ctx.labels, h, notes) : Promise.resolve(commitSide(h));
  const [a, b] = await Promise.all([sides(from), sides(to)]);
  const key = (s: Side) => s.component ?? '';
  const before = new Map(a.map((s) => [key(s), s]));
  const after = new Map(b.map((s) => [key(s), s]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const unchanged = names.filter((n) => before.get(n)?.commitHash === after.get(n)?.commitHash);
  const pairs = names.filter((n) => !unchanged.includes(n)).map((n) => [before.get(n), after.get(n)] as const);

  let found: (DlrnBuild | null)[] = [];
  const wanted = pairs.flatMap(([x, y]) => [x, y]).filter((s): s is Side => s !== undefined);
  try {
    found = await deps.builds.find(
      wanted.map((s) => ({ commitHash: s.commitHash, distroPrefix: s.distroHash.slice(0, 8) })),
    );
  } catch (err) {
    notes.push(`DLRN builds not listed: ${message(err)}`);
  }
  const buildOf = (s: Side | undefined) => (s ? (found[wanted.indexOf(s)] ?? null) : null);

  const changed: ComponentChange[] = await Promise.all(
    pairs.map(async ([x, y]) => {
      const [bx, by] = [buildOf(x), buildOf(y)];
      const change: ComponentChange = {
        component: (x ?? y)?.component ?? null,
        projectName: bx?.projectName ?? by?.projectName ?? null,
        from: x ? ref(x, bx) : null,
        to: y ? ref(y, by) : null,
        builds: [],
        truncated: false,
      };
      if (!bx || !by) return change;
      // A candidate older than the current hash lists the builds it would take back, newest first.
      const [lo, hi] = bx.id <= by.id ? [bx, by] : [by, bx];
      try {
        const r = await deps.builds.between(hi.projectName, lo.id, hi.id);
        return { ...change, builds: r.builds.map(buildRef), truncated: r.truncated };
      } catch (err) {
        notes.push(`builds of ${hi.projectName} not listed: ${message(err)}`);
        return change;
      }
    }),
  );
  return { release: ctx.release, distro: ctx.distro, from, to, changed, unchanged, notes: [...new Set(notes)] };
}
