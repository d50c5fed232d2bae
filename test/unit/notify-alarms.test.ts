// The staleness alarm of the release controller on the time-skipping server: days pass in milliseconds. Fake
// activities over a fake DLRN (labelHeads) record every notification the controller asks for. (This server takes no
// updates: the held-for-long timer is tested in notify-controller.test.ts.)
// Design under test: a label that keeps its hash for stale_after gets one stale notification per stale_after period
// (day 7, day 14, ...); a label moved by someone else is seen at the alarm's deadline and its alarm restarts from
// DLRN's promotion time, without a notification.
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import type { Activities } from '../../activities/index.js';
import type { DeliverInput } from '../../activities/notify.js';
import { fullHash } from '../../domain/hash.js';
import * as m from '../../workflows/contract.js';
import { FakeWorld, releaseYaml } from '../helpers/fake-world.js';
import { timeSkippingEnv, workflowEnvSuite } from '../helpers/workflow-env.js';
import { withReleaseController, type ControllerHandle } from '../helpers/controller-run.js';

vi.setConfig({ testTimeout: 60_000 });
let env: TestWorkflowEnvironment;
workflowEnvSuite(timeSkippingEnv, (e) => (env = e));

const DAY = 86400;
const LABEL = 'current-tripleo';
const NOTIFY = `notifications:
  stale_after: 7d
  held_long_after: 2d
  webhooks:
    - name: chat
      url: https://hooks.example.org/rdo
      secret_env: CHAT_SECRET
      labels: [${LABEL}]
`;

async function withController(
  fn: (ctx: {
    handle: ControllerHandle;
    world: FakeWorld;
    sent: DeliverInput[];
    reads: number[];
    /** Server time, epoch seconds (skipped days included). */
    now: () => Promise<number>;
  }) => Promise<void>,
) {
  const world = new FakeWorld();
  const release = `stale${Date.now().toString(36)}`;
  writeFileSync(join(world.configDir, `${release}.yaml`), releaseYaml(release) + NOTIFY);
  const sent: DeliverInput[] = [];
  const reads: number[] = [];
  const base = world.activities();
  const extra: Partial<Activities> = {
    async labelHeads(input) {
      reads.push(Math.floor(Context.current().info.currentAttemptScheduledTimestampMs / 1000));
      return base.labelHeads!(input);
    },
    async deliverNotification(input) {
      sent.push(input);
      return { eventId: input.event.id, status: 200, attempt: 1 };
    },
  };
  const now = async () => Math.floor((await env.currentTimeMs()) / 1000);
  await withReleaseController(env, world, release, extra, (handle) => fn({ handle, world, sent, reads, now }));
}

const kinds = (sent: DeliverInput[]) =>
  sent.map((d) => `${d.event.kind} ${d.event.fullHash} ${d.event.details.period ?? ''}`);

it('a label that does not move for 7 days fires one stale notification, then one per week; a move by someone else restarts the alarm', async () => {
  await withController(async ({ handle, world, sent, reads, now }) => {
    const t0 = await now();
    const h1 = world.build();
    world.promote(LABEL, h1, t0);
    await env.sleep(2_000); // the controller starts and reads the label once
    expect(reads).toHaveLength(1);
    const alarm = (await handle.query(m.statusQuery)).notify!.alarms;
    expect(alarm).toEqual([expect.objectContaining({ label: LABEL, since: t0, staleAt: t0 + 7 * DAY, reported: 0 })]);

    await env.sleep(6 * DAY * 1000);
    expect(sent).toEqual([]);
    expect(reads).toHaveLength(1); // no polling in between
    await env.sleep(DAY * 1000 + 60_000);
    expect(kinds(sent)).toEqual([`stale ${fullHash(h1)} 1`]);
    const first = sent[0]!;
    expect(first.webhook).toEqual({ name: 'chat', url: 'https://hooks.example.org/rdo', secretEnv: 'CHAT_SECRET' });
    expect(first.event.id).toBe(`${handle.workflowId}:stale:${LABEL}:${first.event.fullHash}:since=${t0}:period=1`);
    expect(first.event.at).toBe(t0 + 7 * DAY);
    expect(JSON.stringify(first)).not.toMatch(/hunter|password/i);

    // Someone else moves the label on day 9: seen at the day-14 deadline, the alarm restarts from day 9.
    const h2 = world.build();
    world.promote(LABEL, h2, t0 + 9 * DAY);
    await env.sleep(7 * DAY * 1000); // day 14 + 1 min
    expect(sent).toHaveLength(1);
    const moved = (await handle.query(m.statusQuery)).notify!.alarms[0]!;
    expect(moved).toMatchObject({ since: t0 + 9 * DAY, staleAt: t0 + 16 * DAY, reported: 0 });
    expect(moved.fullHash).toBe(fullHash(h2));

    await env.sleep(2 * DAY * 1000); // day 16: h2 is stale
    await env.sleep(7 * DAY * 1000); // day 23: a second week of h2
    expect(kinds(sent).slice(1)).toEqual([`stale ${moved.fullHash} 1`, `stale ${moved.fullHash} 2`]);
    expect(new Set(sent.map((s) => s.event.id)).size).toBe(3);
    // One read per deadline (day 7, 14, 16, 23) plus the first: no polling.
    expect(reads).toHaveLength(5);
  });
});
