// The cancellation of the work in progress, carried implicitly to every registry request and SFTP operation made
// inside withAbortSignal (an activity wraps its body in it): integrations stay free of Temporal, and a cancelled
// activity's requests are aborted without threading a signal through every call.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

export function withAbortSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return signal ? scope.run(signal, fn) : fn();
}

export const currentSignal = (): AbortSignal | undefined => scope.getStore();

/** The error to throw once the signal fired: its reason (Temporal's CancelledFailure in an activity). */
export function abortReason(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason;
  const err = new Error(`aborted: ${String(signal.reason ?? 'cancelled')}`);
  err.name = 'AbortError';
  return err;
}

export function throwIfAborted(signal: AbortSignal | undefined = currentSignal()): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** Waits ms, or rejects with the abort reason as soon as the signal fires. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined = currentSignal()): Promise<void> {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs fn; when the signal fires first, calls onAbort (to tear the operation down) and rejects with the reason. */
export function raceAbort<T>(fn: () => Promise<T>, onAbort: () => void, signal = currentSignal()): Promise<T> {
  throwIfAborted(signal);
  if (!signal) return fn();
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', abort, { once: true });
    fn()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', abort));
  });
}
