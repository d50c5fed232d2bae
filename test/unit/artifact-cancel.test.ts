// Cancellation of artifact activities (issue 8 item 2, activity side): once cancel() returns, in-flight registry
// requests are aborted, no further retag or copy starts, no qcow2 link moves, and the activity ends promptly with
// CancelledFailure, so a saga waiting for the cancellation to complete compensates only after nothing moves.
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerActivities } from '../../activities/containers.js';
import { createQcowActivities } from '../../activities/qcow.js';
import { clientsFor, refsOn, server, sleep, slowTree } from '../helpers/artifact-fakes.js';
import { fakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

const IMAGES = Array.from({ length: 20 }, (_, i) => `openstack-image-${i}`);
const [OLD, NEW] = ['aaaa_1111', 'bbbb_2222'];
const LABEL = 'current-tripleo';

let reg: FakeRegistry;
let clients: ReturnType<typeof clientsFor>;
beforeAll(async () => {
  reg = await fakeRegistry();
  clients = clientsFor(reg);
});
afterAll(async () => {
  clients.close();
  await reg.close();
});

const waitFor = async (check: () => boolean) => {
  while (!check()) await sleep(10);
};

describe('cancel mid-copy', () => {
  it('aborts the in-flight manifest PUTs, starts no other, and ends with CancelledFailure', async () => {
    const { source, target } = refsOn(reg, 'cancel');
    for (const image of IMAGES) reg.pushImage(`${source.namespace}/${image}`, NEW, `new-${image}`);
    const isManifestPut = (r: { method: string; path: string }) => r.method === 'PUT' && r.path.includes('/manifests/');
    // Manifest PUTs that arrive once one has landed are held until the test lets them go, after the activity ended.
    // (With a 300 ms delay instead, a loaded CI machine cancelled as the delay ran out, and the fake answered first.)
    let letGo = () => {};
    const held = new Promise<void>((r) => (letGo = r));
    let holding = 0;
    reg.fault = (r) => {
      if (!isManifestPut(r) || !reg.log.some((x) => isManifestPut(x) && x.outcome === 201)) return undefined;
      holding++;
      return { hold: held };
    };
    const env = new MockActivityEnvironment();
    const c = createContainerActivities(clients);
    const run = env.run(c.promoteContainerImages, {
      fullHash: NEW,
      label: LABEL,
      images: IMAGES,
      source,
      targets: [target],
      concurrency: 2,
    });
    const outcome = run.then(
      () => 'completed',
      (err: unknown) => err,
    );
    // Cancel once one image's PUTs landed while another PUT is in flight.
    await waitFor(() => holding > 0);
    env.cancel();
    const cancelledAt = Date.now();
    const err = await Promise.race([outcome, sleep(5_000).then(() => 'still running 5 s after the cancel')]);
    const stoppedAfterMs = Date.now() - cancelledAt;
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(stoppedAfterMs).toBeLessThan(500);
    // The held PUTs go on now: a PUT whose client did not go away would land.
    await sleep(50);
    letGo();
    await sleep(100);
    const puts = reg.log.filter(isManifestPut);
    const landedAfter = puts.filter((r) => r.outcome === 201 && r.doneAt! > cancelledAt);
    const startedAfter = puts.filter((r) => r.at > cancelledAt);
    expect({ landedAfter, startedAfter }).toEqual({ landedAfter: [], startedAfter: [] });
    // The PUTs in flight at the cancel were cut off, not answered.
    expect(puts.filter((r) => r.outcome === 'aborted').length).toBeGreaterThan(0);
    // Most images were never touched.
    const labelled = IMAGES.filter((i) => reg.tagOf(`${source.namespace}/${i}`, LABEL) !== null);
    expect(labelled.length).toBeLessThan(IMAGES.length / 2);
  });
});

describe('cancel during the qcow2 step', () => {
  it('moves no link after the cancel and ends with CancelledFailure', async () => {
    const tree = slowTree([OLD, NEW], { [LABEL]: OLD, [`previous-${LABEL}`]: OLD }, { opMs: 300 });
    const env = new MockActivityEnvironment();
    const q = createQcowActivities(tree);
    const input = { server, distro: 'centos9', release: 'master', fullHash: NEW, label: LABEL, createPrevious: true };
    const outcome = env.run(q.promoteQcowImages, input).then(
      () => 'completed',
      (err: unknown) => err,
    );
    await waitFor(() => tree.ops.length >= 1);
    env.cancel();
    const cancelledAt = Date.now();
    const err = await outcome;
    expect(err).toBeInstanceOf(CancelledFailure);
    // The fake's operation in flight (300 ms) runs out; nothing after it starts. The bound leaves a loaded machine
    // 250 ms and stays under the 590 ms that one more operation would take.
    expect(Date.now() - cancelledAt).toBeLessThan(550);
    await sleep(700);
    expect(tree.ops.filter((o) => o.at > cancelledAt)).toEqual([]);
    expect(tree.ops.filter((o) => o.op === 'replaceSymlink')).toEqual([]);
    expect(tree.link(LABEL)).toBe(OLD);
  });
});
