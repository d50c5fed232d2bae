// The delivery activity against a real HTTP server in this process: the signature and headers it sends, which
// answers are retried, the secret's binding to the webhook's host, and no second POST once an attempt recorded the
// receiver's acknowledgement (a retry after the worker lost its completion).
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createNotifyActivities, type DeliverInput } from '../../activities/notify.js';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';
import type { NotifyEvent } from '../../domain/notify.js';

const SECRET = 'test-signing-secret';
let status = 200;
let received: { headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(status).end();
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  received = [];
  status = 200;
});

const event: NotifyEvent = {
  id: 'release/master/centos9:stale:current-tripleo:abc_def:since=1700000000:period=1',
  kind: 'stale',
  release: 'master',
  distro: 'centos9',
  label: 'current-tripleo',
  fullHash: 'abc_def',
  workflowId: 'release/master/centos9',
  at: 1700604800,
  summary: 'current-tripleo of master/centos9 has not moved for 7d',
  details: { period: 1 },
};
const input = (): DeliverInput => ({ event, webhook: { name: 'chat', url, secretEnv: 'CHAT_SECRET' } });
const env = { CHAT_SECRET: SECRET, TEMPORAL_UI_URL: 'http://ui.example.org', TEMPORAL_NAMESPACE: 'default' };

async function deliver(
  e: Record<string, string> = env,
  info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {},
) {
  return new MockActivityEnvironment(info).run(createNotifyActivities(e, 2000).deliverNotification, input());
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (isPromoterError(err)) return err;
    throw err;
  }
  throw new Error('expected a PromoterError');
}

it('POSTs the JSON body signed with HMAC-SHA256 of the exact bytes, with the event id to dedupe on', async () => {
  const r = await deliver(env, { attempt: 3 });
  expect(r).toEqual({ eventId: event.id, status: 200, attempt: 3 });
  const [{ headers, body }] = received as [(typeof received)[0]];
  expect(headers['x-promoter-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
  expect(headers['x-promoter-event-id']).toBe(event.id);
  expect(headers['x-promoter-event']).toBe('stale');
  expect(headers['x-promoter-delivery-attempt']).toBe('3');
  expect(headers['content-type']).toBe('application/json');
  expect(JSON.parse(body)).toEqual({
    id: event.id,
    kind: 'stale',
    release: 'master',
    distro: 'centos9',
    label: 'current-tripleo',
    full_hash: 'abc_def',
    workflow_id: 'release/master/centos9',
    link: 'http://ui.example.org/namespaces/default/workflows/release%2Fmaster%2Fcentos9',
    time: '2023-11-21T22:13:20.000Z',
    summary: event.summary,
    details: { period: 1 },
  });
  expect(body).not.toContain(SECRET);
});

it('an attempt after an acknowledged one (its heartbeat says so) does not POST again', async () => {
  const r = await deliver(env, { attempt: 2, heartbeatDetails: { ackedStatus: 204, attempt: 1 } });
  expect(r).toEqual({ eventId: event.id, status: 204, attempt: 1 });
  expect(received).toEqual([]);
});

it.each([
  [500, ErrorCode.WebhookUnavailable, true],
  [429, ErrorCode.WebhookUnavailable, true],
  [410, ErrorCode.WebhookRefused, false],
  [401, ErrorCode.WebhookRefused, false],
])('an answer %i is %s (retryable: %s); the error shows no query token', async (code, type, retryable) => {
  status = code;
  const err = await failure(deliver());
  expect([err.code, err.retryable]).toEqual([type, retryable]);
  expect(err.message).toContain(`answered ${code}`);
  expect(err.message).not.toContain('token=abc');
});

it('a receiver that does not answer in time is retried', async () => {
  const err = await failure(
    new MockActivityEnvironment().run(createNotifyActivities(env, 1).deliverNotification, {
      event,
      webhook: { name: 'slow', url: 'http://10.255.255.1:9/', secretEnv: 'CHAT_SECRET' },
    }),
  );
  expect(err.code).toBe(ErrorCode.WebhookUnavailable);
});

it('a missing secret names the variables; one the credentials file binds to another host is refused; nothing is sent', async () => {
  const missing = await failure(deliver({}));
  expect(missing.message).toBe('secret CHAT_SECRET is not set: set CHAT_SECRET or CHAT_SECRET_FILE');
  const dir = mkdtempSync(join(tmpdir(), 'notify-creds-'));
  const creds = join(dir, 'credentials.yaml');
  writeFileSync(creds, 'hosts:\n  "dlrn.example.org": { password_env: CHAT_SECRET }\n');
  const refused = await failure(deliver({ ...env, PROMOTER_CREDENTIALS: creds }));
  expect(refused.message).toMatch(/webhook chat \(127\.0\.0\.1:\d+\): the release configuration names CHAT_SECRET/);
  expect(refused.message).toContain('binds CHAT_SECRET to dlrn.example.org only');
  expect(received).toEqual([]);
  // Bound to the webhook's host: sent.
  const host = new URL(url).host;
  writeFileSync(creds, `hosts:\n  "${host}": { password_env: CHAT_SECRET }\n`);
  await deliver({ ...env, PROMOTER_CREDENTIALS: creds });
  expect(received).toHaveLength(1);
});
