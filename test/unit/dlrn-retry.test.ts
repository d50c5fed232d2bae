// Per-request retries of the DLRN client: capped exponential backoff with full jitter, bounded, stopped by an abort.
import { describe, expect, it } from 'vitest';
import { backoffMs, sleep, withRetries, type RetryPolicy } from '../../integrations/dlrn-retry.js';

const policy: RetryPolicy = { retries: 3, baseMs: 100, maxMs: 300 };

describe('backoffMs', () => {
  it.each([
    [0, 0.999, 99],
    [1, 0.999, 199],
    [2, 0.999, 299], // capped at maxMs
    [9, 0.999, 299],
    [3, 0, 0],
  ])('retry %i with random %f waits %i ms', (retry, r, ms) => {
    expect(backoffMs(retry, policy, () => r)).toBe(ms);
  });
});

describe('withRetries', () => {
  const failing = (n: number, err: Error = new Error('busy')) => {
    let calls = 0;
    const call = async () => {
      calls++;
      if (calls <= n) throw err;
      return calls;
    };
    return { call, calls: () => calls };
  };
  const fast: RetryPolicy = { retries: 3, baseMs: 1, maxMs: 2 };

  it('retries a retryable failure until it succeeds', async () => {
    const f = failing(2);
    expect(await withRetries(f.call, () => true, fast)).toBe(3);
  });

  it('gives up after the bound and reports the tries', async () => {
    const f = failing(10);
    let tries = 0;
    await expect(withRetries(f.call, () => true, fast, { onGiveUp: (_e, n) => (tries = n) })).rejects.toThrow('busy');
    expect([f.calls(), tries]).toEqual([4, 4]);
  });

  it('never retries what the predicate refuses', async () => {
    const f = failing(10);
    await expect(withRetries(f.call, () => false, fast)).rejects.toThrow('busy');
    expect(f.calls()).toBe(1);
  });

  it('an abort ends the wait between tries with the abort reason', async () => {
    const abort = new AbortController();
    const f = failing(10);
    setTimeout(() => abort.abort(new Error('cancelled')), 20);
    const started = Date.now();
    const slow: RetryPolicy = { retries: 1_000, baseMs: 10_000, maxMs: 10_000 }; // never gives up first
    await expect(withRetries(f.call, () => true, slow, { signal: abort.signal })).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(sleep(10, abort.signal)).rejects.toThrow('cancelled');
  });
});
