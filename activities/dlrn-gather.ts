// What the decision engine needs from DLRN for one stage, in a handful of requests: the candidate window (pages of
// the candidate label), the target label's history read once in pages back to the oldest candidate build, and every
// newer candidate's votes through /api/graphql (a few requests for a whole window). When DLRN has no GraphQL or
// refuses it, the REST path reads the same (one promotions query and one repo_status per candidate).
import type { DlrnClient, Promotion } from '../integrations/dlrn.js';
import {
  aggregateVotes,
  commitVotes,
  GraphqlRefused,
  lookupCommits,
  type GraphqlVote,
  type VoteRead,
} from '../integrations/dlrn-graphql.js';
import type { JobVote, PromotionRecord } from '../domain/engine.js';
import { ErrorCode, isPromoterError, PromoterError } from '../domain/errors.js';
import { hashFromPromotion, type DlrnHash } from '../domain/hash.js';
import pLimit from 'p-limit';
import {
  beat,
  hashQuery,
  head,
  ofKind,
  PAGE,
  safeFullHash,
  toRecord,
  type GatherInput,
  type GatherResult,
} from './dlrn-read.js';

/** How long a DLRN that refused GraphQL is read over REST before GraphQL is tried again (it may be upgraded). */
const REFUSAL_TTL_MS = 10 * 60_000;
/** Target rows since the oldest candidate build: about one per day the window spans. */
const TARGET_FIRST_PAGE = 30;
const refusedUntil = new Map<string, number>();

/** REST's message when repo_status finds no SUCCESS build of a hash, so both paths explain it alike. */
const NOT_FOUND = 'commit_hash+distro_hash+extended_hash combination not found';

interface Window {
  /** The candidate promotions the engine sees, newest first, limited to lookBack distinct hashes. */
  records: PromotionRecord[];
  /** [full_hash, its newest row] per distinct hash, newest first. */
  distinct: [string, PromotionRecord][];
  /** Every kept row of the candidate label read (the window and the rest of its last page). */
  rowsRead: PromotionRecord[];
}

async function readWindow(dlrn: DlrnClient, input: GatherInput): Promise<Window> {
  const keep = ofKind(input.hashKind);
  const records: PromotionRecord[] = [];
  const rowsRead: PromotionRecord[] = [];
  const seen = new Set<string>();
  const kinds = { commit: 0, aggregate: 0 };
  for (let offset = 0, full = false; !full; offset += PAGE) {
    const page = await dlrn.promotions({ promote_name: input.candidateLabel, offset, limit: PAGE });
    for (const row of page) kinds[row.aggregate_hash === null ? 'commit' : 'aggregate'] += 1;
    checkHashKind(input, kinds, page.length < PAGE);
    for (const row of page.filter(keep)) {
      const rec = toRecord(row);
      rowsRead.push(rec);
      if (full) continue;
      const key = safeFullHash(rec) ?? `malformed-${records.length}`;
      if (!seen.has(key) && seen.size >= input.lookBack) {
        full = true;
        continue;
      }
      seen.add(key);
      records.push(rec);
    }
    beat(`${records.length} candidate rows`);
    if (page.length < PAGE || seen.size >= input.lookBack) full = true;
  }
  const distinct = [...new Map(records.map((r) => [safeFullHash(r), r])).entries()].filter(
    (e): e is [string, PromotionRecord] => e[0] !== null,
  );
  return { records, distinct, rowsRead };
}

const oldest = (rows: readonly { timestamp: number }[]): number | null =>
  rows.length === 0 ? null : Math.min(...rows.map((r) => r.timestamp));

/** When a hash first reached the candidate label (its soak clock), read from all its rows there; null: never. */
async function firstOnCandidate(dlrn: DlrnClient, input: GatherInput, rec: PromotionRecord): Promise<number | null> {
  const rows = await dlrn.promotionsAll({ ...hashQuery(hashFromPromotion(rec)), promote_name: input.candidateLabel });
  return oldest(rows.filter(ofKind(input.hashKind)));
}

const toJobVote = (
  v: GraphqlVote | { job_id: string; success: boolean; in_progress: boolean; timestamp: number; url: string | null },
): JobVote => ({
  job_id: v.job_id,
  success: v.success,
  in_progress: v.in_progress,
  timestamp: v.timestamp,
  ...(v.url ? { url: v.url } : {}),
});

/** Every vote on one hash over REST, as the engine reads them. */
export async function restVotesOf(dlrn: DlrnClient, h: DlrnHash): Promise<JobVote[]> {
  const rows =
    h.kind === 'aggregate'
      ? await dlrn.aggStatus({ aggregate_hash: h.aggregateHash })
      : await dlrn.repoStatus(hashQuery(h) as { commit_hash: string; distro_hash: string });
  return rows.map(toJobVote);
}

interface Votes {
  votes: Record<string, JobVote[]>;
  unresolved: Record<string, string>;
}

/** Votes of many hashes through GraphQL; a hash without a SUCCESS build is unresolved, as over REST. */
async function graphqlVotes(
  dlrn: DlrnClient,
  hashes: readonly [string, DlrnHash][],
  read: VoteRead,
  builds?: Map<string, { id: number } | null>,
): Promise<Votes> {
  const votes: Record<string, JobVote[]> = {};
  const unresolved: Record<string, string> = {};
  const aggregates = hashes.filter(
    (e): e is [string, Extract<DlrnHash, { kind: 'aggregate' }>] => e[1].kind === 'aggregate',
  );
  const commits = hashes.filter(([, h]) => h.kind !== 'aggregate');
  if (aggregates.length > 0) {
    const byHash = await aggregateVotes(
      dlrn,
      aggregates.map(([, h]) => h.aggregateHash),
      read,
    );
    for (const [key, h] of aggregates) votes[key] = byHash.get(h.aggregateHash)!.map(toJobVote);
  }
  if (commits.length > 0) {
    const found = builds ?? (await lookupBuilds(dlrn, commits));
    const ids = commits.flatMap(([key]) => (found.get(key) ? [found.get(key)!.id] : []));
    const byId = await commitVotes(dlrn, ids, read);
    for (const [key] of commits) {
      const build = found.get(key);
      if (build) votes[key] = byId.get(build.id)!.map(toJobVote);
      else unresolved[key] = `DLRN GraphQL ${dlrn.baseUrl}/api/graphql: ${NOT_FOUND}`;
    }
  }
  return { votes, unresolved };
}

async function lookupBuilds(dlrn: DlrnClient, commits: readonly [string, DlrnHash][]) {
  const rows = await lookupCommits(
    dlrn,
    commits.map(([, h]) => hashQuery(h) as { commit_hash: string; distro_hash: string }),
  );
  return new Map(commits.map(([key], i) => [key, rows[i]!]));
}

/** Every vote on each hash: GraphQL when this DLRN serves it, else one REST call per hash. */
export async function votesOfMany(dlrn: DlrnClient, hashes: readonly [string, DlrnHash][]): Promise<Votes> {
  if (hashes.length === 0) return { votes: {}, unresolved: {} };
  if (graphqlAllowed(dlrn)) {
    try {
      return await graphqlVotes(dlrn, hashes, { urls: true });
    } catch (err) {
      if (!(err instanceof GraphqlRefused)) throw err;
      refuse(dlrn);
    }
  }
  return restVotes(dlrn, hashes);
}

async function restVotes(dlrn: DlrnClient, hashes: readonly [string, DlrnHash][]): Promise<Votes> {
  const limit = pLimit(8);
  const votes: Record<string, JobVote[]> = {};
  const unresolved: Record<string, string> = {};
  await Promise.all(
    hashes.map(([key, h]) =>
      limit(async () => {
        try {
          votes[key] = await restVotesOf(dlrn, h);
        } catch (err) {
          // A row DLRN cannot resolve (400 "combination not found") is that candidate's problem only.
          if (!isPromoterError(err, ErrorCode.DlrnNotFound)) throw err;
          unresolved[key] = err.message;
        }
      }),
    ),
  );
  return { votes, unresolved };
}

const graphqlAllowed = (dlrn: DlrnClient) => (refusedUntil.get(dlrn.baseUrl) ?? 0) <= Date.now();
const refuse = (dlrn: DlrnClient) => refusedUntil.set(dlrn.baseUrl, Date.now() + REFUSAL_TTL_MS);

/** Forgets which DLRNs refused GraphQL (tests). */
export function resetGraphqlRefusals(): void {
  refusedUntil.clear();
}

/**
 * What the engine needs for one stage. The votes' URLs are read unless `read` says otherwise: explain and the board
 * show them, the stage's own decision never does.
 */
export async function gather(
  dlrn: DlrnClient,
  input: GatherInput,
  read: VoteRead = { urls: true },
): Promise<GatherResult> {
  // The target's newest rows do not depend on the window: read them alongside it.
  const targetFirst = graphqlAllowed(dlrn)
    ? dlrn.promotions({ promote_name: input.targetLabel, offset: 0, limit: TARGET_FIRST_PAGE })
    : null;
  targetFirst?.catch(() => undefined); // awaited below, or not needed when the window fails
  const window = await readWindow(dlrn, input);
  if (targetFirst !== null) {
    try {
      return await gatherGraphql(dlrn, input, window, targetFirst, read);
    } catch (err) {
      if (!(err instanceof GraphqlRefused)) throw err;
      refuse(dlrn);
    }
  }
  return gatherRest(dlrn, input, window);
}

/** When each candidate first reached the candidate label, as far as the rows read show. */
function sinceOf(rows: readonly PromotionRecord[], label: string): Record<string, number> {
  const since: Record<string, number> = {};
  for (const r of rows) {
    const key = safeFullHash(r);
    if (key === null || r.promote_name !== label) continue;
    since[key] = Math.min(since[key] ?? r.timestamp, r.timestamp);
  }
  return since;
}

/**
 * When the target's current hash first reached the candidate label, if it is outside the candidate window (a
 * force-promote, or the window moved past it): undefined when it is a candidate or the target has no hash.
 */
function currentSince(
  dlrn: DlrnClient,
  input: GatherInput,
  hashes: readonly [string, DlrnHash][],
  since: Record<string, number>,
  head: PromotionRecord | undefined,
): Promise<number | null> | undefined {
  const headKey = head ? safeFullHash(head) : null;
  if (headKey === null || hashes.some(([key]) => key === headKey)) return undefined;
  return headKey in since ? Promise.resolve(since[headKey]!) : firstOnCandidate(dlrn, input, head!);
}

/**
 * The GraphQL path: the target's history in pages back to the oldest candidate build (no hash reaches a label
 * before it is built), so "was it ever on the target" needs no query per candidate; the builds and votes of all
 * newer candidates in two or three GraphQL requests. The current hash's soak clock, when it is outside the window,
 * is read beside them.
 */
async function gatherGraphql(
  dlrn: DlrnClient,
  input: GatherInput,
  window: Window,
  targetFirst: Promise<Promotion[]>,
  read: VoteRead,
): Promise<GatherResult> {
  const keep = ofKind(input.hashKind);
  const hashes = window.distinct.map(([key, rec]) => [key, hashFromPromotion(rec)] as [string, DlrnHash]);
  const commits = hashes.filter(([, h]) => h.kind !== 'aggregate');
  const lookup = commits.length > 0 ? lookupBuilds(dlrn, commits) : Promise.resolve(new Map<string, null>());
  lookup.catch(() => undefined); // awaited below
  const since = sinceOf(window.rowsRead, input.candidateLabel);
  const firstPage = await targetFirst;
  // The first page shows the current hash, unless every row on it is of the other hash kind.
  const firstHead = firstPage.find(keep);
  const clock = firstHead ? currentSince(dlrn, input, hashes, since, toRecord(firstHead)) : undefined;
  clock?.catch(() => undefined); // awaited below
  const builds = await lookup;
  const times = hashes.map(([key]) => builds.get(key)?.dtBuild ?? since[key] ?? null);
  const bound = Math.min(...times.filter((t): t is number => t !== null));
  const target: Promotion[] = [...firstPage];
  // DLRN answers each promotion row with a query of its own: the first page is short, the rest full.
  for (let page = firstPage, size = TARGET_FIRST_PAGE; page.length === size && page.at(-1)!.timestamp >= bound;) {
    size = PAGE;
    page = await dlrn.promotions({ promote_name: input.targetLabel, offset: target.length, limit: size });
    target.push(...page);
  }
  beat('target history');
  const targetHistory = target.filter(keep).map(toRecord);
  const onTarget = new Set(targetHistory.map(safeFullHash));
  const cut = hashes.findIndex(([key]) => onTarget.has(key));
  const newer = hashes.slice(0, cut === -1 ? hashes.length : cut);
  const { votes, unresolved } = await graphqlVotes(dlrn, newer, read, builds);
  beat('votes');
  const currentCandidateSince = await (firstHead ? clock : currentSince(dlrn, input, hashes, since, targetHistory[0]));
  const candidateSince = Object.fromEntries(hashes.flatMap(([key]) => (key in since ? [[key, since[key]!]] : [])));
  return {
    candidatePromotions: window.records,
    targetHistory,
    votes,
    candidateSince,
    ...(currentCandidateSince !== undefined ? { currentCandidateSince } : {}),
    unresolved,
  };
}

/**
 * The REST path: every label each candidate ever had, in one query per hash (was it on the target, when did it first
 * reach the candidate label), the target's head, and one repo_status/agg_status per newer candidate.
 */
async function gatherRest(dlrn: DlrnClient, input: GatherInput, window: Window): Promise<GatherResult> {
  const keep = ofKind(input.hashKind);
  const targetHead = await head(dlrn, input.targetLabel, input.hashKind);
  const targetHistory: PromotionRecord[] = targetHead ? [toRecord(targetHead)] : [];
  const headHash = targetHead ? safeFullHash(toRecord(targetHead)) : null;
  const limit = pLimit(8);
  const candidateSince: Record<string, number> = {};
  const onTarget = await Promise.all(
    window.distinct.map(([key, rec]) =>
      limit(async () => {
        const rows = (await dlrn.promotions({ ...hashQuery(hashFromPromotion(rec)), limit: PAGE })).filter(keep);
        const first = oldest(rows.filter((r) => r.promote_name === input.candidateLabel));
        if (first !== null) candidateSince[key] = first;
        const row = rows.find((r) => r.promote_name === input.targetLabel);
        if (row && key !== headHash) targetHistory.push(toRecord(row));
        return key === headHash || row !== undefined;
      }),
    ),
  );
  beat('target history');
  let currentCandidateSince: number | null | undefined;
  if (targetHead && headHash !== null && !window.distinct.some(([key]) => key === headHash)) {
    currentCandidateSince = await firstOnCandidate(dlrn, input, toRecord(targetHead));
  }
  // Votes only for candidates newer than anything the target ever had: the older ones cannot be promoted.
  const cut = onTarget.indexOf(true);
  const newer = window.distinct.slice(0, cut === -1 ? window.distinct.length : cut);
  const { votes, unresolved } = await restVotes(
    dlrn,
    newer.map(([key, rec]) => [key, hashFromPromotion(rec)]),
  );
  beat('votes');
  return {
    candidatePromotions: window.records,
    targetHistory,
    votes,
    candidateSince,
    ...(currentCandidateSince !== undefined ? { currentCandidateSince } : {}),
    unresolved,
  };
}

/**
 * The configured hash_kind must match what the candidate label holds: aggregate rows under `commit`, or only
 * commit rows under `aggregate`, would otherwise promote nothing, silently.
 */
function checkHashKind(input: GatherInput, kinds: { commit: number; aggregate: number }, lastPage: boolean): void {
  // Aggregate pipelines also write one commit row per component: only a page of them and no aggregate is wrong.
  const wrong =
    input.hashKind === 'commit'
      ? kinds.aggregate > 0
      : kinds.aggregate === 0 && (kinds.commit >= PAGE || (lastPage && kinds.commit > 0));
  if (!wrong) return;
  const other = input.hashKind === 'commit' ? 'aggregate' : 'commit';
  throw new PromoterError(
    ErrorCode.Config,
    `hash_kind is ${input.hashKind}, but ${input.candidateLabel} in ${input.apiUrl} holds ${other} hashes ` +
      `(${kinds.aggregate} rows with an aggregate_hash, ${kinds.commit} without)`,
    {
      context: { field: 'hash_kind', hashKind: input.hashKind, label: input.candidateLabel, ...kinds },
      suggestion: `set hash_kind: ${other} in the release file`,
    },
  );
}
