// Which notifications the release controller sends for what its passes and controls do: the real release, stage and
// promotion workflows over a fake world (DLRN rows and votes, registry tags, qcow2 links), a fake delivery activity
// that records each request. Local dev server: passes start children with the promoter's search attributes.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import type { Activities } from '../../activities/index.js';
import type { DeliverInput } from '../../activities/notify.js';
import { fullHash } from '../../domain/hash.js';
import * as m from '../../workflows/contract.js';
import { withReleaseController, type ControllerHandle } from '../helpers/controller-run.js';
import { recordHistory } from '../helpers/history.js';
import { CHAIN, FakeWorld, releaseYaml } from '../helpers/fake-world.js';
import { localEnv, workflowEnvSuite } from '../helpers/workflow-env.js';

vi.setConfig({ testTimeout: 30_000 });
let env: TestWorkflowEnvironment;
workflowEnvSuite(localEnv, (e) => (env = e));

// The fake world's label rows are from 2023: a stale_after of ten years keeps the alarms quiet here.
const NOTIFY = `notifications:
  stale_after: 3650d
  held_long_after: 2s
  webhooks:
    - name: chat
      url: https://hooks.example.org/rdo
      secret_env: CHAT_SECRET
`;

async function withController(
  world: FakeWorld,
  fn: (ctx: { handle: ControllerHandle; sent: DeliverInput[] }) => Promise<void>,
  record?: string, // RECORD_HISTORIES=1 keeps this run's history for the replay test
) {
  const release = `notify${Date.now().toString(36)}`;
  writeFileSync(
    join(world.configDir, `${release}.yaml`),
    releaseYaml(release, { approval: ['current-tripleo-rdo'] }) + NOTIFY,
  );
  const sent: DeliverInput[] = [];
  const extra: Partial<Activities> = {
    async deliverNotification(input) {
      sent.push(input);
      return { eventId: input.event.id, status: 200, attempt: 1 };
    },
  };
  await withReleaseController(env, world, release, extra, async (handle) => {
    await fn({ handle, sent });
    if (record) await recordHistory(env.client, handle.workflowId, record);
  });
}

async function until(ok: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const events = (sent: DeliverInput[]) => sent.map((d) => `${d.event.kind} ${d.event.label} ${d.event.fullHash}`);

it('a pass that promotes sends one promoted event per label moved, one approval request per hash, and restarts the alarms', async () => {
  const world = new FakeWorld();
  const old = world.build(CHAIN as unknown as string[]);
  for (const l of CHAIN) world.promote(l, old);
  await withController(
    world,
    async ({ handle, sent }) => {
      // At start the controller read each label once and armed its alarm.
      let before = (await handle.query(m.statusQuery)).notify;
      for (let i = 0; i < 100 && (before?.alarms.length ?? 0) < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        before = (await handle.query(m.statusQuery)).notify;
      }
      const h = world.build(CHAIN as unknown as string[]);
      const fh = fullHash(h);
      const startedAt = Math.floor(Date.now() / 1000);
      await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'cli' }] });
      await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'again' }] }); // still waits for approval
      await until(() => sent.length >= 3, 'three notifications');
      expect(events(sent).sort()).toEqual(
        [
          `promoted tripleo-ci-testing ${fh}`,
          `promoted current-tripleo ${fh}`,
          `approval-needed current-tripleo-rdo ${fh}`,
        ].sort(),
      );
      const promoted = sent.find((s) => s.event.kind === 'promoted' && s.event.label === 'current-tripleo')!.event;
      expect(promoted.workflowId).toMatch(new RegExp(`^promotion/.+/centos9/current-tripleo/${fh}$`));
      expect(promoted.id).toMatch(new RegExp(`^${handle.workflowId}:promoted:current-tripleo:${fh}:promoted@\\d+$`));
      expect(sent.find((s) => s.event.kind === 'approval-needed')!.event.details.approve).toContain('promoter approve');

      // The labels this controller moved restarted their alarms: the new hash, since the promotion.
      expect(before?.alarms.map((a) => a.fullHash)).toEqual([fullHash(old), fullHash(old), fullHash(old)]);
      const after = (await handle.query(m.statusQuery)).notify!;
      const alarm = (l: string) => after.alarms.find((a) => a.label === l)!;
      for (const l of ['tripleo-ci-testing', 'current-tripleo']) {
        expect(alarm(l).fullHash).toBe(fh);
        expect(alarm(l).since).toBeGreaterThanOrEqual(startedAt);
      }
      expect(alarm('current-tripleo-rdo').fullHash).toBe(fullHash(old));
      expect(after.undelivered).toBe(0);
    },
    'controller-notify-promoted',
  );
});

it('a promotion DLRN refuses for good sends one failed event with its cause', async () => {
  const world = new FakeWorld();
  world.build(['tripleo-ci-testing']);
  world.faults.set('commitDlrnLabel', ['terminal']);
  await withController(
    world,
    async ({ handle, sent }) => {
      await handle.executeUpdate(m.runPassUpdate, { args: [{ reason: 'cli', labels: ['tripleo-ci-testing'] }] });
      await until(() => sent.length >= 1, 'a notification');
      await new Promise((r) => setTimeout(r, 500));
      expect(sent.map((s) => [s.event.kind, s.event.details.outcome])).toEqual([['failed', 'refused']]);
      expect(sent[0]!.event.summary).toMatch(/refused: DlrnForbiddenError: DLRN refused \(injected\)/);
    },
    'controller-notify-refused',
  );
});

it('an operator hold lasting held_long_after is reported once; a hold lifted in time is not', async () => {
  const world = new FakeWorld();
  await withController(
    world,
    async ({ handle, sent }) => {
      const who = { by: 'op', why: 'broken gate job' };
      await handle.executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo', ...who }] });
      await handle.executeUpdate(m.holdUpdate, { args: [{ label: 'tripleo-ci-testing', ...who }] });
      await handle.executeUpdate(m.unholdUpdate, { args: [{ label: 'tripleo-ci-testing', by: 'op', why: 'fixed' }] });
      await until(() => sent.length >= 1, 'a held-long notification');
      await new Promise((r) => setTimeout(r, 3000)); // past another held_long_after: still one
      expect(events(sent)).toEqual(['held-long current-tripleo null']);
      expect(sent[0]!.event.summary).toMatch(/held by op for 2s: broken gate job/);
    },
    'controller-notify-held-long',
  );
});
