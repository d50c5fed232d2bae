// Retries per registry request: a 5xx, 408, 429, reset or timeout on one of 44 HEADs costs a short wait for that
// request, not a whole activity attempt. Full jitter (so many clients do not retry in step), Retry-After honoured,
// bounded in attempts and in how long a Retry-After may ask us to wait. 401/403/404 and other 4xx are answers.

export interface RetryPolicy {
  /** Tries per request, the first included; 1 disables retries. */
  attempts: number;
  /** The backoff cap doubles from this per retry... */
  baseMs: number;
  /** ...up to this. */
  maxMs: number;
  /** A Retry-After longer than this is not waited for: the answer goes back to the caller (the activity retries). */
  maxRetryAfterMs: number;
}

/**
 * Ten tries: at a 25 % fault rate one request in a million still fails (0.25^10), a few per thousand promotions of
 * 150 images; the waits add up to at most ~28 s per request, during which the activity keeps heartbeating.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseMs: 250, maxMs: 5_000, maxRetryAfterMs: 30_000 };

export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long to wait before retry number `retry` (1 = the first retry): a random share of the doubling cap, or what
 * Retry-After asks when that is longer; undefined when Retry-After asks more than the policy allows.
 */
export function backoffMs(
  retry: number,
  policy: RetryPolicy,
  retryAfter?: number,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) return undefined;
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  const jittered = Math.round(random() * cap);
  return Math.max(jittered, retryAfter ?? 0);
}

/** Socket-level failures a new try can fix; TLS and protocol errors (EPROTO, certificates) cannot. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export function transientNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code);
}
