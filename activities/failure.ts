// Activities throw PromoterErrors; Temporal sees them as ApplicationFailures whose type is the error code, marked
// non-retryable when no retry can help (a 403 from DLRN, a malformed hash, a bad config).
import { ApplicationFailure } from '@temporalio/common';
import { isPromoterError } from '../domain/errors.js';

export function toFailure(err: unknown): unknown {
  if (!isPromoterError(err)) return err;
  return ApplicationFailure.create({
    type: err.code,
    message: err.message,
    nonRetryable: !err.retryable,
    details: [{ context: err.context, suggestion: err.suggestion ?? null }],
  });
}

/** Wraps every activity of a record so PromoterErrors cross into Temporal with their code and retry class. */
export function withFailures<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toFailure(err);
      }
    };
  }
  return wrapped as T;
}
