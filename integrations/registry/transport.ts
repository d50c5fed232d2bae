// The HTTP side of a registry client: keep-alive sockets, the scheme (https, or http for an insecure registry),
// and auth: Basic when the registry challenges with Basic, else the Bearer token flow (realm, service, scope), with
// tokens cached per scope. Requests come back with any status; callers decide what a status means. Idempotent
// requests are retried here on 5xx/408/429, resets and timeouts (retry.ts); every request is aborted when the
// surrounding work is cancelled (abort.ts).
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ErrorCode, isPromoterError, type PromoterError } from '../../domain/errors.js';
import { abortableSleep, abortReason, currentSignal, throwIfAborted } from '../abort.js';
import {
  type Challenge,
  parseChallenges,
  parseTokenAnswer,
  pickChallenge,
  repoScope,
  scopeKey,
  tokenQuery,
} from './challenge.js';
import { httpError, networkError, registryMessage, rejected, unauthorized, type Where } from './errors.js';
import {
  backoffMs,
  DEFAULT_RETRY,
  retryableStatus,
  retryAfterMs,
  transientNetworkCode,
  type RetryPolicy,
} from './retry.js';

export interface Registry {
  /** host[:port], no scheme. */
  host: string;
  /** false: like docker's insecure registries, https without verification, falling back to plain http. */
  tlsVerify: boolean;
  username?: string;
  password?: string;
}

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
type Body = Buffer | Readable | undefined;

export interface Request {
  method: Method;
  /** '/v2/…' or an absolute URL (upload locations, blob redirects). */
  path: string;
  scopes: string[];
  what: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Called per attempt, so a request can be sent again after an auth challenge. */
  body?: () => Body | Promise<Body>;
  stream?: boolean;
  /** Retried on transient failures; default: GET, HEAD, PUT (manifests go up as exact bytes) and DELETE. */
  retry?: boolean;
}

export interface TransportOptions {
  timeoutMs?: number;
  maxSockets?: number;
  retry?: Partial<RetryPolicy>;
}

const USER_AGENT = 'rdo-promoter';

export const isStream = (b: unknown): b is Readable => !!b && typeof (b as Readable).pipe === 'function';

async function streamText(stream: Readable, limit = 4096): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += Buffer.from(chunk as Buffer).toString('utf8');
    if (text.length > limit) break;
  }
  stream.destroy();
  return text;
}

export class RegistryTransport {
  readonly host: string;
  readonly tlsVerify: boolean;
  readonly #username?: string;
  readonly #basic?: string;
  readonly #http: AxiosInstance;
  readonly #agents: { http: http.Agent; https: https.Agent };
  #base?: Promise<string>;
  /** undefined until the first answer; null: the registry asks for no credentials. */
  #challenge?: Challenge | null;
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #pendingTokens = new Map<string, Promise<string>>();
  readonly retryPolicy: RetryPolicy;
  /** Requests sent again after a transient failure, for reports. */
  retries = 0;

  constructor(registry: Registry, { timeoutMs = 60_000, maxSockets = 16, retry = {} }: TransportOptions = {}) {
    this.host = registry.host;
    this.retryPolicy = { ...DEFAULT_RETRY, ...retry };
    this.tlsVerify = registry.tlsVerify;
    this.#username = registry.username;
    if (registry.username !== undefined && registry.password !== undefined) {
      this.#basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
    }
    this.#agents = {
      http: new http.Agent({ keepAlive: true, maxSockets }),
      https: new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: registry.tlsVerify }),
    };
    this.#http = axios.create({
      timeout: timeoutMs,
      httpAgent: this.#agents.http,
      httpsAgent: this.#agents.https,
      validateStatus: () => true,
      // Redirects are followed by hand: credentials must not follow a blob to its storage host.
      maxRedirects: 0,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
    });
  }

  /** Who we are, for logs: never the password. */
  toJSON(): { host: string; tlsVerify: boolean; username: string | null } {
    return { host: this.host, tlsVerify: this.tlsVerify, username: this.#username ?? null };
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /** Fails with RegistryUnauthorized when the credentials are refused (a token for `repo` when given, else /v2/). */
  async checkAuth(repo?: string): Promise<void> {
    const base = await this.base();
    if (this.#challenge === null) return;
    if (this.#challenge?.scheme === 'bearer') {
      await this.token(repo ? [repoScope(repo, 'pull,push')] : []);
      return;
    }
    const where = this.where('GET', '/v2/', 'credentials check');
    if (!this.#basic) throw unauthorized(where, 'the registry asks for credentials and none are configured');
    const basic = this.#basic;
    const res = await this.retrying(where, true, () =>
      this.raw(where, { method: 'GET', url: `${base}/v2/`, headers: { Authorization: basic } }),
    );
    if (res.status !== 200) throw httpError(where, res.status, Buffer.from(res.data as Buffer).toString('utf8'));
  }

  where(method: string, path: string, what: string): Where {
    // Upload locations carry an opaque state query: keep messages short.
    const p = path.startsWith('http') ? new URL(path).pathname : path.split('?')[0]!;
    return { host: this.host, method, path: p, what };
  }

  /** The scheme is found once per client: https, or http when tlsVerify is false and https does not answer. */
  base(): Promise<string> {
    this.#base ??= this.ping().catch((err: unknown) => {
      this.#base = undefined;
      throw err;
    });
    return this.#base;
  }

  private async ping(): Promise<string> {
    const where = this.where('GET', '/v2/', 'API check');
    let failure: PromoterError | undefined;
    const schemes = this.tlsVerify ? ['https'] : ['https', 'http'];
    for (const scheme of schemes) {
      const base = `${scheme}://${this.host}`;
      let res: AxiosResponse;
      try {
        // An https probe that may fall back to http is not retried on network errors: plain http resets it.
        const network = scheme === schemes.at(-1);
        res = await this.retrying(where, true, () => this.raw(where, { method: 'GET', url: `${base}/v2/` }), network);
      } catch (err) {
        if (!isPromoterError(err)) throw err;
        failure = err as PromoterError;
        continue;
      }
      if (res.status === 401) this.#challenge = pickChallenge(parseChallenges(res.headers['www-authenticate']));
      else if (res.status === 200) this.#challenge = null;
      else throw httpError(where, res.status, Buffer.from(res.data as Buffer).toString('utf8'));
      return base;
    }
    throw failure!;
  }

  private async raw(
    where: Where,
    config: { method: Method; url: string; headers?: Record<string, string> },
  ): Promise<AxiosResponse> {
    const signal = currentSignal();
    try {
      return await this.#http.request({
        ...config,
        headers: { 'User-Agent': USER_AGENT, ...config.headers },
        responseType: 'arraybuffer',
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      throw networkError(where, err);
    }
  }

  /**
   * Sends until an answer that is not transient, or the policy's attempts are spent (the last answer or error goes
   * back); waits between tries are cut short by cancellation.
   */
  private async retrying(
    where: Where,
    enabled: boolean,
    once: () => Promise<AxiosResponse>,
    network = true,
  ): Promise<AxiosResponse> {
    const policy = this.retryPolicy;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted();
      const last = !enabled || attempt >= policy.attempts;
      let wait: number | undefined;
      try {
        const res = await once();
        if (last || !retryableStatus(res.status)) return res;
        wait = backoffMs(attempt, policy, retryAfterMs(res.headers['retry-after']));
        if (wait === undefined) return res;
        if (isStream(res.data)) (res.data as Readable).destroy();
      } catch (err) {
        // Only socket failures: a status error here comes from a token fetch that had its own retries.
        const transient =
          isPromoterError(err) && err.code === ErrorCode.RegistryUnavailable && transientNetworkCode(err.context.code);
        if (last || !network || !transient) throw err;
        wait = backoffMs(attempt, policy)!;
      }
      this.retries++;
      await abortableSleep(wait);
    }
  }

  private async authorization(scopes: string[]): Promise<string | undefined> {
    const c = this.#challenge;
    if (!c) return undefined;
    if (c.scheme === 'bearer') return `Bearer ${await this.token(scopes)}`;
    return this.#basic;
  }

  /** A bearer token for these scopes, cached until shortly before it expires; concurrent asks share one request. */
  private async token(scopes: string[]): Promise<string> {
    const key = scopeKey(scopes);
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    let pending = this.#pendingTokens.get(key);
    if (!pending) {
      pending = this.fetchToken(key).finally(() => this.#pendingTokens.delete(key));
      this.#pendingTokens.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(key: string): Promise<string> {
    const challenge = this.#challenge!;
    const realm = challenge.params.realm;
    const where = this.where('GET', realm ?? '(no realm)', `token for ${key || 'registry'}`);
    if (!realm) throw rejected(where, 'the Bearer challenge has no realm');
    const url = new URL(realm);
    tokenQuery(challenge, key.split(' ')).forEach((v, k) => url.searchParams.append(k, v));
    const res = await this.retrying(where, true, () =>
      this.raw(where, { method: 'GET', url: url.href, headers: this.#basic ? { Authorization: this.#basic } : {} }),
    );
    const text = Buffer.from(res.data as Buffer).toString('utf8');
    if (res.status === 401 || res.status === 403) {
      throw unauthorized(where, `token refused (${res.status}): ${registryMessage(text) || 'wrong user or password'}`);
    }
    if (res.status !== 200) throw httpError(where, res.status, text);
    let answer: ReturnType<typeof parseTokenAnswer> = null;
    try {
      answer = parseTokenAnswer(JSON.parse(text), Date.now());
    } catch {
      // not JSON: reported below
    }
    if (!answer) throw rejected(where, 'the token answer holds no token');
    this.#tokens.set(key, answer);
    return answer.token;
  }

  /** One request with auth, retried when transient (see Request.retry). */
  async send(req: Request): Promise<AxiosResponse> {
    const retry = req.retry ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    await this.base();
    return this.retrying(this.where(req.method, req.path, req.what), retry, () => this.sendOnce(req));
  }

  /** One request with auth; after a 401 that brings a challenge we can answer, once more with fresh auth. */
  private async sendOnce(req: Request): Promise<AxiosResponse> {
    const base = await this.base();
    const signal = currentSignal();
    const url = req.path.startsWith('http') ? req.path : `${base}${req.path}`;
    // Credentials go only to the registry itself, never to a storage host a Location points at.
    const sameHost = new URL(url).host === new URL(base).host;
    const where = this.where(req.method, req.path, req.what);
    let scopes = req.scopes;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...req.headers };
      const auth = sameHost ? await this.authorization(scopes) : undefined;
      if (auth) headers.Authorization = auth;
      const data = req.body ? await req.body() : undefined;
      let res: AxiosResponse;
      try {
        res = await this.#http.request({
          method: req.method,
          url,
          params: req.query,
          headers,
          data,
          responseType: req.stream ? 'stream' : 'arraybuffer',
          decompress: !req.stream,
          signal,
        });
      } catch (err) {
        if (isStream(data)) data.destroy();
        if (signal?.aborted) throw abortReason(signal);
        throw networkError(where, err);
      }
      if (res.status !== 401 || attempt > 0 || !sameHost) return res;
      const challenge = pickChallenge(parseChallenges(res.headers['www-authenticate']));
      const canAnswer =
        challenge?.scheme === 'bearer' || (challenge?.scheme === 'basic' && this.#basic !== undefined && !auth);
      if (!challenge || !canAnswer) return res;
      if (isStream(res.data)) (res.data as Readable).destroy();
      if (isStream(data)) data.destroy();
      this.#challenge = challenge;
      if (challenge.scheme === 'bearer') {
        this.#tokens.delete(scopeKey(scopes));
        if (challenge.params.scope) scopes = [...scopes, challenge.params.scope];
      }
    }
  }

  /** Throws the PromoterError for an answer whose status is not one of `ok`. */
  async expect(res: AxiosResponse, where: Where, ok: number[]): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = isStream(res.data)
      ? await streamText(res.data as Readable)
      : res.data
        ? Buffer.from(res.data as ArrayBuffer).toString('utf8')
        : '';
    throw httpError(where, res.status, text);
  }
}
