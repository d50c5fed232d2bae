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

/** The last pass ran for this reason and none is running; queued passes merge their reasons with '; '. */
const passFor = (s: m.ControllerStatus, reason: string) =>
  !s.running && (s.lastPass?.reason.split('; ').includes(reason) ?? false);

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Keys and expectations come from the sandbox model (scripts/sandbox/model.ts): the chain is current-tripleo <-
// tripleo-ci-testing, then current-tripleo-rdo <- current-tripleo.
const CT = 'current-tripleo';
const RDO = 'current-tripleo-rdo';
/** The build key a label holds in the sandbox before any pass. */
const headKey = (rel: SandboxRelease, label: string) => rel.labels[label]!.at(-1)!;
const stageOf = (pass: { stages: { targetLabel: string }[] }, label: string) =>
  pass.stages.find((s) => s.targetLabel === label) as StageResult | undefined;

describe('wallaby controls', () => {
  const cfg = sandboxConfig('wallaby');
  let rel: SandboxRelease;
  const hashOf = (key: string) => buildByKey(rel, key).fullHash;
  beforeAll(async () => {
    rel = await freshRelease(h.client, 'wallaby');
  });

  it('a hold blocks its stage until unhold, which promotes at once; rollback puts every artifact back', async () => {
    const before = headKey(rel, CT);
    const after = rel.expected[CT]!;
    expect(after, 'the model moves current-tripleo in one pass').not.toBe(before);
    expect(rel.artifacts).toEqual(expect.arrayContaining([before, after]));
    await withController(cfg, async (c) => {
      await refused(c.executeUpdate(m.holdUpdate, { args: [{ label: 'nope', ...who }] }), /--label/);
      await c.executeUpdate(m.holdUpdate, { args: [{ label: CT, ...who }] });
      const held = await c.executeUpdate(m.runPassUpdate, { args: [{ reason: 'test' }] });
      expect(outcomeOf(held, CT)).toBe('held');
      expect(outcomeOf(held, RDO)).not.toBe('promoted');
      expect(await dlrnHeads(cfg, [CT, RDO])).toEqual({ [CT]: hashOf(before), [RDO]: hashOf(headKey(rel, RDO)) });

      await c.executeUpdate(m.unholdUpdate, { args: [{ label: CT, ...who }] });
      const status = await until(
        'the pass after unhold',
        () => c.query(m.statusQuery),
        (s) => passFor(s, 'unhold by tester'),
      );
      expect(outcomeOf(status.lastPass!, CT)).toBe('promoted');
      // The pass asked for current-tripleo only, but follows the chain to the stage whose candidate just moved;
      // that stage waits for its jobs as the model says.
      expect(status.lastPass!.stages.map((s) => s.targetLabel)).toEqual([CT, RDO]);
      expect(outcomeOf(status.lastPass!, RDO)).not.toBe('promoted');
      expect(stageOf(status.lastPass!, RDO)?.reason).toMatch(rel.waiting[RDO]!);
      expect(status.controls.audit.map((a) => a.action).filter((a) => a !== 'configure')).toEqual(['hold', 'unhold']);
      expect(await dlrnHeads(cfg, [CT, RDO])).toEqual({ [CT]: hashOf(after), [RDO]: hashOf(rel.expected[RDO]!) });

      const rolled = await c.executeUpdate(m.rollbackUpdate, { args: [{ label: CT, ...who }] });
      expect(rolled.fullHash).toBe(hashOf(before));
      const heads = await dlrnHeads(cfg, [CT, `previous-${CT}`]);
      expect(heads).toEqual({ [CT]: hashOf(before), [`previous-${CT}`]: hashOf(before) });
      expect(await registriesAgree(cfg, CT, hashOf(before))).toEqual([]);
      expect(qcowLink(cfg, CT)).toBe(hashOf(before));
    });
  });

  it('force-promote moves a hash the criteria would not, and refuses a malformed one before anything runs', async () => {
    // The candidate just after the one the criteria pick: it failed a criteria job, and has no artifacts.
    const candidates = rel.labels['tripleo-ci-testing']!;
    const key = candidates[candidates.indexOf(rel.expected[CT]!) + 1]!;
    expect(rel.votes[key]!.some((v) => v.result === 'fail')).toBe(true);
    expect(rel.artifacts).not.toContain(key);
    await withController(cfg, async (c) => {
      const commit = buildByKey(rel, key).commits[0]!;
      const bad = {
        kind: 'commit' as const,
        commitHash: 'xyz',
        distroHash: commit.distro_hash,
        extendedHash: null,
        component: null,
      };
      await refused(c.executeUpdate(m.forcePromoteUpdate, { args: [{ label: CT, hash: bad, ...who }] }), /--hash/);
      const hash = makeCommitHash({
        commitHash: commit.commit_hash,
        distroHash: commit.distro_hash,
        extendedHash: commit.extended_hash,
      });
      const r = await c.executeUpdate(m.forcePromoteUpdate, {
        args: [{ label: CT, hash, kinds: ['dlrn'], ...who }],
      });
      expect(r.outcome).toBe('promoted');
      // DLRN only: the DLRN step reads the label itself, right before its POST.
      expect(r.steps.filter((s) => s.state === 'skipped').map((s) => s.step)).toEqual([
        'guard',
        'containers',
        'images',
      ]);
      expect((await dlrnHeads(cfg, [CT]))[CT]).toBe(hashOf(key));
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
    const key = rel.expected[CT]!;
    const selected = buildByKey(rel, key).fullHash;
    // The current-tripleo-rdo jobs the selected hash has no pass for: without waivers that stage takes an older hash.
    const missing = cfg.promotions
      .find((p) => p.targetLabel === RDO)!
      .criteria.filter((job) => !(rel.votes[key] ?? []).some((v) => v.job === job && v.result === 'pass'));
    expect(missing).not.toEqual([]);
    expect(rel.expected[RDO]).not.toBe(key);
    await withController(
      cfg,
      async (c) => {
        const first = await c.executeUpdate(m.runPassUpdate, { args: [{ reason: 'test', labels: [CT] }] });
        const st = first.stages[0] as StageResult;
        expect([st.outcome, st.selected]).toEqual(['awaiting-approval', selected]);
        expect(await dlrnHeads(cfg, [CT])).toEqual({ [CT]: buildByKey(rel, headKey(rel, CT)).fullHash });

        // Waivers of the jobs the hash misses for current-tripleo-rdo, then approval of it for current-tripleo.
        for (const job of missing) {
          await c.executeUpdate(m.waiveUpdate, { args: [{ job, fullHash: selected, durationSeconds: 600, ...who }] });
        }
        await c.executeUpdate(m.approveUpdate, { args: [{ label: CT, fullHash: selected, ...who }] });
        await until(
          'the pass after approval',
          () => c.query(m.statusQuery),
          (s) => passFor(s, 'approval by tester'),
        );
        // The same pass followed the chain: with the waivers, the hash also reached current-tripleo-rdo.
        expect(await dlrnHeads(cfg, [CT, RDO])).toEqual({ [CT]: selected, [RDO]: selected });

        await refused(
          c.executeUpdate(m.waiveUpdate, {
            args: [{ job: 'not-a-job', fullHash: selected, durationSeconds: 5, ...who }],
          }),
          /--job/,
        );
        await c.executeUpdate(m.waiveUpdate, {
          args: [{ job: missing[0]!, fullHash: 'a'.repeat(32), durationSeconds: 2, ...who }],
        });
        const expired = await until(
          'the waiver to expire',
          () => c.query(m.statusQuery),
          (s) => s.controls.audit.some((a) => a.action === 'waiver-expired'),
          15_000,
        );
        expect(expired.controls.waivers.map((w) => w.fullHash)).toEqual(missing.map(() => selected));
      },
      configDir,
    );
  });
});
