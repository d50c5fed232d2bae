// The release controller on the real stack: durable controls (hold, approval, waiver with expiry, rollback,
// force-promote) change what a pass does, and DLRN, registries and qcow2 links agree afterwards.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { ReleaseConfig } from '../../domain/config.js';
import { makeCommitHash } from '../../domain/hash.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import * as m from '../../workflows/contract.js';
import { releaseController } from '../../workflows/index.js';
import type { StageResult } from '../../workflows/contract.js';
import { recordHistory } from '../helpers/history.js';
import { dlrnHeads, qcowLink, registriesAgree, sandboxConfig, freshRelease } from '../helpers/sandbox-state.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

let h: TemporalHarness;
beforeAll(async () => {
  h = await temporalHarness();
});
afterAll(async () => h?.close());

const who = { by: 'tester', why: 'integration test' };
const outcomeOf = (pass: { stages: { targetLabel: string; outcome: string }[] }, label: string) =>
  pass.stages.find((s) => s.targetLabel === label)?.outcome;

async function withController<T>(
  cfg: ReleaseConfig,
  fn: (c: WorkflowHandle<typeof releaseController>) => Promise<T>,
  configDir = 'config/sandbox',
): Promise<T> {
  return h.withWorker(
    async () => {
      const handle = await h.client.workflow.start(releaseController, {
        taskQueue: h.taskQueue,
        workflowId: `${releaseWorkflowId(cfg.release, cfg.distro)}/test-${Date.now()}`,
        args: [{ release: cfg.release, distro: cfg.distro }],
      });
      try {
        return await fn(handle);
      } finally {
        await recordHistory(h.client, handle.workflowId, `controller-${cfg.release}`);
        await handle.terminate('test done');
      }
    },
    { configDir },
  );
}

/** An update refused by its validator: the reason is the cause of the update's failure. */
async function refused(p: Promise<unknown>, re: RegExp): Promise<void> {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { cause?: { message?: string } } | null;
  expect(err, 'the update was accepted').not.toBeNull();
  expect(err!.cause?.message ?? '').toMatch(re);
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('wallaby controls', () => {
  const cfg = sandboxConfig('wallaby');
  let rel: SandboxRelease;
  const hashOf = (key: string) => buildByKey(rel, key).fullHash;
  beforeAll(async () => {
    rel = await freshRelease(h.client, 'wallaby');
  });

  it('a hold blocks its stage until unhold, which promotes at once; rollback puts every artifact back', async () => {
    await withController(cfg, async (c) => {
      await refused(c.executeUpdate(m.holdUpdate, { args: [{ label: 'nope', ...who }] }), /--label/);
      await c.executeUpdate(m.holdUpdate, { args: [{ label: 'current-tripleo', ...who }] });
      const held = await c.executeUpdate(m.runPassUpdate, { args: [{ reason: 'test' }] });
      expect(outcomeOf(held, 'tripleo-ci-testing')).toBe('promoted');
      expect(outcomeOf(held, 'current-tripleo')).toBe('held');
      expect((await dlrnHeads(cfg, ['current-tripleo']))['current-tripleo']).toBe(hashOf('W04'));

      await c.executeUpdate(m.unholdUpdate, { args: [{ label: 'current-tripleo', ...who }] });
      const status = await until(
        'the pass after unhold',
        () => c.query(m.statusQuery),
        (s) => s.lastPass?.reason === 'unhold by tester' && !s.running,
      );
      expect(outcomeOf(status.lastPass!, 'current-tripleo')).toBe('promoted');
      // The pass asked for current-tripleo only, but follows the chain to the stage whose candidate just moved.
      expect(outcomeOf(status.lastPass!, 'current-tripleo-rdo')).toBe('promoted');
      expect(outcomeOf(status.lastPass!, 'tripleo-ci-testing')).toBeUndefined();
      expect(status.controls.audit.map((a) => a.action).filter((a) => a !== 'configure')).toEqual(['hold', 'unhold']);
      expect((await dlrnHeads(cfg, ['current-tripleo']))['current-tripleo']).toBe(hashOf('W06'));

      const rolled = await c.executeUpdate(m.rollbackUpdate, { args: [{ label: 'current-tripleo', ...who }] });
      expect(rolled.fullHash).toBe(hashOf('W04'));
      const heads = await dlrnHeads(cfg, ['current-tripleo', 'previous-current-tripleo']);
      expect(heads).toEqual({ 'current-tripleo': hashOf('W04'), 'previous-current-tripleo': hashOf('W04') });
      expect(await registriesAgree(cfg, 'current-tripleo', hashOf('W04'))).toEqual([]);
      expect(qcowLink(cfg, 'current-tripleo')).toBe(hashOf('W04'));
    });
  });

  it('force-promote moves a hash the criteria would not, and refuses a malformed one before anything runs', async () => {
    await withController(cfg, async (c) => {
      const w10 = buildByKey(rel, 'W10').commits[0]!;
      const bad = {
        kind: 'commit' as const,
        commitHash: 'xyz',
        distroHash: w10.distro_hash,
        extendedHash: null,
        component: null,
      };
      await refused(
        c.executeUpdate(m.forcePromoteUpdate, { args: [{ label: 'tripleo-ci-testing', hash: bad, ...who }] }),
        /--hash/,
      );
      const hash = makeCommitHash({ commitHash: w10.commit_hash, distroHash: w10.distro_hash });
      const r = await c.executeUpdate(m.forcePromoteUpdate, {
        args: [{ label: 'tripleo-ci-testing', hash, kinds: ['dlrn'], ...who }],
      });
      expect(r.outcome).toBe('promoted');
      expect(r.steps.filter((s) => s.state === 'skipped').map((s) => s.step)).toEqual(['containers', 'images']);
      expect((await dlrnHeads(cfg, ['tripleo-ci-testing']))['tripleo-ci-testing']).toBe(hashOf('W10'));
    });
  });
});

describe('master controls', () => {
  let rel: SandboxRelease;
  beforeAll(async () => {
    rel = await freshRelease(h.client, 'master');
  });

  it('an approval gate waits for approve; a waiver lets a hash through and expires on its timer', async () => {
    // The worker reads the release file from its config dir: a copy of the sandbox's with an approval gate.
    const cfg = sandboxConfig('master');
    const configDir = mkdtempSync(join(tmpdir(), 'promoter-config-'));
    const text = readFileSync('config/sandbox/master.yaml', 'utf8').replace(
      '    candidate_label: tripleo-ci-testing\n',
      '    candidate_label: tripleo-ci-testing\n    approval_required: true\n',
    );
    expect(text).toContain('approval_required: true');
    writeFileSync(join(configDir, 'master.yaml'), text);
    const m06 = buildByKey(rel, 'M06').fullHash;
    await withController(
      cfg,
      async (c) => {
        const first = await c.executeUpdate(m.runPassUpdate, {
          args: [{ reason: 'test', labels: ['current-tripleo'] }],
        });
        const st = first.stages[0] as StageResult;
        expect([st.outcome, st.selected]).toEqual(['awaiting-approval', m06]);

        // A waiver of the job M06 misses for current-tripleo-rdo, then approval of M06 for current-tripleo.
        const packstack = 'weirdo-master-centos9-promote-packstack-scenario001';
        await c.executeUpdate(m.waiveUpdate, {
          args: [{ job: packstack, fullHash: m06, durationSeconds: 600, ...who }],
        });
        await c.executeUpdate(m.approveUpdate, { args: [{ label: 'current-tripleo', fullHash: m06, ...who }] });
        await until(
          'the pass after approval',
          () => c.query(m.statusQuery),
          (s) => s.lastPass?.reason === 'approval by tester' && !s.running,
        );
        expect(await dlrnHeads(cfg, ['current-tripleo'])).toEqual({ 'current-tripleo': m06 });
        // The same pass followed the chain: with the waiver, M06 also reached current-tripleo-rdo.
        expect(await dlrnHeads(cfg, ['current-tripleo-rdo'])).toEqual({ 'current-tripleo-rdo': m06 });

        await refused(
          c.executeUpdate(m.waiveUpdate, { args: [{ job: 'not-a-job', fullHash: m06, durationSeconds: 5, ...who }] }),
          /--job/,
        );
        await c.executeUpdate(m.waiveUpdate, {
          args: [{ job: packstack, fullHash: 'a'.repeat(32), durationSeconds: 2, ...who }],
        });
        const expired = await until(
          'the waiver to expire',
          () => c.query(m.statusQuery),
          (s) => s.controls.audit.some((a) => a.action === 'waiver-expired'),
          15_000,
        );
        expect(expired.controls.waivers.map((w) => w.fullHash)).toEqual([m06]);
      },
      configDir,
    );
  });
});
