// "What changed" between two hashes: per component for aggregates, DLRN's builds in between, and a note (not an
// error) when DLRN cannot list builds.
import { describe, expect, it } from 'vitest';
import { changesBetween, type ChangesDeps } from '../../board/changes.js';
import type { DlrnBuild } from '../../integrations/dlrn-builds.js';
import type { ComponentCommit } from '../../integrations/dlrn-repo.js';
import { PromoterError, ErrorCode } from '../../domain/errors.js';

const sha = (s: string) => s.padEnd(40, '0');
const COMPONENTS = ['baremetal', 'cinder', 'common', 'compute', 'network', 'tripleo'];
/** Builds of every component, ids in build order; compute and network moved twice between the two aggregates. */
const builds: DlrnBuild[] = COMPONENTS.flatMap((component, i) =>
  [0, 1, 2].map((n) => ({
    id: 100 + i * 10 + n,
    projectName: `python-${component}`,
    component,
    commitHash: sha(`${i}${n}`),
    distroHash: sha(`d${i}${n}`),
    extendedHash: null,
    dtCommit: 1767225600 + n * 3600,
    commitBranch: 'master',
    status: 'SUCCESS',
  })),
);
const member = (component: string, n: number): ComponentCommit => {
  const b = builds.find(
    (x) => x.component === component && x.commitHash === sha(`${COMPONENTS.indexOf(component)}${n}`),
  )!;
  return {
    commit_hash: b.commitHash,
    distro_hash: b.distroHash,
    extended_hash: null,
    component,
    dt_commit: b.dtCommit,
  };
};
const aggregates: Record<string, ComponentCommit[]> = {
  ['aa'.repeat(16)]: COMPONENTS.map((c) => member(c, 0)),
  ['bb'.repeat(16)]: COMPONENTS.map((c) => member(c, c === 'compute' || c === 'network' ? 2 : 0)),
};

function deps(graphql = true): ChangesDeps & { calls: string[] } {
  const calls: string[] = [];
  const unavailable = () => new PromoterError(ErrorCode.DlrnNotFound, 'serves no /api/graphql (501)');
  return {
    calls,
    repo: {
      // Only the candidate label's repo dir holds the new aggregate, as DLRN writes it.
      aggregateComponents: async (label, agg) => {
        calls.push(`repo ${label} ${agg.slice(0, 2)}`);
        if (label === 'current-tripleo' && agg.startsWith('bb'))
          throw new PromoterError(ErrorCode.RepoFileMissing, '404');
        return aggregates[agg]!;
      },
    },
    builds: {
      find: async (refs) => {
        if (!graphql) throw unavailable();
        return refs.map(
          (r) => builds.find((b) => b.commitHash === r.commitHash && b.distroHash.startsWith(r.distroPrefix)) ?? null,
        );
      },
      between: async (project, after, upTo) => ({
        builds: builds.filter((b) => b.projectName === project && b.id > after && b.id <= upTo).reverse(),
        truncated: false,
      }),
    },
  };
}

const ctx = {
  release: 'master',
  distro: 'centos9',
  hashKind: 'aggregate' as const,
  labels: ['current-tripleo', 'tripleo-ci-testing'],
};

describe('changesBetween', () => {
  it('aggregates: the components that moved, each with the builds in between, newest first', async () => {
    const d = deps();
    const c = await changesBetween(d, ctx, 'aa'.repeat(16), 'bb'.repeat(16));
    expect(c.unchanged).toEqual(['baremetal', 'cinder', 'common', 'tripleo']);
    expect(c.changed.map((x) => [x.component, x.projectName, x.builds.map((b) => b.commitHash)])).toEqual([
      ['compute', 'python-compute', [sha('32'), sha('31')]],
      ['network', 'python-network', [sha('42'), sha('41')]],
    ]);
    expect(c.changed[0]!.from?.commitHash).toBe(sha('30'));
    expect(c.notes).toEqual([]);
    // The candidate aggregate was looked up in the target label first, then found in the candidate label.
    expect(d.calls).toContain('repo tripleo-ci-testing bb');
  });

  it('a candidate older than the current hash lists the builds it would take back', async () => {
    const c = await changesBetween(deps(), ctx, 'bb'.repeat(16), 'aa'.repeat(16));
    expect(c.changed[0]!.builds.map((b) => b.commitHash)).toEqual([sha('32'), sha('31')]);
  });

  it('a DLRN without GraphQL still gives the component commits, with a note', async () => {
    const c = await changesBetween(deps(false), ctx, 'aa'.repeat(16), 'bb'.repeat(16));
    expect(c.changed.map((x) => [x.component, x.from?.commitHash, x.to?.commitHash, x.builds.length])).toEqual([
      ['compute', sha('30'), sha('32'), 0],
      ['network', sha('40'), sha('42'), 0],
    ]);
    expect(c.notes.join()).toMatch(/DLRN builds not listed: .*graphql/);
  });

  it('commit hashes: one project, found by commit hash and distro prefix', async () => {
    const from = `${sha('30')}_${sha('d30').slice(0, 8)}`;
    const to = `${sha('32')}_${sha('d32').slice(0, 8)}`;
    const c = await changesBetween(deps(), { ...ctx, hashKind: 'commit' }, from, to);
    expect(c.changed).toHaveLength(1);
    expect(c.changed[0]).toMatchObject({ projectName: 'python-compute', to: { distroHash: sha('d32') } });
    expect(c.changed[0]!.builds).toHaveLength(2);
  });
});
