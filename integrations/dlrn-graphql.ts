// Many hashes' votes in a few requests through DLRN's /api/graphql (dlrn/api/graphql.py): `commits` finds each
// hash's build (by commitHash/distroHash/status, newest id first), then `civote(commitId)` and `civoteAgg(refHash)`
// read the votes, one alias per hash, many aliases per request. Every list is capped at 100 rows by DLRN, so a full
// page is read on with offset. Any refusal (no endpoint, 501 without graphene, a schema error, a 5xx) is a
// GraphqlRefused: the caller then reads the same thing over REST, whose semantics these queries reproduce.
// DLRN parses, validates and resolves every node of a query in Python, field by field and row by row: the fields
// of a row are named once in a fragment, offset 0 (the default) is left out, and the votes' URLs are read only by
// callers that show them.
import { z } from 'zod';
import { PromoterError } from '../domain/errors.js';
import type { DlrnClient } from './dlrn.js';

/** DLRN's pagination_limit/max_limit in graphql.py. */
export const GRAPHQL_PAGE = 100;
/** Aliases per request: one request for a 100-candidate window. */
const ALIASES = 100;

export class GraphqlRefused extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'GraphqlRefused';
  }
}

/** The build of one commit/distro[/extended] hash whose votes REST's repo_status would give. */
export interface CommitRow {
  id: number;
  extendedHash: string | null;
  dtBuild: number | null;
}

export interface GraphqlVote {
  job_id: string;
  success: boolean;
  in_progress: boolean;
  timestamp: number;
  url: string | null;
}

const CommitRowSchema = z.object({
  id: z.string(),
  extendedHash: z.string().nullable(),
  dtBuild: z.number().nullable(),
});
const VoteSchema = z.object({
  ciName: z.string(),
  ciVote: z.boolean(),
  ciInProgress: z.boolean(),
  timestamp: z.number(),
});
const VoteWithUrlSchema = VoteSchema.extend({ ciUrl: z.string().nullable() });

/** Which vote fields to read: the URL only for callers that show it (explain, the board). */
export interface VoteRead {
  urls: boolean;
}
const voteFragment = (type: 'CIVote' | 'CIVoteAgg', { urls }: VoteRead) =>
  `fragment v on ${type} { ciName ciVote ciInProgress timestamp${urls ? ' ciUrl' : ''} }`;
const COMMIT_FRAGMENT = 'fragment c on Commit { id extendedHash dtBuild }';

/** A GraphQL string literal (JSON's escapes are GraphQL's). */
const lit = (s: string) => JSON.stringify(s);

/** graphene's relay ids are base64("Commit:<id>"); a plain integer is accepted too. */
export function commitId(relayId: string): number {
  if (/^\d+$/.test(relayId)) return Number(relayId);
  const decoded = Buffer.from(relayId, 'base64').toString('utf8');
  const m = /^[A-Za-z]+:(\d+)$/.exec(decoded);
  if (!m) throw new GraphqlRefused(`DLRN GraphQL: unexpected commit id ${JSON.stringify(relayId)}`);
  return Number(m[1]);
}

/** Runs one query of aliases a0..aN (with the fragment they spread); answers each alias's rows. */
async function aliased(dlrn: DlrnClient, fields: string[], fragment: string): Promise<unknown[][]> {
  const query = `${fragment} { ${fields.map((f, i) => `a${i}: ${f}`).join(' ')} }`;
  let res;
  try {
    res = await dlrn.graphql(query);
  } catch (err) {
    // The transport throws PromoterErrors only; anything else is the activity's abort signal.
    if (!(err instanceof PromoterError)) throw err;
    throw new GraphqlRefused(err.message, err);
  }
  if (res.errors?.length || !res.data) {
    throw new GraphqlRefused(`DLRN GraphQL: ${res.errors?.[0]?.message ?? 'no data'}`);
  }
  return fields.map((_, i) => {
    const rows = res.data![`a${i}`];
    if (!Array.isArray(rows)) throw new GraphqlRefused(`DLRN GraphQL: alias a${i} is not a list`);
    return rows;
  });
}

function parse<S extends z.ZodType>(schema: S, rows: unknown[]): z.infer<S>[] {
  return rows.map((row) => {
    const r = schema.safeParse(row);
    if (!r.success) throw new GraphqlRefused(`DLRN GraphQL: unexpected row: ${r.error.issues[0]!.message}`);
    return r.data;
  });
}

/** DLRN's page arguments: offset 0 is its default; the limit stays explicit, as the paging relies on it. */
const page = (offset: number) => `${offset > 0 ? `offset: ${offset}, ` : ''}limit: ${GRAPHQL_PAGE}`;

/** Reads one list per key, in requests of ALIASES aliases, paging every list that came back full. */
async function pagedLists<K, S extends z.ZodType>(
  dlrn: DlrnClient,
  keys: readonly K[],
  field: (key: K, offset: number) => string,
  schema: S,
  fragment: string,
): Promise<Map<K, z.infer<S>[]>> {
  const out = new Map<K, z.infer<S>[]>(keys.map((k) => [k, []]));
  let todo = keys.map((key) => ({ key, offset: 0 }));
  while (todo.length > 0) {
    const next: typeof todo = [];
    for (let i = 0; i < todo.length; i += ALIASES) {
      const chunk = todo.slice(i, i + ALIASES);
      const lists = await aliased(
        dlrn,
        chunk.map((t) => field(t.key, t.offset)),
        fragment,
      );
      for (const [j, t] of chunk.entries()) {
        const rows = parse(schema, lists[j]!);
        out.get(t.key)!.push(...rows);
        if (rows.length === GRAPHQL_PAGE) next.push({ key: t.key, offset: t.offset + GRAPHQL_PAGE });
      }
    }
    todo = next;
  }
  return out;
}

export interface CommitQuery {
  commit_hash: string;
  distro_hash: string;
  extended_hash?: string | null;
}

/**
 * The build REST's repo_status reads for each hash: the newest SUCCESS build with that commit and distro hash (and
 * that extended hash when one is given; compared here, since GraphQL's extendedHash filter is a LIKE). null: none.
 */
export async function lookupCommits(dlrn: DlrnClient, hashes: readonly CommitQuery[]): Promise<(CommitRow | null)[]> {
  const lists = await pagedLists(
    dlrn,
    hashes,
    (h, offset) =>
      `commits(commitHash: ${lit(h.commit_hash)}, distroHash: ${lit(h.distro_hash)}, status: "SUCCESS", ` +
      `${page(offset)}) { ...c }`,
    CommitRowSchema,
    COMMIT_FRAGMENT,
  );
  return hashes.map((h) => {
    const rows = lists.get(h)!.filter((r) => !h.extended_hash || r.extendedHash === h.extended_hash);
    const newest = rows.map((r) => ({ ...r, id: commitId(r.id) })).sort((a, b) => b.id - a.id)[0];
    return newest ?? null;
  });
}

const toVote = (v: z.infer<typeof VoteSchema> & { ciUrl?: string | null }): GraphqlVote => ({
  job_id: v.ciName,
  success: v.ciVote,
  in_progress: v.ciInProgress,
  timestamp: v.timestamp,
  url: v.ciUrl ?? null,
});

/** Every vote on each build (REST's repo_status without `success`), by commit id; url null unless read. */
export async function commitVotes(
  dlrn: DlrnClient,
  ids: readonly number[],
  read: VoteRead = { urls: true },
): Promise<Map<number, GraphqlVote[]>> {
  const lists = await pagedLists(
    dlrn,
    [...new Set(ids)],
    (id, offset) => `civote(commitId: ${id}, ${page(offset)}) { ...v }`,
    read.urls ? VoteWithUrlSchema : VoteSchema,
    voteFragment('CIVote', read),
  );
  return new Map([...lists].map(([id, rows]) => [id, rows.map(toVote)]));
}

/** Every vote on each aggregate hash (REST's agg_status without `success`); url null unless read. */
export async function aggregateVotes(
  dlrn: DlrnClient,
  hashes: readonly string[],
  read: VoteRead = { urls: true },
): Promise<Map<string, GraphqlVote[]>> {
  const lists = await pagedLists(
    dlrn,
    [...new Set(hashes)],
    (h, offset) => `civoteAgg(refHash: ${lit(h)}, ${page(offset)}) { ...v }`,
    read.urls ? VoteWithUrlSchema : VoteSchema,
    voteFragment('CIVoteAgg', read),
  );
  return new Map([...lists].map(([h, rows]) => [h, rows.map(toVote)]));
}
