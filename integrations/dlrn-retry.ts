// Retries per request for DLRN's idempotent reads: a 5xx, 429, reset or timeout on one GET is retried inside the
// client with capped exponential backoff and full jitter, so a flaky DLRN does not fail a whole activity attempt.
// Bounded, and stopped at once by the caller's AbortSignal (an activity's cancellation).

export interface RetryPolicy {
  /** Retries after the first try (0: none). */
  retries: number;
  /** The first backoff's upper bound; each retry doubles it, up to maxMs. */
  baseMs: number;
  maxMs: number;
}

/** Five tries over at most ~15 s: longer than a DLRN restart, shorter than an activity's patience. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseMs: 500, maxMs: 8_000 };

/** Full jitter: a wait drawn from [0, min(maxMs, baseMs * 2^retry)). */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxMs, policy.baseMs * 2 ** retry));
}

/** The error an aborted signal stands for: its reason when that is an error (Temporal's CancelledFailure). */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal.reason)}`);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `call` until it succeeds, fails with an error `retryable` rejects, or the retries are used up (the last error
 * is thrown, after `onGiveUp` saw it with the number of tries).
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  policy: RetryPolicy,
  { signal, onGiveUp }: { signal?: AbortSignal; onGiveUp?: (err: unknown, tries: number) => void } = {},
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      if (!retryable(err) || retry >= policy.retries) {
        onGiveUp?.(err, retry + 1);
        throw err;
      }
    }
    await sleep(backoffMs(retry, policy), signal);
  }
}
