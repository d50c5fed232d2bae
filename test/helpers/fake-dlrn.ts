// An in-memory DLRN API (the read calls the decision uses), with DLRN's semantics: promotions newest first by id,
// filters by hash and label, pages capped at 100; repo_status answers 400 "combination not found" for a build it
// does not know; no /api/graphql (404), so the REST path is what they see. For unit tests of the decide activity; integration tests use the real DLRN.
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import type { CommitVote, DlrnClient, Promotion, PromotionsQuery, RepoStatusQuery } from '../../integrations/dlrn.js';

export class FakeDlrn {
  readonly rows: Promotion[] = [];
  readonly votes = new Map<string, CommitVote[]>();
  /** Builds repo_status cannot resolve. */
  readonly unknown = new Set<string>();
  calls = 0;

  promote(row: Omit<Promotion, 'repo_hash' | 'repo_url' | 'user'>): void {
    this.rows.push({
      ...row,
      repo_hash: `${row.commit_hash}_${row.distro_hash.slice(0, 8)}`,
      repo_url: 'http://x',
      user: 'ciuser',
    });
  }

  vote(commit: string, distro: string, v: Pick<CommitVote, 'job_id' | 'success' | 'in_progress' | 'timestamp'>): void {
    const k = `${commit}_${distro}`;
    this.votes.set(k, [
      ...(this.votes.get(k) ?? []),
      {
        ...v,
        commit_hash: commit,
        distro_hash: distro,
        extended_hash: null,
        url: `https://logs.rdoproject.org/openstack-periodic-integration-main/opendev.org/openstack/tripleo-ci/master/${v.job_id}/${v.timestamp}/`,
        notes: '',
        user: 'ciuser',
        component: null,
      },
    ]);
  }

  client(): DlrnClient {
    const promotions = async (q: PromotionsQuery = {}) => {
      this.calls++;
      const match = [...this.rows]
        .reverse()
        .filter(
          (r) =>
            (q.promote_name === undefined || r.promote_name === q.promote_name) &&
            (q.commit_hash === undefined || r.commit_hash === q.commit_hash) &&
            (q.distro_hash === undefined || r.distro_hash === q.distro_hash) &&
            (q.aggregate_hash === undefined || r.aggregate_hash === q.aggregate_hash),
        );
      const offset = q.offset ?? 0;
      return match.slice(offset, offset + Math.min(q.limit ?? 100, 100));
    };
    return {
      baseUrl: 'http://fake-dlrn',
      promotions,
      // Like a DLRN without /api/graphql: the decision reads over REST.
      graphql: async () => {
        this.calls++;
        throw new PromoterError(ErrorCode.DlrnBadRequest, 'POST /api/graphql: 404 Not Found', {
          context: { status: 404 },
        });
      },
      async promotionsAll(q: PromotionsQuery = {}) {
        const all: Promotion[] = [];
        for (;;) {
          const page = await promotions({ ...q, offset: all.length, limit: 100 });
          all.push(...page);
          if (page.length < 100) return all;
        }
      },
      repoStatus: async (q: RepoStatusQuery) => {
        this.calls++;
        const k = `${q.commit_hash}_${q.distro_hash}`;
        if (this.unknown.has(k)) {
          throw new PromoterError(
            ErrorCode.DlrnNotFound,
            'GET /api/repo_status: 400 commit_hash+distro_hash+extended_hash combination not found',
            { context: { status: 400 } },
          );
        }
        return this.votes.get(k) ?? [];
      },
      aggStatus: async () => [],
    } as unknown as DlrnClient;
  }
}
