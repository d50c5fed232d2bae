// Delivers one notification to one webhook. The secret is read here, on the worker (env NAME or NAME_FILE, bound to
// the webhook's host when PROMOTER_CREDENTIALS is set); the workflow passes only its name. A 2xx is recorded in a
// heartbeat before the activity returns, so an attempt retried after that (the completion was lost with a crashed
// worker) does not POST again. Anything else is retried by Temporal with the same id and the same bytes; the receiver
// dedupes on X-Promoter-Event-Id what a lost acknowledgement makes it receive twice.
import { Context } from '@temporalio/activity';
import { workflowUiUrl } from '../client/connection.js';
import { checkBound, loadCredentialBindings, requireSecret } from '../integrations/credentials.js';
import { postWebhook } from '../integrations/webhook.js';
import { notificationBody, type NotifyEvent, type WebhookConfig } from '../domain/notify.js';

export interface DeliverInput {
  event: NotifyEvent;
  webhook: Pick<WebhookConfig, 'name' | 'url' | 'secretEnv'>;
}

export interface Delivered {
  eventId: string;
  status: number;
  /** The attempt whose POST was acknowledged. */
  attempt: number;
}

interface Ack {
  ackedStatus: number;
  attempt: number;
}

type Env = Record<string, string | undefined>;

/** The signing secret of a webhook: the variable it names, refused if the credentials file binds it elsewhere. */
export function webhookSecret(w: DeliverInput['webhook'], env: Env = process.env): string {
  const bindings = loadCredentialBindings(env);
  if (bindings) checkBound(bindings, new URL(w.url).host, `webhook ${w.name}`, { passwordEnv: w.secretEnv });
  return requireSecret(w.secretEnv, env);
}

export function createNotifyActivities(env: Env = process.env, timeoutMs = 10_000) {
  return {
    async deliverNotification({ event, webhook }: DeliverInput): Promise<Delivered> {
      const ctx = Context.current();
      const earlier = ctx.info.heartbeatDetails as Ack | undefined;
      if (earlier?.ackedStatus) return { eventId: event.id, status: earlier.ackedStatus, attempt: earlier.attempt };
      const attempt = ctx.info.attempt;
      const status = await postWebhook({
        name: webhook.name,
        url: webhook.url,
        body: notificationBody(event, workflowUiUrl(event.workflowId, undefined, env as NodeJS.ProcessEnv)),
        secret: webhookSecret(webhook, env),
        eventId: event.id,
        kind: event.kind,
        attempt,
        timeoutMs,
        signal: ctx.cancellationSignal,
      });
      ctx.heartbeat({ ackedStatus: status, attempt } satisfies Ack);
      return { eventId: event.id, status, attempt };
    },
  };
}
