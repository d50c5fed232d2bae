// Heartbeats and cancellation for artifact activities. A ticker heartbeats while the activity runs, whatever it is
// waiting on (a slow HEAD, a 1 GB blob, an SFTP round trip), so a dead worker is noticed within the heartbeat
// timeout and a cancel request (delivered with a heartbeat answer) arrives within seconds. The activity's
// cancellation signal reaches every registry request and SFTP operation through withAbortSignal.
import { Context } from '@temporalio/activity';
import { abortReason, withAbortSignal } from '../integrations/abort.js';

/**
 * Ticker period. The SDK sends at most one heartbeat per 0.8 x heartbeatTimeout, so any heartbeatTimeout of 5 s or
 * more is safe; the saga schedules artifact activities with heartbeatTimeout 10 s.
 */
export const HEARTBEAT_EVERY_MS = 2_000;

/** The activity context, or undefined when called as a plain function (integration tests, scripts). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Runs body with heartbeats (details() at the start, every HEARTBEAT_EVERY_MS, and whenever body calls beat) and the
 * activity's cancellation wired in. After a cancel, body's requests fail at once; it is awaited to the end (so
 * nothing of it is still running when the activity reports) and the activity ends with the CancelledFailure.
 */
export async function heartbeating<T>(details: () => unknown, body: (beat: () => void) => Promise<T>): Promise<T> {
  const ctx = activityContext();
  if (!ctx) return body(() => undefined);
  const beat = () => ctx.heartbeat(details());
  beat();
  const ticker = setInterval(beat, HEARTBEAT_EVERY_MS);
  ticker.unref();
  try {
    return await withAbortSignal(ctx.cancellationSignal, () => body(beat));
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw abortReason(ctx.cancellationSignal);
    throw err;
  } finally {
    clearInterval(ticker);
  }
}
