// Notifications end to end: the real release controller and activities on the test stack's Temporal and DLRN, and a
// real HTTP receiver in this process that dedupes on X-Promoter-Event-Id and checks every signature. Faults: the
// receiver answers 500 twice for one event, takes another event and drops the connection before answering, and
// holds a third unanswered while the worker is shut down and replaced (the activity is retried on the new worker).
// Each event must be processed exactly once, and nothing acknowledged may be sent again.
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities, defaultDeps } from '../../activities/index.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import * as m from '../../workflows/contract.js';
import type { releaseController } from '../../workflows/controller.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { testStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/temporal.js';

const SECRET = `whsec-${randomUUID()}`;
const LABELS = ['current-tripleo', 'current-tripleo-rdo'] as const;

interface Delivery {
  id: string;
  label: string;
  kind: string;
  signed: boolean;
  outcome: 'failed-500' | 'dropped' | 'hung' | 'processed' | 'duplicate';
}

/** A webhook receiver as an operator would write one: verify the signature, dedupe on the event id, answer 2xx. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly processed = new Map<string, Record<string, unknown>>();
  private readonly plan: Record<string, Delivery['outcome'][]> = {
    'current-tripleo': ['failed-500', 'failed-500'],
    'current-tripleo-rdo': ['dropped'],
  };
  hung: (() => void) | null = null;
  readonly server: Server = createServer((req, res) => void this.handle(req, res));

  constructor(hangLabel: string, onHung: () => void) {
    this.plan[hangLabel] = [...(this.plan[hangLabel] ?? []), 'hung'];
    this.hung = onHung;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const want = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
    const got = Buffer.from(String(req.headers['x-promoter-signature'] ?? ''));
    const signed = got.length === want.length && timingSafeEqual(got, want);
    const body = JSON.parse(raw.toString()) as { id: string; label: string; kind: string };
    const id = String(req.headers['x-promoter-event-id']);
    expect(body.id).toBe(id);
    const next = this.plan[body.label]?.shift();
    const record = (outcome: Delivery['outcome']) =>
      this.deliveries.push({ id, label: body.label, kind: body.kind, signed, outcome });
    if (!signed) {
      res.writeHead(401).end();
      return;
    }
    if (next === 'failed-500') {
      record(next);
      res.writeHead(500).end('try later');
    } else if (next === 'hung') {
      record(next);
      this.hung?.(); // never answered: the worker goes away meanwhile
    } else if (this.processed.has(id)) {
      record('duplicate');
      res.writeHead(200).end('already have it');
    } else {
      this.processed.set(id, body);
      if (next === 'dropped') {
        // Processed, then the connection dies before the answer: the sender cannot know, so it sends again.
        record('dropped');
        req.socket.destroy();
        return;
      }
      record('processed');
      res.writeHead(204).end();
    }
  }
}

let client: Client;
let receiver: Receiver;
let hungNow: Promise<void>;
const port = Number(testStack().temporalAddress.split(':').pop()) - 233 + 700;

beforeAll(async () => {
  client = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
  let resolve!: () => void;
  hungNow = new Promise<void>((r) => (resolve = r));
  receiver = new Receiver('current-tripleo', resolve);
  await new Promise<void>((r) => receiver.server.listen(port, '127.0.0.1', r));
  await workflowBundle();
}, 120_000);
afterAll(async () => {
  receiver?.server.closeAllConnections();
  await new Promise((r) => receiver?.server.close(r));
  await client?.connection.close();
});

it('each event reaches the receiver exactly once through 500s, a dropped connection and a worker restart', async () => {
  const configDir = mkdtempSync(join(tmpdir(), 'notify-config-'));
  const secretFile = join(configDir, 'webhook.secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  process.env.NOTIFY_TEST_SECRET_FILE = secretFile;
  // The sandbox's wallaby file under a release name of its own: a controller no other test knows.
  const release = `notify${Date.now().toString(36)}`;
  const text = readFileSync(join(ROOT, 'config', 'sandbox', 'wallaby.yaml'), 'utf8');
  writeFileSync(
    join(configDir, `${release}.yaml`),
    `${text.replace(/^release: wallaby$/m, `release: ${release}`)}
notifications:
  held_long_after: 1s
  webhooks:
    - name: receiver
      url: http://127.0.0.1:${port}/promoter
      secret_env: NOTIFY_TEST_SECRET
      events: [held-long]
`,
  );
  const taskQueue = `notify-${randomUUID()}`;
  const worker = async () =>
    Worker.create({
      connection: await (
        await import('@temporalio/worker')
      ).NativeConnection.connect({
        address: testStack().temporalAddress,
      }),
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createActivities({ ...defaultDeps(), configDir }),
    });

  const first = await worker();
  const running = first.run();
  const handle = await client.workflow.start<typeof releaseController>('releaseController', {
    taskQueue,
    workflowId: releaseWorkflowId(release, 'centos9'),
    args: [{ release, distro: 'centos9' }],
  });
  try {
    for (const label of LABELS) {
      await handle.executeUpdate(m.holdUpdate, { args: [{ label, by: 'op', why: `hold ${label}` }] });
    }
    // current-tripleo: 500, 500, then held unanswered; the worker is restarted under it.
    await hungNow;
    first.shutdown();
    await running;
    const second = await worker();
    await second.runUntil(async () => {
      const end = Date.now() + 20_000;
      while (receiver.processed.size < LABELS.length || receiver.deliveries.length < 6) {
        if (Date.now() > end) throw new Error(`deliveries so far: ${JSON.stringify(receiver.deliveries)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Acknowledged means done: nothing more arrives, and the controller's outbox is empty.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await handle.query(m.statusQuery)).notify?.undelivered).toBe(0);
    });
  } finally {
    await handle.terminate('test done').catch(() => undefined);
  }

  const per = (label: string) => receiver.deliveries.filter((d) => d.label === label).map((d) => d.outcome);
  expect(per('current-tripleo')).toEqual(['failed-500', 'failed-500', 'hung', 'processed']);
  expect(per('current-tripleo-rdo')).toEqual(['dropped', 'duplicate']);
  expect(receiver.deliveries.every((d) => d.signed && d.kind === 'held-long')).toBe(true);
  // One id per event, the same id on every attempt of it.
  for (const label of LABELS)
    expect(new Set(receiver.deliveries.filter((d) => d.label === label).map((d) => d.id)).size).toBe(1);
  expect(receiver.processed.size).toBe(2);
  const body = [...receiver.processed.values()][0]!;
  expect(Object.keys(body).sort()).toEqual(
    [
      'details',
      'distro',
      'full_hash',
      'id',
      'kind',
      'label',
      'link',
      'release',
      'summary',
      'time',
      'workflow_id',
    ].sort(),
  );
  // The secret never reaches workflow history: only its variable's name does.
  // Every payload decoded (historyToJSON gives their bytes as base64).
  const json = historyToJSON(await handle.fetchHistory());
  const history = [...json.matchAll(/"data":\s*"([A-Za-z0-9+/=_-]+)"/g)]
    .map(([, b64]) => Buffer.from(b64!, 'base64').toString('utf8'))
    .join('\n');
  expect(history).toContain('NOTIFY_TEST_SECRET');
  expect(history).not.toContain(SECRET);
});
