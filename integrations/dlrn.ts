// Typed client of the DLRN API (the calls of the `dlrnapi` CLI), correct against PyPI dlrn 0.26.1 and current DLRN.
// Every failure is a PromoterError whose code tells Temporal whether a retry can help; errors carry DLRN's own
// message, the HTTP status, method and URL, and never the password or the Authorization header. Idempotent GETs are
// retried per request (dlrn-retry.ts); POSTs never are: DLRN's promote inserts a row per call, so only a caller that
// checks the label first may send one again. Every call stops when the signal given to withSignal() aborts.
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { readSecret } from './credentials.js';
import { abortError, DEFAULT_RETRY, withRetries, type RetryPolicy } from './dlrn-retry.js';
import {
  AggregateVoteListSchema,
  BuildMetricsSchema,
  CommitVoteListSchema,
  GraphqlResponseSchema,
  HealthSchema,
  PromoteResultSchema,
  PromotionListSchema,
  ReportedResultSchema,
  TestedRepoSchema,
  type AggregateVote,
  type AggStatusQuery,
  type BuildMetrics,
  type BuildMetricsQuery,
  type CommitVote,
  type GraphqlResponse,
  type Health,
  type LastTestedRepoQuery,
  type LastTestedRepoUse,
  type PromoteRequest,
  type PromoteResult,
  type Promotion,
  type PromotionsQuery,
  type RepoStatusQuery,
  type ReportedResult,
  type ReportResult,
  type TestedRepo,
} from './dlrn-types.js';

export * from './dlrn-types.js';

export interface DlrnClientOptions {
  /** The API root, e.g. https://trunk.rdoproject.org/api-centos9-master-uc (without credentials). */
  baseUrl: string;
  username?: string;
  password?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** How GETs are retried on 5xx, 429, resets and timeouts (default DEFAULT_RETRY). */
  retry?: RetryPolicy;
}

/** DLRN caps /api/promotions pages at 100 rows. */
export const PROMOTIONS_MAX_LIMIT = 100;

type Method = 'GET' | 'POST';
type Scalar = string | number | boolean | null | undefined;

/** DLRN 0.26.1 parses booleans in JSON bodies with strtobool (a JSON true is a 500); current DLRN accepts both. */
const wireBool = (b: boolean | undefined) => (b === undefined ? undefined : b ? 'true' : 'false');

/** Drops undefined and null members, so optional fields are absent rather than null on the wire. */
function compact<T extends Record<string, unknown>>(obj: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

function usage(message: string, context: Record<string, unknown> = {}): PromoterError {
  return new PromoterError(ErrorCode.Usage, message, { context });
}

function nonNegativeInt(name: string, value: number | undefined, max?: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0) throw usage(`${name} must be a non-negative integer, got ${value}`);
  if (max !== undefined && value > max) {
    throw usage(`${name} must be at most ${max} (DLRN caps it); page with offset or use promotionsAll()`, {
      [name]: value,
    });
  }
}

/** DLRN answers errors as JSON {"message"} (InvalidUsage) or as an HTML page (Flask, 401); returns readable text. */
export function dlrnMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // not JSON: HTML or plain text
  }
  const text = body
    .replace(/<!doctype[^>]*>/gi, '')
    .replace(/<title>[\s\S]*?<\/title>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

const NOT_FOUND = /not found|no vote found/i;

const SUGGESTIONS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.DlrnUnauthorized]: 'check DLRNAPI_USERNAME and DLRNAPI_PASSWORD (or DLRNAPI_PASSWORD_FILE) for this DLRN',
  [ErrorCode.DlrnForbidden]: 'DLRN refuses this promote_name: "current" and "consistent" are reserved, no path parts',
  [ErrorCode.DlrnNotFound]: 'the hash or vote does not exist in this DLRN: check the release (API URL) and the hashes',
  [ErrorCode.DlrnPurged]: 'the commit was purged from DLRN and cannot be promoted; promote a newer hash',
  [ErrorCode.DlrnUnsupportedMediaType]: 'DLRN wants Content-Type exactly application/json (a client bug)',
  [ErrorCode.DlrnBadRequest]: 'check the request against the DLRN API version of this server',
  [ErrorCode.DlrnUnavailable]: 'DLRN is down, slow or failing; the call is retried',
  [ErrorCode.DlrnMalformedResponse]: 'check that the URL points at a DLRN API root (…/api/… is appended)',
};

/** The Temporal class of an HTTP error status from DLRN. */
export function classifyStatus(status: number, message: string): ErrorCode {
  if (status >= 500 || status === 408 || status === 429) return ErrorCode.DlrnUnavailable;
  switch (status) {
    case 400:
      return NOT_FOUND.test(message) ? ErrorCode.DlrnNotFound : ErrorCode.DlrnBadRequest;
    case 401:
      return ErrorCode.DlrnUnauthorized;
    case 403:
      return ErrorCode.DlrnForbidden;
    case 410:
      return ErrorCode.DlrnPurged;
    case 415:
      return ErrorCode.DlrnUnsupportedMediaType;
    default:
      return ErrorCode.DlrnBadRequest;
  }
}

function issuePath(path: readonly PropertyKey[]): string {
  const text = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return text.startsWith('.') ? text.slice(1) : text || '(body)';
}

export class DlrnClient {
  /** The API root without a trailing slash (never holds credentials). */
  readonly baseUrl: string;
  readonly authenticated: boolean;
  readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  /** Set on the views withSignal() makes. */
  private readonly signal?: AbortSignal;

  constructor({ baseUrl, username, password, timeoutMs = 30_000, retry = DEFAULT_RETRY }: DlrnClientOptions) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new PromoterError(ErrorCode.Config, `DLRN API URL is not a URL: ${JSON.stringify(baseUrl)}`);
    }
    if (url.username || url.password) {
      url.username = url.password = '';
      throw new PromoterError(ErrorCode.Config, `DLRN API URL must not hold credentials: ${url.href}`, {
        suggestion: 'pass the user and password as DLRNAPI_USERNAME / DLRNAPI_PASSWORD[_FILE]',
      });
    }
    if ((username === undefined) !== (password === undefined)) {
      throw new PromoterError(ErrorCode.Config, 'DLRN credentials need both a username and a password', {
        context: { baseUrl: url.href, username: username ?? null },
      });
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.authenticated = username !== undefined;
    this.timeoutMs = timeoutMs;
    this.retry = retry;
    this.agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: timeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      // Sent on every request, like `dlrnapi --force-auth`: current DLRN can protect the read endpoints too.
      auth: username !== undefined && password !== undefined ? { username, password } : undefined,
      headers: { Accept: 'application/json', 'User-Agent': 'rdo-promoter' },
      // We serialise and parse ourselves: the body goes out byte-exact with Content-Type exactly application/json
      // (DLRN answers 415 to "application/json; charset=utf-8"), and error pages come back as text.
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      responseType: 'text',
      validateStatus: () => true,
      // A redirect would re-send Basic auth elsewhere or turn a POST into a GET: report it instead.
      maxRedirects: 0,
    });
  }

  /** Credentials the `dlrnapi` way: DLRNAPI_USERNAME, DLRNAPI_PASSWORD or DLRNAPI_PASSWORD_FILE (both optional). */
  static fromEnv(baseUrl: string, env: Record<string, string | undefined> = process.env): DlrnClient {
    const username = env.DLRNAPI_USERNAME || undefined;
    const password = readSecret('DLRNAPI_PASSWORD', env);
    if (username === undefined && password !== undefined) {
      throw new PromoterError(ErrorCode.Config, 'DLRNAPI_PASSWORD is set but DLRNAPI_USERNAME is not');
    }
    if (username !== undefined && password === undefined) {
      throw new PromoterError(
        ErrorCode.Config,
        'DLRNAPI_USERNAME is set but neither DLRNAPI_PASSWORD nor DLRNAPI_PASSWORD_FILE is',
      );
    }
    return new DlrnClient({ baseUrl, username, password });
  }

  /** The same client (one connection pool) whose calls and retries stop when `signal` aborts. */
  withSignal(signal: AbortSignal | undefined): DlrnClient {
    if (signal === undefined) return this;
    const view = Object.create(this) as DlrnClient;
    Object.defineProperty(view, 'signal', { value: signal });
    return view;
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** GET /api/health: {"result": "ok"} (or "ok, no commits in DB"). */
  health(): Promise<Health> {
    return this.get('/api/health', {}, HealthSchema);
  }

  /** POST /api/health: the same answer, but only with valid credentials; a side-effect-free auth check. */
  checkAuth(): Promise<Health> {
    return this.post('/api/health', undefined, HealthSchema);
  }

  /** GET /api/promotions: one page, newest first (see PromotionsQuery about limit and paging). */
  promotions(query: PromotionsQuery = {}): Promise<Promotion[]> {
    nonNegativeInt('offset', query.offset);
    nonNegativeInt('limit', query.limit, PROMOTIONS_MAX_LIMIT);
    return this.get('/api/promotions', query, PromotionListSchema);
  }

  /**
   * Every promotion matching the filters, newest first, read in pages of pageSize (<= 100) with offset/limit.
   * Not a snapshot: a promotion added while paging shifts the offsets (a row may then appear twice).
   */
  async promotionsAll(
    query: Omit<PromotionsQuery, 'offset' | 'limit'> = {},
    pageSize = PROMOTIONS_MAX_LIMIT,
  ): Promise<Promotion[]> {
    nonNegativeInt('pageSize', pageSize, PROMOTIONS_MAX_LIMIT);
    if (pageSize === 0) throw usage('pageSize must be positive');
    const all: Promotion[] = [];
    for (;;) {
      const page = await this.promotions({ ...query, offset: all.length, limit: pageSize } as PromotionsQuery);
      all.push(...page);
      if (page.length < pageSize) return all;
    }
  }

  /** GET /api/repo_status: the votes on a commit (DLRN picks its newest SUCCESS build with these hashes). */
  repoStatus(query: RepoStatusQuery): Promise<CommitVote[]> {
    return this.get('/api/repo_status', query, CommitVoteListSchema);
  }

  /** GET /api/agg_status: the votes on an aggregate hash; an unknown hash gives []. */
  aggStatus(query: AggStatusQuery): Promise<AggregateVote[]> {
    return this.get('/api/agg_status', query, AggregateVoteListSchema);
  }

  /** GET /api/last_tested_repo: the repo of the newest matching vote; none -> DlrnNotFound ("No vote found"). */
  lastTestedRepo(query: LastTestedRepoQuery): Promise<TestedRepo> {
    nonNegativeInt('max_age', query.max_age);
    return this.get('/api/last_tested_repo', query, TestedRepoSchema);
  }

  /** POST /api/last_tested_repo: like the GET, and records an in-progress vote of reporting_job_id on that repo. */
  lastTestedRepoUse(body: LastTestedRepoUse): Promise<TestedRepo> {
    nonNegativeInt('max_age', body.max_age);
    const wire = { ...body, success: wireBool(body.success), sequential_mode: wireBool(body.sequential_mode) };
    return this.post('/api/last_tested_repo', compact(wire), TestedRepoSchema);
  }

  /** POST /api/report_result: a CI vote on a commit (commit_hash+distro_hash[+extended_hash]) or an aggregate. */
  reportResult(body: ReportResult): Promise<ReportedResult> {
    const hasCommit = body.commit_hash !== undefined || body.distro_hash !== undefined;
    if (hasCommit === (body.aggregate_hash !== undefined)) {
      throw usage('report_result needs commit_hash+distro_hash or aggregate_hash, not both, not neither');
    }
    nonNegativeInt('timestamp', body.timestamp);
    return this.post('/api/report_result', compact({ ...body, success: wireBool(body.success) }), ReportedResultSchema);
  }

  /** POST /api/promote: points the promote_name symlink at the commit's repo and records the promotion. */
  promote(body: PromoteRequest): Promise<PromoteResult> {
    return this.post('/api/promote', compact({ ...body }), PromoteResultSchema);
  }

  /** POST /api/promote-batch: all items are checked before any symlink moves; answers the last item. */
  promoteBatch(items: readonly PromoteRequest[]): Promise<PromoteResult> {
    if (items.length === 0) throw usage('promote-batch needs at least one item (DLRN answers 500 to [])');
    return this.post(
      '/api/promote-batch',
      items.map((i) => compact({ ...i })),
      PromoteResultSchema,
    );
  }

  /**
   * POST /api/graphql (DLRN with the graphene libraries; 0.26.1 answers 501 without them): a read-only query, sent
   * once and never retried, because callers fall back to the REST calls (which retry) on any failure.
   */
  graphql(query: string): Promise<GraphqlResponse> {
    const shown = query.length > 300 ? `${query.slice(0, 300)}...` : query;
    return this.once('POST', '/api/graphql', GraphqlResponseSchema, { body: { query }, request: { query: shown } });
  }

  /** GET /api/metrics/builds: build counts in [start_date, end_date). */
  buildMetrics(query: BuildMetricsQuery): Promise<BuildMetrics> {
    return this.get('/api/metrics/builds', query, BuildMetricsSchema);
  }

  // ---- transport ----

  private get<S extends z.ZodType>(endpoint: string, query: object, schema: S): Promise<z.infer<S>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query as Record<string, Scalar>)) {
      if (v !== undefined && v !== null) params.append(k, typeof v === 'boolean' ? wireBool(v)! : String(v));
    }
    return this.request('GET', endpoint, schema, { params, request: Object.fromEntries(params) });
  }

  private post<S extends z.ZodType>(endpoint: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.request('POST', endpoint, schema, { body, request: body });
  }

  private request<S extends z.ZodType>(
    method: Method,
    endpoint: string,
    schema: S,
    call: { params?: URLSearchParams; body?: unknown; request?: unknown },
  ): Promise<z.infer<S>> {
    const once = () => this.once(method, endpoint, schema, call);
    if (method !== 'GET') return once();
    return withRetries(once, (err) => err instanceof PromoterError && err.retryable, this.retry, {
      signal: this.signal,
      onGiveUp: (err, tries) => {
        if (err instanceof PromoterError) err.context.attempts = tries;
      },
    });
  }

  private async once<S extends z.ZodType>(
    method: Method,
    endpoint: string,
    schema: S,
    { params, body, request }: { params?: URLSearchParams; body?: unknown; request?: unknown },
  ): Promise<z.infer<S>> {
    const where = { method, endpoint, url: `${this.baseUrl}${endpoint}` };
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({
        method,
        url: endpoint,
        params,
        data: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        signal: this.signal,
      });
    } catch (err) {
      if (this.signal?.aborted) throw abortError(this.signal);
      // A fresh error from the code and message only: the axios error holds the config with the credentials.
      const e = err as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : undefined;
      const why = typeof e.message === 'string' ? e.message : String(err);
      throw new PromoterError(ErrorCode.DlrnUnavailable, `DLRN ${method} ${where.url}: unreachable: ${why}`, {
        context: { ...where, code: code ?? null },
        suggestion: SUGGESTIONS[ErrorCode.DlrnUnavailable],
      });
    }
    const text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    if (res.status < 200 || res.status >= 300) throw this.httpError(where, res, text, request);
    return this.parse(where, res, text, schema);
  }

  private httpError(
    where: { method: Method; endpoint: string; url: string },
    res: AxiosResponse<string>,
    text: string,
    request: unknown,
  ): PromoterError {
    let message = dlrnMessage(text) || res.statusText || 'no message';
    if (res.status >= 300 && res.status < 400) message = `unexpected redirect to ${String(res.headers.location)}`;
    const code = classifyStatus(res.status, message);
    const suggestion =
      res.status === 404 ? 'this DLRN has no such endpoint: check the API URL and the DLRN version' : SUGGESTIONS[code];
    return new PromoterError(code, `DLRN ${where.method} ${where.url}: ${res.status} ${message}`, {
      context: { ...where, status: res.status, dlrnMessage: message, request: request ?? null },
      suggestion,
    });
  }

  private parse<S extends z.ZodType>(
    where: { method: Method; endpoint: string; url: string },
    res: AxiosResponse<string>,
    text: string,
    schema: S,
  ): z.infer<S> {
    const malformed = (why: string, field: string | null) =>
      new PromoterError(
        ErrorCode.DlrnMalformedResponse,
        `DLRN ${where.method} ${where.url}: malformed response: ${why}`,
        {
          context: { ...where, status: res.status, field, body: text.length > 300 ? `${text.slice(0, 300)}...` : text },
          suggestion: SUGGESTIONS[ErrorCode.DlrnMalformedResponse],
        },
      );
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw malformed(`not JSON (Content-Type ${String(res.headers['content-type'] ?? 'none')})`, null);
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const field = issuePath(issue.path);
      throw malformed(`${field}: ${issue.message}`, field);
    }
    return result.data;
  }
}
