// Compensations put back each tag and link on their own (issue 8 item 4, activity side): with some PUTs and DELETEs
// failing, every other tag is restored, the activity throws a retryable CompensationIncomplete whose
// details[0].leftAhead names exactly what stays ahead, a retry resumes from the heartbeat details and redoes only
// what is open, and a run after everything is back changes nothing.
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPENSATION_INCOMPLETE, type CompensationIncompleteDetails } from '../../activities/compensation.js';
import { createContainerActivities, type RestoreTagsResult } from '../../activities/containers.js';
import { createQcowActivities } from '../../activities/qcow.js';
import { clientsFor, refsOn, runWithBeats, server, slowTree } from '../helpers/artifact-fakes.js';
import { fakeRegistry, type FakeRegistry } from '../helpers/fake-registry.js';

const IMAGES = ['openstack-a', 'openstack-b', 'openstack-c', 'openstack-d'];
const LABEL = 'current-tripleo';
const [OLD, NEW] = ['aaaa_1111', 'bbbb_2222'];

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

function incomplete(err: unknown): CompensationIncompleteDetails {
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: COMPENSATION_INCOMPLETE, nonRetryable: false });
  return (err as ApplicationFailure).details![0] as CompensationIncompleteDetails;
}

describe('restoreContainerTags with failing PUTs and DELETEs', () => {
  it('restores every other tag, names what stays ahead, resumes, and is idempotent', async () => {
    const { source, target } = refsOn(reg, 'restore');
    const c = createContainerActivities(clients);
    const previous: Record<string, Record<string, string | null>> = { source: {}, target: {} };
    const promoted: Record<string, string> = {};
    // a-c had the label at an old digest before the promotion; d had no label. Now every label is at the new one.
    for (const [name, ref] of Object.entries({ source, target })) {
      for (const image of IMAGES) {
        const repo = `${ref.namespace}/${image}`;
        const old = reg.pushImage(repo, OLD, `old-${image}`);
        promoted[image] = reg.pushImage(repo, NEW, `new-${image}`);
        reg.pushImage(repo, LABEL, `new-${image}`);
        previous[name]![image] = image === 'openstack-d' ? null : old;
      }
    }
    // The target refuses every PUT of b's label (503, retried until the client gives up); no registry deletes tags.
    const bTarget = `/v2/${target.namespace}/openstack-b/manifests/${LABEL}`;
    reg.fault = (r) => (r.method === 'PUT' && r.path === bTarget ? { status: 503 } : undefined);
    reg.deleteTags = false;
    const input = { label: LABEL, images: IMAGES, source, targets: [target], previous };

    const first = await runWithBeats((env) => env.run(c.restoreContainerTags, input));
    const details = incomplete(first.error);
    const at = (ref: typeof source, image: string) => `${reg.host}/${ref.namespace}/${image}:${LABEL}`;
    expect(details.leftAhead).toEqual(
      [
        `${at(source, 'openstack-d')} -> ${promoted['openstack-d']}`,
        `${at(target, 'openstack-b')} -> ${promoted['openstack-b']}`,
        `${at(target, 'openstack-d')} -> ${promoted['openstack-d']}`,
      ].sort(),
    );
    expect(details.unrestorable).toEqual(
      [`${at(source, 'openstack-d')}`, `${at(target, 'openstack-d')}`]
        .map((a) => `${a} -> ${promoted['openstack-d']}`)
        .sort(),
    );
    // Everything else is back, b in the source included.
    for (const [name, ref] of Object.entries({ source, target })) {
      for (const image of ['openstack-a', 'openstack-b', 'openstack-c']) {
        const want = name === 'target' && image === 'openstack-b' ? promoted[image] : previous[name]![image];
        expect(reg.tagOf(`${ref.namespace}/${image}`, LABEL), `${name} ${image}`).toBe(want);
      }
    }

    // The retry (the registry is healthy again and deletes tags) starts from the last heartbeat and touches only b
    // in the target and d.
    reg.fault = () => undefined;
    reg.deleteTags = true;
    const logStart = reg.log.length;
    const second = await runWithBeats((env) => env.run(c.restoreContainerTags, input), first.beats.at(-1)!.details);
    expect(second.error).toBeUndefined();
    const touched = new Set(reg.log.slice(logStart).map((r) => r.path.replace(/\/manifests\/.*/, '')));
    expect([...touched].sort()).toEqual(
      [
        `/v2/${target.namespace}/openstack-b`,
        `/v2/${source.namespace}/openstack-d`,
        `/v2/${target.namespace}/openstack-d`,
      ].sort(),
    );
    expect(second.result).toEqual({
      restored: {
        source: ['openstack-a', 'openstack-b', 'openstack-c'],
        target: ['openstack-a', 'openstack-b', 'openstack-c'],
      },
      removed: { source: ['openstack-d'], target: ['openstack-d'] },
      unchanged: { source: [], target: [] },
      unknown: { source: [], target: [] },
    } satisfies RestoreTagsResult);
    expect(reg.tagOf(`${target.namespace}/openstack-b`, LABEL)).toBe(previous.target!['openstack-b']);
    expect(reg.tagOf(`${target.namespace}/openstack-d`, LABEL)).toBeNull();

    // Once more, from scratch: nothing to do.
    const third = await c.restoreContainerTags(input);
    expect(third.unchanged).toEqual({ source: IMAGES, target: IMAGES });
    expect(third.restored).toEqual({ source: [], target: [] });
  });
});

describe('restoreQcowLinks with a failing link write', () => {
  it('still puts previous-<label> back, names <label> as left ahead, and a retry finishes the job', async () => {
    const PREV = `previous-${LABEL}`;
    let failing = true;
    const tree = slowTree(
      [OLD, NEW],
      { [LABEL]: NEW, [PREV]: NEW },
      { failWrite: (p) => failing && p.endsWith(`/${LABEL}`) },
    );
    const q = createQcowActivities(tree);
    const input = {
      server,
      distro: 'centos9',
      release: 'master',
      label: LABEL,
      previous: { label: OLD, previousLabel: 'cccc_3333' },
    };
    const first = await runWithBeats((env) => env.run(q.restoreQcowLinks, input));
    const details = incomplete(first.error);
    expect(details.leftAhead).toEqual([`qcow2 ${LABEL} -> ${NEW}`]);
    expect(tree.link(PREV)).toBe('cccc_3333');
    expect(tree.link(LABEL)).toBe(NEW);

    failing = false;
    const writesBefore = tree.ops.filter((o) => o.op === 'replaceSymlink').length;
    const second = await runWithBeats((env) => env.run(q.restoreQcowLinks, input), first.beats.at(-1)!.details);
    expect(second.result).toEqual({ changed: true });
    expect(tree.ops.filter((o) => o.op === 'replaceSymlink').length - writesBefore).toBe(1);
    expect([tree.link(LABEL), tree.link(PREV)]).toEqual([OLD, 'cccc_3333']);
    expect(await q.restoreQcowLinks(input)).toEqual({ changed: false });
  });
});
