// Aborting a promotion (cancelling its workflow) on a local dev server with the real clock: an artifact activity in
// flight stops before anything is put back, and the DLRN commit, once started, completes and is never undone.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { expect, it } from 'vitest';
import { fullHash } from '../../domain/hash.js';
import { type Harness, promotionSuite } from '../helpers/promotion-harness.js';
import { gate, LABEL, NEW, OLD, untilCancelled } from '../helpers/promotion-world.js';
import { localEnv } from '../helpers/workflow-env.js';
import { recordHistory } from '../helpers/history.js';

const [old, neu] = [fullHash(OLD), fullHash(NEW)];
let env: TestWorkflowEnvironment;
let h: Harness;

promotionSuite(localEnv, (e, x) => ((env = e), (h = x)));

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
};

it('abort during containers: the in-flight retag stops first, then the tags are put back', async () => {
  const w = h.world;
  const stopping = untilCancelled(w.events, 'containers');
  w.before.promoteContainerImages = async (n) => {
    w.tags.quay!['openstack-nova-api']![LABEL] = `sha256:openstack-nova-api-${neu}`;
    await Promise.resolve(stopping(n)).finally(() => {
      // the request in flight when the cancellation came lands before the activity returns
      w.tags.rdo!['openstack-nova-api']![LABEL] = `sha256:openstack-nova-api-${neu}`;
    });
  };
  const handle = await h.start();
  await until(() => w.events.includes('containers started'));
  await handle.cancel();
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(w.events).toEqual(['containers started', 'containers stopped', `restore containers ${LABEL}`]);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(w.tagsOff(LABEL, old)).toEqual([]);
  expect(w.head(LABEL)).toBe(old);
  await recordHistory(env.client, handle.workflowId, 'promotion-abort-during-containers');
}, 60_000);

it('abort while the DLRN commit is in flight: DLRN completes and nothing is undone', async () => {
  const w = h.world;
  const post = gate(w.events, 'dlrn');
  w.before.commitDlrnLabel = post.fault;
  const handle = await h.start();
  await post.reached;
  await handle.cancel();
  await new Promise((r) => setTimeout(r, 1500));
  post.open();
  const r = await handle.result();
  expect(r.outcome).toBe('promoted');
  expect(w.events.filter((e) => e.startsWith('restore'))).toEqual([]);
  expect(w.rows(LABEL, neu)).toBe(1);
  expect({ tagsOff: w.tagsOff(LABEL, neu), link: w.links[LABEL] }).toEqual({ tagsOff: [], link: neu });
}, 60_000);
