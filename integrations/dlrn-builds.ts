// DLRN's builds (its commits table) through /api/graphql, which DLRN 0.26.1 serves when graphene is installed and
// whose REST API has no commit listing: find a build by its commit hash, list a project's builds between two. For
// the board's "what changed". A DLRN without GraphQL answers 404/501: that is DlrnNotFound, not an error
// of the page.
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { ErrorCode, PromoterError } from '../domain/errors.js';

export interface DlrnBuild {
  /** DLRN's commit id: builds of one project in build order. */
  id: number;
  projectName: string;
  component: string | null;
  commitHash: string;
  distroHash: string;
  extendedHash: string | null;
  dtCommit: number;
  commitBranch: string | null;
  status: string;
}

const FIELDS = 'id projectName component commitHash distroHash extendedHash dtCommit commitBranch status';
/** DLRN caps a GraphQL page at 100 rows. */
const PAGE = 100;

const Row = z.object({
  id: z.string(),
  projectName: z.string(),
  component: z.string().nullable(),
  commitHash: z.string(),
  distroHash: z.string(),
  extendedHash: z.string().nullable(),
  dtCommit: z.coerce.number(),
  commitBranch: z.string().nullable(),
  status: z.string(),
});
const Answer = z.object({
  data: z.record(z.string(), z.array(Row).nullable()).nullable().optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});

/** graphene-sqlalchemy ids are relay global ids: base64("Commit:<id>"). */
function commitId(relayId: string): number {
  const [, id] = Buffer.from(relayId, 'base64').toString('utf8').split(':');
  const n = Number(id);
  if (!Number.isInteger(n))
    throw new PromoterError(ErrorCode.DlrnMalformedResponse, `unexpected DLRN commit id ${relayId}`);
  return n;
}

const toBuild = (r: z.infer<typeof Row>): DlrnBuild => ({
  ...r,
  id: commitId(r.id),
  extendedHash: r.extendedHash && r.extendedHash !== 'None' ? r.extendedHash : null,
});

export class DlrnBuildsReader {
  private readonly http: AxiosInstance;

  constructor(
    readonly apiUrl: string,
    timeoutMs = 10_000,
  ) {
    this.http = axios.create({ baseURL: apiUrl.replace(/\/+$/, ''), timeout: timeoutMs, validateStatus: () => true });
  }

  private async query(body: string): Promise<Record<string, DlrnBuild[]>> {
    const res = await this.http.post('/api/graphql', JSON.stringify({ query: `{ ${body} }` }), {
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    });
    if (res.status === 404 || res.status === 501) {
      throw new PromoterError(ErrorCode.DlrnNotFound, `${this.apiUrl} serves no /api/graphql (${res.status})`);
    }
    const parsed = Answer.safeParse(res.data);
    if (res.status !== 200 || !parsed.success || parsed.data.errors?.length || !parsed.data.data) {
      const why = parsed.success ? parsed.data.errors?.map((e) => e.message).join('; ') : 'not a GraphQL answer';
      throw new PromoterError(
        ErrorCode.DlrnMalformedResponse,
        `POST ${this.apiUrl}/api/graphql: HTTP ${res.status}: ${why}`,
      );
    }
    return Object.fromEntries(Object.entries(parsed.data.data).map(([k, rows]) => [k, (rows ?? []).map(toBuild)]));
  }

  /**
   * The successful build of each (commit hash, distro hash prefix), in one request; null where DLRN has none. A
   * full_hash carries only 8 characters of the distro hash, so the prefix is matched here.
   */
  async find(refs: readonly { commitHash: string; distroPrefix: string }[]): Promise<(DlrnBuild | null)[]> {
    if (refs.length === 0) return [];
    const aliases = refs.map(
      (r, i) => `b${i}: commits(commitHash: ${JSON.stringify(r.commitHash)}, status: "SUCCESS") { ${FIELDS} }`,
    );
    const answer = await this.query(aliases.join('\n'));
    return refs.map((r, i) => answer[`b${i}`]?.find((b) => b.distroHash.startsWith(r.distroPrefix)) ?? null);
  }

  /** A project's successful builds with afterId < id <= upToId, newest first, reading at most maxRows. */
  async between(
    projectName: string,
    afterId: number,
    upToId: number,
    maxRows = 300,
  ): Promise<{ builds: DlrnBuild[]; truncated: boolean }> {
    const builds: DlrnBuild[] = [];
    for (let offset = 0; offset < maxRows; offset += PAGE) {
      const { page = [] } = await this.query(
        `page: commits(projectName: ${JSON.stringify(projectName)}, status: "SUCCESS", offset: ${offset}, ` +
          `limit: ${PAGE}) { ${FIELDS} }`,
      );
      builds.push(...page.filter((b) => b.id > afterId && b.id <= upToId));
      if (page.length < PAGE || page.some((b) => b.id <= afterId)) return { builds, truncated: false };
    }
    return { builds, truncated: true };
  }
}
