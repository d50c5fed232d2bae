// Reads DLRN's published repo tree (base_url, e.g. https://trunk.rdoproject.org/centos9-master/) to find which
// component commits make up an aggregate hash, the way DLRN itself builds it: <label>/ab/cd/<agg>/delorean.repo lists
// one section per component whose baseurl holds that commit's commit.yaml. Reads are retried per request.
import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { parse as parseIni } from 'ini';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { abortError, DEFAULT_RETRY, withRetries, type RetryPolicy } from './dlrn-retry.js';

export interface ComponentCommit {
  commit_hash: string;
  distro_hash: string;
  extended_hash: string | null;
  component: string | null;
  dt_commit: number;
}

const CommitYaml = z.object({
  commits: z
    .array(
      z.object({
        commit_hash: z.string(),
        distro_hash: z.string(),
        extended_hash: z.string().nullable().optional(),
        component: z.string().nullable().optional(),
        dt_commit: z.coerce.number(),
      }),
    )
    .min(1),
});

export class DlrnRepoClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    timeoutMs = 30_000,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.http = axios.create({
      timeout: timeoutMs,
      responseType: 'text',
      transformResponse: (d: unknown) => d,
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
    });
  }

  /** The URL of a file relative to base_url. */
  url(path: string): string {
    return `${this.baseUrl.replace(/\/?$/, '/')}${path}`;
  }

  private fetch(url: string, signal?: AbortSignal): Promise<string> {
    const retryable = (err: unknown) => err instanceof PromoterError && err.code === ErrorCode.RepoUnavailable;
    return withRetries(() => this.fetchOnce(url, signal), retryable, this.retry, { signal });
  }

  private async fetchOnce(url: string, signal?: AbortSignal): Promise<string> {
    try {
      const res = await this.http.get<string>(url, { validateStatus: () => true, signal });
      if (res.status === 200) return res.data;
      const code = res.status === 404 || res.status === 410 ? ErrorCode.RepoFileMissing : ErrorCode.RepoUnavailable;
      throw new PromoterError(code, `GET ${url}: HTTP ${res.status}`, { context: { url, status: res.status } });
    } catch (err) {
      if (err instanceof PromoterError) throw err;
      if (signal?.aborted) throw abortError(signal);
      throw new PromoterError(ErrorCode.RepoUnavailable, `GET ${url}: ${(err as Error).message}`, { context: { url } });
    }
  }

  /** Component commits of aggregate `agg` as promoted to `label`, oldest first (the order RDO promotes them in). */
  async aggregateComponents(label: string, agg: string, signal?: AbortSignal): Promise<ComponentCommit[]> {
    const repoUrl = this.url(`${label}/${agg.slice(0, 2)}/${agg.slice(2, 4)}/${agg}/delorean.repo`);
    const sections = Object.values(parseIni(await this.fetch(repoUrl, signal))) as Record<string, unknown>[];
    const baseurls = sections.map((s) => s.baseurl).filter((b): b is string => typeof b === 'string');
    if (baseurls.length === 0) {
      throw new PromoterError(ErrorCode.RepoFileMissing, `${repoUrl}: no repository with a baseurl in it`, {
        context: { url: repoUrl },
      });
    }
    const commits = await Promise.all(
      baseurls.map(async (b) => {
        const url = `${b.replace(/\/$/, '')}/commit.yaml`;
        const parsed = CommitYaml.safeParse(parseYaml(await this.fetch(url, signal)));
        if (!parsed.success) {
          throw new PromoterError(ErrorCode.RepoFileMissing, `${url}: not a DLRN commit.yaml`, { context: { url } });
        }
        const c = parsed.data.commits[0]!;
        const ext = c.extended_hash && c.extended_hash !== 'None' ? c.extended_hash : null;
        return { ...c, extended_hash: ext, component: c.component ?? null };
      }),
    );
    return commits.sort((a, b) => a.dt_commit - b.dt_commit);
  }
}
