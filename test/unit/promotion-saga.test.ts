// The promotion saga on a time-skipping server with fake activities over a small world: the commit point under
// DLRN failures, refusals and holds; compensation results; kinds DLRN already has; verify after the commit.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { fullHash } from '../../domain/hash.js';
import { currentDetails, failedResult, type Harness, promotionSuite } from '../helpers/promotion-harness.js';
import { fail, IMAGES, LABEL, NEW, OLD, World } from '../helpers/promotion-world.js';
import { timeSkippingEnv } from '../helpers/workflow-env.js';
import { recordHistory } from '../helpers/history.js';

const [old, neu] = [fullHash(OLD), fullHash(NEW)];
let env: TestWorkflowEnvironment;
let h: Harness;

promotionSuite(timeSkippingEnv, (e, x) => ((env = e), (h = x)));

/** Registries, image server and DLRN all at `hash` for the label (nothing ahead, nothing behind). */
const agreeAt = (w: World, hash: string) => ({
  dlrn: w.head(LABEL) === hash,
  tagsOff: w.tagsOff(LABEL, hash),
  link: w.links[LABEL] === hash,
});

describe('the DLRN commit point', () => {
  it('a DLRN step that fails after DLRN took the hash is done, not undone (label re-read)', async () => {
    // Every attempt fails after the POST (answer lost, then 5xx): the first one inserted the row.
    h.world.after.commitDlrnLabel = fail('DlrnUnavailableError', 'DLRN answered 503 after the write');
    const r = await (await h.start()).result();
    expect(r.outcome).toBe('promoted');
    expect(r.warnings.join()).toMatch(/DLRN step failed .* is at/);
    expect(agreeAt(h.world, neu)).toEqual({ dlrn: true, tagsOff: [], link: true });
    expect(h.world.rows(LABEL, neu)).toBe(1);
    expect(h.world.events.filter((e) => e.startsWith('restore'))).toEqual([]);
  });

  it('a terminal DLRN refusal ends refused: artifacts put back, error recorded, PromotionRefused', async () => {
    h.world.before.commitDlrnLabel = fail('DlrnRefused', '403 Invalid promote_name', { nonRetryable: true });
    const handle = await h.start();
    const { type, result } = await failedResult(handle);
    await recordHistory(env.client, handle.workflowId, 'promotion-refused-compensated');
    expect(type).toBe('PromotionRefused');
    expect(result.outcome).toBe('refused');
    expect(result.error).toMatchObject({ step: 'dlrn', type: 'DlrnRefused', message: '403 Invalid promote_name' });
    expect(result.restored).toEqual(['qcow2 links', `container tags (${IMAGES.length * 3})`]);
    expect(result.leftAhead).toEqual([]);
    expect(agreeAt(h.world, old)).toEqual({ dlrn: true, tagsOff: [], link: true });
  });

  it('a hold placed while the promotion ran stops it before the DLRN commit, fully compensated', async () => {
    h.world.hold = { by: 'alice', why: 'infra outage' };
    const before = structuredClone(h.world.links);
    const r = await (await h.start({ respectHolds: true })).result();
    expect(r.outcome).toBe('held');
    expect(r.error).toMatchObject({
      step: 'hold-check',
      message: expect.stringMatching(/held by alice: infra outage/),
    });
    expect(h.world.rows(LABEL, neu)).toBe(0);
    expect(agreeAt(h.world, old)).toEqual({ dlrn: true, tagsOff: [], link: true });
    expect(h.world.links).toEqual(before);
  });

  it('force-promote and rollback (no respectHolds) do not ask for holds', async () => {
    h.world.hold = { by: 'alice', why: 'infra outage' };
    const r = await (await h.start()).result();
    expect(r.outcome).toBe('promoted');
    expect([h.world.attempts.checkControls ?? 0, h.world.holdsAsked]).toEqual([0, 0]);
  });
});

describe('compensation results', () => {
  it('a restore that fails for good skips no other, and what stays ahead is named', async () => {
    h.world.before.commitDlrnLabel = fail('DlrnUnavailableError', 'DLRN down', { nonRetryable: true });
    const ahead = `qcow2 ${LABEL} -> ${neu}`;
    h.world.before.restoreQcowLinks = fail('CompensationIncomplete', 'could not put qcow2 links back', {
      details: [{ leftAhead: [ahead] }],
    });
    const handle = await h.start();
    const { type, result } = await failedResult(handle);
    expect(type).toBe('PromotionFailed');
    expect(result.outcome).toBe('failed-partly-undone');
    expect(result.leftAhead).toEqual([ahead]);
    expect(result.restored).toEqual([`container tags (${IMAGES.length * 3})`]);
    expect(h.world.attempts.restoreQcowLinks).toBeGreaterThan(8); // its own, patient retry policy
    expect(h.world.tagsOff(LABEL, old)).toEqual([]); // the container restore still ran
    expect(await currentDetails(handle)).toContain(ahead);
  });

  it('everything put back: failed-undone, restored lists both', async () => {
    h.world.before.commitDlrnLabel = fail('DlrnUnavailableError', 'DLRN down', { nonRetryable: true });
    const { type, result } = await failedResult(await h.start());
    expect(type).toBe('PromotionFailed');
    expect(result).toMatchObject({ outcome: 'failed-undone', leftAhead: [], error: { step: 'dlrn' } });
    expect(result.restored).toEqual(['qcow2 links', `container tags (${IMAGES.length * 3})`]);
  });
});

describe('kinds DLRN already has', () => {
  it('force-promote --kinds containers with DLRN already at the hash promotes the containers', async () => {
    h.world.dlrn[LABEL]!.push(neu);
    const r = await (await h.start({ kinds: ['containers'], expectedCurrent: neu })).result();
    expect(r.outcome).toBe('promoted');
    expect(h.world.tagsOff(LABEL, neu)).toEqual([]);
    expect(h.world.rows(LABEL, neu)).toBe(1);
    expect(h.world.links[LABEL]).toBe(old); // not asked for
  });

  it('every kind already at the hash: already-promoted, nothing written', async () => {
    await (await h.start()).result();
    const events = h.world.events.length;
    const r = await (await h.start({ expectedCurrent: old })).result();
    expect(r.outcome).toBe('already-promoted');
    expect(h.world.events.length).toBe(events);
  });
});

describe('verify after the commit', () => {
  it('a verify read that keeps failing (connection reset) ends promoted, with a warning', async () => {
    // Attempt 1 is the snapshot; every later read (verify) is reset.
    h.world.before.containerTagsAt = (n) => {
      if (n > 1) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    };
    const r = await (await h.start()).result();
    expect(r.outcome).toBe('promoted');
    expect(r.warnings).toEqual([
      expect.stringMatching(/could not verify container tags current-tripleo: .*ECONNRESET/),
    ]);
    expect(h.world.attempts.containerTagsAt).toBeGreaterThan(2); // verify reads are retried
    expect(agreeAt(h.world, neu)).toEqual({ dlrn: true, tagsOff: [], link: true });
  });

  it('a real disagreement after DLRN moved is reported by name, nothing undone', async () => {
    h.world.after.promoteContainerImages = () => {
      h.world.tags.quay!['openstack-keystone']![LABEL] = `sha256:openstack-keystone-${old}`;
    };
    const { type, result } = await failedResult(await h.start());
    expect(type).toBe('PromotionFailed');
    expect(result.outcome).toBe('failed-partly-undone');
    expect(result.error).toMatchObject({ step: 'verify' });
    expect(result.leftAhead).toEqual([`quay/openstack-keystone:${LABEL} is sha256:openstack-keystone-${old}`]);
    expect(h.world.head(LABEL)).toBe(neu);
    expect(h.world.events.filter((e) => e.startsWith('restore'))).toEqual([]);
  });
});
