// The DLRN API wire contract (dlrn 0.26.1 and current DLRN): request shapes and zod schemas of the responses.
// Field names stay snake_case as DLRN sends them, so records can be compared with DLRN's own tools and docs.
// Unknown response fields are dropped; a missing or mistyped known field is a malformed response.
import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullable();
/** Epoch seconds; /api/promote answers a float (time.mktime), the listings an int. */
const epoch = z.number();

export const HealthSchema = z.object({ result: str });
export type Health = z.infer<typeof HealthSchema>;

export const PromotionSchema = z.object({
  timestamp: epoch,
  commit_hash: str,
  distro_hash: str,
  extended_hash: optStr,
  aggregate_hash: optStr,
  repo_hash: str,
  repo_url: str,
  promote_name: str,
  component: optStr,
  /** null for rows written without a user (old DLRN, fixtures). */
  user: optStr,
});
export type Promotion = z.infer<typeof PromotionSchema>;
export const PromotionListSchema = z.array(PromotionSchema);

/** One CI vote on a commit (GET /api/repo_status). */
export const CommitVoteSchema = z.object({
  timestamp: epoch,
  commit_hash: str,
  distro_hash: str,
  extended_hash: optStr,
  job_id: str,
  success: z.boolean(),
  in_progress: z.boolean(),
  url: optStr,
  notes: optStr,
  user: optStr,
  component: optStr,
});
export type CommitVote = z.infer<typeof CommitVoteSchema>;
export const CommitVoteListSchema = z.array(CommitVoteSchema);

/** One CI vote on an aggregate hash (GET /api/agg_status). */
export const AggregateVoteSchema = z.object({
  timestamp: epoch,
  aggregate_hash: str,
  job_id: str,
  success: z.boolean(),
  in_progress: z.boolean(),
  url: optStr,
  notes: optStr,
  user: optStr,
});
export type AggregateVote = z.infer<typeof AggregateVoteSchema>;
export const AggregateVoteListSchema = z.array(AggregateVoteSchema);

/** POST /api/graphql: per alias a list of rows (checked by the caller), or errors (a schema DLRN does not have). */
export const GraphqlResponseSchema = z.object({
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});
export type GraphqlResponse = z.infer<typeof GraphqlResponseSchema>;

/** GET and POST /api/last_tested_repo: the repo a vote points at (POST: the in-progress vote just added). */
export const TestedRepoSchema = z.object({
  commit_hash: str,
  distro_hash: str,
  extended_hash: optStr,
  timestamp: epoch,
  job_id: str,
  success: z.boolean(),
  in_progress: z.boolean(),
  user: optStr,
  component: optStr,
});
export type TestedRepo = z.infer<typeof TestedRepoSchema>;

/** POST /api/report_result: the vote as stored; commit fields are null for an aggregate vote and vice versa. */
export const ReportedResultSchema = z.object({
  commit_hash: optStr,
  distro_hash: optStr,
  extended_hash: optStr,
  aggregate_hash: optStr,
  timestamp: epoch,
  job_id: str,
  success: z.boolean(),
  in_progress: z.boolean(),
  url: str,
  notes: optStr,
  user: optStr,
  component: optStr,
});
export type ReportedResult = z.infer<typeof ReportedResultSchema>;

/** POST /api/promote and /api/promote-batch (the batch answers its last item). */
export const PromoteResultSchema = z.object({
  commit_hash: str,
  distro_hash: str,
  extended_hash: optStr,
  repo_hash: str,
  repo_url: str,
  promote_name: str,
  component: optStr,
  timestamp: epoch,
  user: optStr,
  /** Set by DLRN with use_components: the hash of the aggregate repo file for promote_name. */
  aggregate_hash: optStr,
});
export type PromoteResult = z.infer<typeof PromoteResultSchema>;

export const BuildMetricsSchema = z.object({
  succeeded: z.number().int(),
  failed: z.number().int(),
  total: z.number().int(),
});
export type BuildMetrics = z.infer<typeof BuildMetricsSchema>;

// ---- requests ----

/** A commit/distro pair, with the extended hash when DLRN builds have one. */
export interface CommitRef {
  commit_hash: string;
  distro_hash: string;
  extended_hash?: string | null;
}
type NoCommitRef = { commit_hash?: undefined; distro_hash?: undefined; extended_hash?: undefined };

/**
 * GET /api/promotions filters. commit_hash and distro_hash go together (extended_hash only with them). Results are
 * newest first. limit: at most 100 (DLRN caps it). Without limit DLRN 0.26.1 answers at most 100 rows while current
 * DLRN answers all: pass limit for a defined page, page with offset, or use DlrnClient.promotionsAll().
 */
export type PromotionsQuery = (CommitRef | NoCommitRef) & {
  aggregate_hash?: string;
  promote_name?: string;
  component?: string;
  offset?: number;
  limit?: number;
};

export interface RepoStatusQuery extends CommitRef {
  /** Only successful (true) or failed (false) votes. */
  success?: boolean;
}

export interface AggStatusQuery {
  aggregate_hash: string;
  success?: boolean;
}

export interface LastTestedRepoQuery {
  /** Hours; 0 = no age limit. */
  max_age: number;
  success?: boolean;
  /** Prefer votes of this CI job (DLRN falls back to any vote when it has none). */
  job_id?: string;
  /** Only votes of previous_job_id, no fallback (CI pipelines). */
  sequential_mode?: boolean;
  previous_job_id?: string;
  component?: string;
}

export interface LastTestedRepoUse extends LastTestedRepoQuery {
  /** The CI job that takes the repo: DLRN records an in-progress vote under this name. */
  reporting_job_id: string;
}

interface ReportCommon {
  job_id: string;
  /** Where the CI run's logs are. */
  url: string;
  /** Epoch seconds of the CI run. */
  timestamp: number;
  success: boolean;
  notes?: string;
}
export type ReportResult = ReportCommon &
  ((CommitRef & { aggregate_hash?: undefined }) | ({ aggregate_hash: string } & NoCommitRef));

export interface PromoteRequest extends CommitRef {
  promote_name: string;
}

export interface BuildMetricsQuery {
  /** YYYY-MM-DD (UTC), inclusive. */
  start_date: string;
  /** YYYY-MM-DD (UTC), exclusive for successes (DLRN quirk: inclusive for failures). */
  end_date: string;
  package_name?: string;
}
