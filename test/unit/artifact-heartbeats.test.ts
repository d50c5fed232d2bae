// Every container and qcow2 activity heartbeats while it runs (issue 8 item 8): against a slow registry and a slow
// image server, no activity goes longer than the ticker period (plus scheduling slack) without a heartbeat, so a
// 10 s heartbeat timeout never fires on a live worker and a dead worker is noticed within it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerActivities } from '../../activities/containers.js';
import { HEARTBEAT_EVERY_MS } from '../../activities/heartbeat.js';
import { createQcowActivities } from '../../activities/qcow.js';
import { clientsFor, refsOn, runWithBeats, server, slowTree } from '../helpers/artifact-fakes.js';
import { fakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

const IMAGES = Array.from({ length: 12 }, (_, i) => `openstack-image-${i}`);
const [OLD, NEW] = ['aaaa_1111', 'bbbb_2222'];
const LABEL = 'current-tripleo';
const where = { server, distro: 'centos9', release: 'master' };
// The slowest activity here runs ~3 s: at least one ticker beat in between, never a gap much beyond the period.
const MAX_GAP = HEARTBEAT_EVERY_MS + 800;

let reg: FakeRegistry;
let clients: ReturnType<typeof clientsFor>;
beforeAll(async () => {
  reg = await fakeRegistry();
  clients = clientsFor(reg);
  const { source, target } = refsOn(reg, 'hb');
  for (const image of IMAGES) {
    reg.pushImage(`${source.namespace}/${image}`, NEW, `new-${image}`);
    const old = reg.pushImage(`${source.namespace}/${image}`, LABEL, `old-${image}`);
    reg.pushImage(`${target.namespace}/${image}`, LABEL, `old-${image}`);
    expect(reg.tagOf(`${target.namespace}/${image}`, LABEL)).toBe(old);
  }
  // A registry across an ocean: every request takes 250 ms.
  reg.fault = () => ({ delayMs: 250 });
});
afterAll(async () => {
  clients.close();
  await reg.close();
});

describe('heartbeats against a slow registry and a slow image server', () => {
  it('every activity heartbeats at least every ticker period', { timeout: 30_000 }, async () => {
    const c = createContainerActivities(clients);
    const { source, target } = refsOn(reg, 'hb');
    const registries = [source, target];
    const tree = () =>
      slowTree([OLD, NEW], { [LABEL]: OLD, [`previous-${LABEL}`]: OLD }, { connectMs: 1_500, opMs: 400 });
    const previous = {
      source: Object.fromEntries(IMAGES.map((i) => [i, reg.tagOf(`${source.namespace}/${i}`, LABEL)])),
      target: Object.fromEntries(IMAGES.map((i) => [i, reg.tagOf(`${target.namespace}/${i}`, LABEL)])),
    };
    const runs = {
      verifyContainerImages: () =>
        runWithBeats((env) =>
          env.run(c.verifyContainerImages, { fullHash: NEW, images: IMAGES, source, concurrency: 1 }),
        ),
      containerTagsAt: () =>
        runWithBeats((env) => env.run(c.containerTagsAt, { label: LABEL, images: IMAGES, registries, concurrency: 2 })),
      // Promote and restore one after another: restore puts back what promote moved.
      'promoteContainerImages, restoreContainerTags': async () => {
        const p = await runWithBeats((env) =>
          env.run(c.promoteContainerImages, {
            fullHash: NEW,
            label: LABEL,
            images: IMAGES,
            source,
            targets: [target],
            concurrency: 4,
          }),
        );
        const input = { label: LABEL, images: IMAGES, source, targets: [target], previous, concurrency: 4 };
        const r = await runWithBeats((env) => env.run(c.restoreContainerTags, input));
        return [p, r];
      },
      verifyQcowImages: () =>
        runWithBeats((env) =>
          env.run(createQcowActivities(tree()).verifyQcowImages, {
            ...where,
            fullHash: NEW,
            images: ['overcloud-full.tar'],
          }),
        ),
      qcowLinksAt: () =>
        runWithBeats((env) =>
          env.run(createQcowActivities(tree()).qcowLinksAt, { ...where, labels: [LABEL, `previous-${LABEL}`] }),
        ),
      'promoteQcowImages, restoreQcowLinks': async () => {
        const t = tree();
        const q = createQcowActivities(t);
        const p = await runWithBeats((env) =>
          env.run(q.promoteQcowImages, { ...where, fullHash: NEW, label: LABEL, createPrevious: true }),
        );
        const r = await runWithBeats((env) =>
          env.run(q.restoreQcowLinks, { ...where, label: LABEL, previous: { label: OLD, previousLabel: OLD } }),
        );
        expect(t.link(LABEL)).toBe(OLD);
        return [p, r];
      },
    };
    const results = await Promise.all(
      Object.entries(runs).map(async ([name, run]) => {
        const r = await run();
        return [name, Array.isArray(r) ? r : [r]] as const;
      }),
    );
    const summary = results.flatMap(([name, rs]) =>
      rs.map((r, i) => ({
        name: name.split(', ')[i],
        error: r.error
          ? `${String(r.error)} ${JSON.stringify((r.error as { details?: unknown }).details ?? '')}`
          : null,
        seconds: Math.round(r.ms / 100) / 10,
        beats: r.beats.length,
        longestGapOk: r.maxGap <= MAX_GAP,
      })),
    );
    expect(summary.filter((s) => s.error !== null || !s.longestGapOk || s.beats < 2)).toEqual([]);
    // The slow fakes are slow enough to need the ticker: each activity ran longer than one period.
    expect(summary.filter((s) => s.seconds * 1000 > HEARTBEAT_EVERY_MS).map((s) => s.name)).toHaveLength(8);
  });
});
