// The whole chain on the sandbox data, through the real workflows, DLRN API, registries and SFTP server: exactly the
// hashes the model expects move, and DLRN labels, registry tags and qcow2 links agree at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageOrder } from '../../domain/config.js';
import { hashFromPromotion } from '../../domain/hash.js';
import { promotionWorkflowId, releaseWorkflowId, stageWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { promoteRelease } from '../../workflows/index.js';
import type { StageResult } from '../../workflows/contract.js';
import { recordHistory } from '../helpers/history.js';
import {
  dlrnFor,
  dlrnHeads,
  promotionCount,
  qcowLink,
  registriesAgree,
  sandboxConfig,
  freshRelease,
} from '../helpers/sandbox-state.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

let h: TemporalHarness;
beforeAll(async () => {
  h = await temporalHarness();
});
afterAll(async () => h?.close());

const LABELS = ['tripleo-ci-testing', 'current-tripleo', 'current-tripleo-rdo'];

describe.each(['wallaby', 'master'])('chain on %s/centos9', (release) => {
  const cfg = sandboxConfig(release);
  let rel: SandboxRelease;
  const expectedHash = (label: string) => buildByKey(rel, rel.expected[label]!).fullHash;
  const initialHash = (label: string) => buildByKey(rel, rel.labels[label]!.at(-1)!).fullHash;
  let lastPassId = '';
  const runPass = (suffix: string, dryRun = false) =>
    h.withWorker(() =>
      h.client.workflow.execute(promoteRelease, {
        taskQueue: h.taskQueue,
        workflowId: (lastPassId = `${releaseWorkflowId(cfg.release, cfg.distro)}/test-${suffix}-${Date.now()}`),
        args: [{ config: cfg, dryRun }],
      }),
    );

  beforeAll(async () => {
    rel = await freshRelease(h.client, release);
  });

  it('a dry run decides the same hashes and writes nothing', async () => {
    const before = await dlrnHeads(cfg, LABELS);
    const pass = await runPass('dry', true);
    const first = pass.stages[0] as StageResult;
    // The chain starts where production's does: tripleo-ci-testing -> current-tripleo.
    expect(first.targetLabel).toBe('current-tripleo');
    // Without writes the chain cannot advance, so only the first stage's choice is final.
    const expectFirst = rel.expected['current-tripleo'] !== rel.labels['current-tripleo']!.at(-1);
    expect(first.outcome).toBe(expectFirst ? 'dry-run' : 'nothing-to-promote');
    if (expectFirst) expect(first.selected).toBe(expectedHash('current-tripleo'));
    expect(await dlrnHeads(cfg, LABELS)).toEqual(before);
  });

  it('one pass promotes exactly the expected hashes, artifacts first, DLRN last', async () => {
    const pass = await runPass('chain');
    const outcomes = Object.fromEntries(pass.stages.map((s) => [s.targetLabel, s.outcome]));
    for (const label of stageOrder(cfg)) {
      const moves = rel.expected[label] !== rel.labels[label]!.at(-1);
      expect(outcomes[label], label).toBe(moves ? 'promoted' : 'nothing-to-promote');
    }
    // A stage that waits says why, with the engine's reason for its newest candidate.
    for (const [label, reason] of Object.entries(rel.waiting)) {
      expect(pass.stages.find((s) => s.targetLabel === label)!.reason, label).toMatch(reason);
    }
    expect(await dlrnHeads(cfg, LABELS)).toEqual(Object.fromEntries(LABELS.map((l) => [l, expectedHash(l)])));

    for (const label of LABELS) {
      if (rel.expected[label] === rel.labels[label]!.at(-1)) continue;
      const hash = expectedHash(label);
      expect(await registriesAgree(cfg, label, hash), `${label} tags`).toEqual([]);
      expect(qcowLink(cfg, label), `${label} qcow link`).toBe(hash);
      expect(qcowLink(cfg, `previous-${label}`), `previous-${label} qcow link`).toBe(initialHash(label));
      const prev = await dlrnHeads(cfg, [`previous-${label}`]);
      expect(prev[`previous-${label}`], `previous-${label} in DLRN`).toBe(initialHash(label));
      const row = (await dlrnFor(cfg).promotions({ promote_name: label, limit: 100 })).find(
        (r) => (cfg.hashKind === 'aggregate') === (r.aggregate_hash !== null),
      )!;
      expect(await promotionCount(cfg, label, hashFromPromotion(row)), `${label} promotions of ${hash}`).toBe(1);
    }
    await recordHistory(h.client, lastPassId, `release-pass-${release}`);
    await recordHistory(h.client, stageWorkflowId(cfg.release, cfg.distro, 'current-tripleo'), `stage-${release}`);
    const moved = pass.stages.find((st) => st.outcome === 'promoted') as StageResult;
    await recordHistory(
      h.client,
      promotionWorkflowId(cfg.release, cfg.distro, moved.targetLabel, moved.selected!),
      `promotion-${release}`,
    );
  });

  it('a second pass moves nothing and adds no DLRN promotion', async () => {
    const dlrn = dlrnFor(cfg);
    const rowsBefore = (await dlrn.promotionsAll({})).length;
    const pass = await runPass('again');
    expect(pass.stages.map((s) => s.outcome)).toEqual(stageOrder(cfg).map(() => 'nothing-to-promote'));
    expect((await dlrn.promotionsAll({})).length).toBe(rowsBefore);
  });
});
