// A signed webhook POST: the body's HMAC-SHA256 under a shared secret in X-Promoter-Signature (GitHub's scheme), the
// event's deterministic id in X-Promoter-Event-Id for the receiver to dedupe on. Whether a retry can help is decided
// here: a 2xx is the receiver's acknowledgement; 408, 425, 429 and 5xx, timeouts and dropped connections are retried;
// any other 4xx is the receiver refusing the event for good.
import { createHmac } from 'node:crypto';
import { ErrorCode, PromoterError } from '../domain/errors.js';

export const SIGNATURE_HEADER = 'X-Promoter-Signature';
export const EVENT_ID_HEADER = 'X-Promoter-Event-Id';
export const EVENT_KIND_HEADER = 'X-Promoter-Event';
export const ATTEMPT_HEADER = 'X-Promoter-Delivery-Attempt';

/** "sha256=<hex>" over the exact bytes sent. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface WebhookPost {
  /** Named in errors; the URL's query may carry a token, so errors show only its origin and path. */
  name: string;
  url: string;
  body: string;
  secret: string;
  eventId: string;
  kind: string;
  attempt: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);
const where = (url: string) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

/** POSTs once; resolves with the status of a 2xx, throws a PromoterError that says whether to retry. */
export async function postWebhook(p: WebhookPost): Promise<number> {
  const signal = p.signal
    ? AbortSignal.any([p.signal, AbortSignal.timeout(p.timeoutMs)])
    : AbortSignal.timeout(p.timeoutMs);
  const context = { webhook: p.name, url: where(p.url), eventId: p.eventId, attempt: p.attempt };
  let res: Response;
  try {
    res = await fetch(p.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'rdo-promoter',
        [SIGNATURE_HEADER]: signature(p.secret, p.body),
        [EVENT_ID_HEADER]: p.eventId,
        [EVENT_KIND_HEADER]: p.kind,
        [ATTEMPT_HEADER]: String(p.attempt),
      },
      body: p.body,
      signal,
      redirect: 'error',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${p.timeoutMs} ms` : (e.cause?.code ?? e.message);
    throw new PromoterError(ErrorCode.WebhookUnavailable, `webhook ${p.name} (${where(p.url)}): ${why}`, { context });
  }
  // Drain the answer so the connection is reused; its content is not needed.
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return res.status;
  const retry = res.status >= 500 || RETRYABLE_STATUS.has(res.status);
  throw new PromoterError(
    retry ? ErrorCode.WebhookUnavailable : ErrorCode.WebhookRefused,
    `webhook ${p.name} (${where(p.url)}) answered ${res.status}${retry ? '' : ': refused for good, not retried'}`,
    { context: { ...context, status: res.status } },
  );
}
