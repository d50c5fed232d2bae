// Reading where a label points costs DLRN one query per row it answers (get_promotions looks up each row's commit),
// and the promotion reads label heads several times per stage: a head read asks for the rows it needs, not a page.
import { describe, expect, it } from 'vitest';
import { createDlrnActivities } from '../../activities/dlrn.js';
import type { DlrnClient, Promotion, PromotionsQuery } from '../../integrations/dlrn.js';

const hex = (n: number, salt: string) => (salt + n.toString(16)).padStart(40, '0').slice(-40);
const LABEL = 'current-tripleo';

/** DLRN's /api/promotions over rows in insertion order: newest first, pages capped at 100; counts the rows served. */
function dlrnOf(rows: Promotion[]) {
  const asked: PromotionsQuery[] = [];
  let served = 0;
  const client = {
    baseUrl: 'http://fake-dlrn',
    async promotions(q: PromotionsQuery = {}) {
      asked.push(q);
      const page = [...rows]
        .reverse()
        .filter((r) => q.promote_name === undefined || r.promote_name === q.promote_name)
        .slice(q.offset ?? 0, (q.offset ?? 0) + Math.min(q.limit ?? 100, 100));
      served += page.length;
      return page;
    },
  } as unknown as DlrnClient;
  return { client, asked, served: () => served };
}

const row = (i: number, over: Partial<Promotion> = {}): Promotion => ({
  timestamp: 1_700_000_000 + i,
  commit_hash: hex(i, 'c'),
  distro_hash: hex(i, 'd'),
  extended_hash: null,
  aggregate_hash: null,
  repo_hash: `${hex(i, 'c')}_${hex(i, 'd').slice(0, 8)}`,
  repo_url: 'http://x',
  promote_name: LABEL,
  component: null,
  user: 'ciuser',
  ...over,
});

/** What promote-batch writes: one row per component, the last one carrying the aggregate. */
const batch = (n: number, aggregate: string, components = 6): Promotion[] =>
  Array.from({ length: components }, (_, c) =>
    row(n * 10 + c, {
      component: `comp${c}`,
      aggregate_hash: c === components - 1 ? aggregate : null,
    }),
  );

describe('labelHeads reads as few DLRN rows as the head needs', () => {
  it('aggregate pipeline: the newest row of a promote-batch carries the aggregate, so one row answers', async () => {
    const agg = (n: number) => hex(n, 'a').slice(0, 32);
    const rows = Array.from({ length: 30 }, (_, n) => batch(n, agg(n))).flat();
    const dlrn = dlrnOf(rows);
    const [head] = await createDlrnActivities(() => dlrn.client).labelHeads({
      apiUrl: 'http://fake-dlrn',
      labels: [LABEL],
      hashKind: 'aggregate',
    });
    expect(head!.fullHash).toBe(agg(29));
    expect(dlrn.asked).toHaveLength(1);
    expect(dlrn.served()).toBe(1);
  });

  it('aggregate pipeline: a component row on top (no aggregate) still finds the newest aggregate below it', async () => {
    const rows = [...batch(1, 'f'.repeat(32)), row(99, { component: 'late' })];
    const dlrn = dlrnOf(rows);
    const [head] = await createDlrnActivities(() => dlrn.client).labelHeads({
      apiUrl: 'http://fake-dlrn',
      labels: [LABEL],
      hashKind: 'aggregate',
    });
    expect(head!.fullHash).toBe('f'.repeat(32));
  });

  it('commit pipeline: one row, and a label never promoted is null', async () => {
    const dlrn = dlrnOf(Array.from({ length: 150 }, (_, i) => row(i)));
    const [head, none] = await createDlrnActivities(() => dlrn.client).labelHeads({
      apiUrl: 'http://fake-dlrn',
      labels: [LABEL, 'previous-current-tripleo'],
      hashKind: 'commit',
    });
    expect(head!.hash).toMatchObject({ kind: 'commit', commitHash: hex(149, 'c') });
    expect(none!.fullHash).toBeNull();
    expect(dlrn.served()).toBe(1);
  });
});
