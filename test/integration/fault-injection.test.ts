// Fault injection: the fault proxy sits in front of the real DLRN APIs (wallaby and master) and the real target
// registry, answers 20 % of requests with a 5xx, resets 5 % of connections (before forwarding, or after the upstream
// answered) and holds 5 % past the clients' timeouts. Real release passes on both releases, then a rollback and a
// re-promotion by the next pass, run on the sandbox data under a real worker. They must complete with no duplicate
// DLRN row (no promotion writes a (label, hash) row twice) and DLRN, registries and qcow2 links agreeing with the
// model (scripts/sandbox/model.ts). Permanent 401 (bad DLRN password) and 403 (a DLRN that forbids the label) fail
// fast with one clear message and leave nothing moved. Resetting a release costs ~40 s, so the releases are reset
// once and the tests run in order (refusals first, as they move nothing) on the state the one before left; each
// starts by checking it.
// Clients get short timeouts here (DLRN 2 s, registry 3 s), so "past the timeouts" costs seconds, not minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { stageOrder, type ReleaseConfig } from '../../domain/config.js';
import { fullHash, hashFromPromotion } from '../../domain/hash.js';
import { artifactKinds, promotionWorkflowId, releaseWorkflowId } from '../../domain/promotion.js';
import { DlrnClient } from '../../integrations/dlrn.js';
import { registryPool } from '../../integrations/registry.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import type { ReleasePassResult, StageResult } from '../../workflows/contract.js';
import { promoteRelease, promotion } from '../../workflows/index.js';
import { faultProxy, type FaultPlan, type FaultProxy } from '../helpers/fault-proxy.js';
import {
  dlrnFor,
  dlrnHeads,
  freshRelease,
  qcowLink,
  registriesAgree,
  sandboxConfig,
} from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

const RELEASES = ['wallaby', 'master'] as const;
type ReleaseName = (typeof RELEASES)[number];
const cfgs = Object.fromEntries(RELEASES.map((r) => [r, sandboxConfig(r)])) as Record<ReleaseName, ReleaseConfig>;
const cfg = cfgs.wallaby;
const DLRN_TIMEOUT_MS = 2_000;
const REGISTRY_TIMEOUT_MS = 3_000;
const faults = (timeoutMs: number): FaultPlan => ({
  errorRate: 0.2,
  resetRate: 0.05,
  delayRate: 0.05,
  delayMs: timeoutMs + 1_000,
});
let h: TemporalHarness;
const dlrnProxy = {} as Record<ReleaseName, FaultProxy>;
let registryProxy: FaultProxy;
const faulty = {} as Record<ReleaseName, ReleaseConfig>;
const rels = {} as Record<ReleaseName, SandboxRelease>;

const stackAuth = () => testStack().dlrnAuth;
const deps = (password = stackAuth().password): Partial<Parameters<typeof createActivities>[0]> => ({
  dlrnFor: (apiUrl) =>
    new DlrnClient({
      baseUrl: apiUrl,
      username: stackAuth().username,
      password,
      timeoutMs: DLRN_TIMEOUT_MS,
      retry: { retries: 6, baseMs: 100, maxMs: 1_000 },
    }),
  registryFor: registryPool(process.env, { timeoutMs: REGISTRY_TIMEOUT_MS }).registryFor,
});

beforeAll(async () => {
  h = await temporalHarness();
  await Promise.all(RELEASES.map(async (r) => (rels[r] = await freshRelease(h.client, r))));
  const target = cfg.registries.targets[0]!;
  registryProxy = await faultProxy(target.url, faults(REGISTRY_TIMEOUT_MS), { seed: 21 });
  for (const [i, r] of RELEASES.entries()) {
    const c = cfgs[r];
    dlrnProxy[r] = await faultProxy(c.apiUrl, faults(DLRN_TIMEOUT_MS), { seed: 8 + i });
    const targets = c.registries.targets.map((t) => (t.url === target.url ? { ...t, url: registryProxy.host } : t));
    faulty[r] = { ...c, apiUrl: dlrnProxy[r].url, registries: { ...c.registries, targets } };
  }
}, 180_000);
afterAll(async () => {
  for (const p of Object.values(dlrnProxy)) await p.close();
  await registryProxy?.close();
  await h?.close();
});

const setPlans = (dlrn: FaultPlan, registry: FaultPlan) => {
  for (const p of Object.values(dlrnProxy)) p.setPlan(dlrn);
  registryProxy.setPlan(registry);
};
const dlrnFaulted = () => Object.values(dlrnProxy).reduce((n, p) => n + p.faulted(), 0);

/** DLRN's rows per "release label hash" over the given releases. */
async function rowCounts(releases: readonly ReleaseName[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const rel of releases) {
    for (const r of await dlrnFor(cfgs[rel]).promotionsAll()) {
      const key = `${rel} ${r.promote_name} ${fullHash(hashFromPromotion(r))}`;
      out[key] = (out[key] ?? 0) + 1;
    }
  }
  return out;
}

/** Rows written between two counts, per key. */
const rowsAdded = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, n]): [string, number] => [k, n - (before[k] ?? 0)])
      .filter(([, n]) => n > 0),
  );

/** DLRN, the registries and the qcow2 links agree on where each label is (label -> full_hash). */
async function agreement(c: ReleaseConfig, expected: Record<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const heads = await dlrnHeads(c, Object.keys(expected));
  for (const [label, hash] of Object.entries(expected)) {
    if (heads[label] !== hash) problems.push(`${c.release}: DLRN ${label} is ${heads[label]}, expected ${hash}`);
    problems.push(...(await registriesAgree(c, label, hash)));
    const link = qcowLink(c, label);
    if (link !== hash) problems.push(`${c.release}: qcow2 ${label} -> ${link}`);
  }
  return problems;
}

/** Where the model puts each stage's label: after the pass (`expected`), or where it was (the history's head). */
const modelHeads = (rel: SandboxRelease, c: ReleaseConfig, after: boolean) =>
  Object.fromEntries(
    stageOrder(c).map((label) => {
      const key = after ? (rel.expected[label] ?? rel.labels[label]!.at(-1)!) : rel.labels[label]!.at(-1)!;
      return [label, buildByKey(rel, key).fullHash];
    }),
  );

/** What the model says each stage of one pass does: promoted when its label moves, else waiting. */
const modelOutcomes = (rel: SandboxRelease, c: ReleaseConfig) =>
  stageOrder(c).map((label) => (rel.expected[label] !== rel.labels[label]!.at(-1) ? 'promoted' : 'waits'));
const outcomesOf = (pass: ReleasePassResult) =>
  pass.stages.map((s) =>
    s.outcome === 'promoted' ? 'promoted' : s.outcome === 'nothing-to-promote' ? 'waits' : `${s.outcome}: ${s.reason}`,
  );

const runPass = (c: ReleaseConfig, labels?: string[]) =>
  h.client.workflow.execute(promoteRelease, {
    taskQueue: h.taskQueue,
    workflowId: `${releaseWorkflowId(c.release, c.distro)}/faults-${Date.now()}`,
    args: [{ config: c, ...(labels ? { labels } : {}) }],
  });

/** One wallaby promotion run directly (a rollback when `createPrevious` is false, else a force-promote). */
const promote = (rel: SandboxRelease, label: string, key: string, from: string, createPrevious: boolean) => {
  const p = cfg.promotions.find((x) => x.targetLabel === label)!;
  const to = buildByKey(rel, key);
  return h.client.workflow.execute(promotion, {
    taskQueue: h.taskQueue,
    workflowId: `${promotionWorkflowId(cfg.release, cfg.distro, label, to.fullHash)}/faults-${Date.now()}`,
    args: [
      {
        config: faulty.wallaby,
        targetLabel: label,
        candidateLabel: p.candidateLabel,
        hash: hashFromPromotion(to.commits[0]!),
        expectedCurrent: from,
        kinds: artifactKinds(cfg),
        reason: createPrevious ? 'fault-injection re-promotion' : 'fault-injection rollback',
        createPrevious,
      },
    ],
  });
};

/** The outcome of a workflow that may fail: "promoted", or what failed (its innermost message). */
const outcomeOf = (p: Promise<{ outcome: string }>) =>
  p.then(
    (r) => r.outcome,
    (err: unknown) => {
      let e = err as { message?: string; cause?: unknown };
      while (e.cause) e = e.cause as typeof e;
      return `failed: ${e.message}`;
    },
  );

/**
 * Runs the steps one after the other under one worker and prints the figures: time, promotions, faults per service,
 * rows written, duplicates (a (label, hash) row written twice by one step: each step is at most one promotion per
 * label, so more than one row is a POST that landed twice).
 */
async function measured(releases: readonly ReleaseName[], steps: (() => Promise<string[]>)[]) {
  const [d0, r0] = [dlrnFaulted(), registryProxy.faulted()];
  const started = Date.now();
  const outcomes: string[] = [];
  const duplicates: [string, number][] = [];
  let dlrnRows = 0;
  await h.withWorker(async () => {
    for (const step of steps) {
      const before = await rowCounts(releases);
      outcomes.push(...(await step()));
      const added = rowsAdded(before, await rowCounts(releases));
      dlrnRows += Object.values(added).reduce((n, x) => n + x, 0);
      duplicates.push(...Object.entries(added).filter(([, n]) => n > 1));
    }
  }, deps());
  const figures = {
    seconds: (Date.now() - started) / 1000,
    promotions: outcomes.filter((o) => o === 'promoted').length,
    dlrnFaulted: dlrnFaulted() - d0,
    registryFaulted: registryProxy.faulted() - r0,
    dlrnRows,
    duplicates,
  };
  console.log(`fault injection: ${JSON.stringify(figures)}`);
  return { outcomes, figures };
}

/** The first stage label that one pass moves on wallaby, where it was and where the pass takes it (model keys). */
const moving = () => {
  const rel = rels.wallaby;
  const label = stageOrder(cfg).find((l) => rel.expected[l] !== rel.labels[l]!.at(-1))!;
  return { rel, label, was: rel.labels[label]!.at(-1)!, next: rel.expected[label]! };
};

describe('permanent refusals fail fast, with one clear message, nothing moved', () => {
  /**
   * On the reset release (these run first), a pass of the first stage that moves under `plan`: the stage it ran,
   * the time, the DLRN rows it wrote, and whether DLRN, registries and links still agree with where it started.
   */
  const permanent = async (plan: FaultPlan, password?: string) => {
    const { rel, label } = moving();
    const start = modelHeads(rel, cfg, false);
    expect(await agreement(cfg, start)).toEqual([]);
    setPlans(plan, {});
    const before = await rowCounts(['wallaby']);
    const started = Date.now();
    const pass = await h.withWorker(() => runPass(faulty.wallaby, [label]), deps(password));
    const seconds = (Date.now() - started) / 1000;
    setPlans({}, {});
    const stage = pass.stages[0] as StageResult | undefined;
    const rows = rowsAdded(before, await rowCounts(['wallaby']));
    return { label, seconds, stage, stages: pass.stages.length, rows, agree: await agreement(cfg, start) };
  };

  it('401: a wrong DLRN password', { timeout: 60_000 }, async () => {
    const r = await permanent({}, `${stackAuth().password}-wrong`);
    expect(r.stages).toBe(1);
    expect(r.stage?.outcome).toBe('failed-undone');
    expect(r.stage?.promotion?.error?.message).toMatch(/401 Unauthorized Access/);
    expect(r.stage?.reason).toMatch(/401 Unauthorized Access/);
    expect([r.rows, r.agree]).toEqual([{}, []]);
    expect(r.seconds).toBeLessThan(30);
  });

  it('403: a DLRN that forbids the label', { timeout: 60_000 }, async () => {
    const label = moving().label;
    const refuse = {
      method: 'POST',
      path: /^\/api\/promote(-batch)?$/,
      match: new RegExp(`"promote_name":"${label}"`),
      status: 403,
      body: `{"message": "Invalid promote_name ${label}"}`,
    };
    const r = await permanent({ refuse });
    expect(r.stages).toBe(1);
    expect(r.stage?.outcome).not.toBe('promoted');
    expect(r.stage?.refusals).toEqual([
      expect.objectContaining({
        label,
        type: 'DlrnRefused',
        message: expect.stringMatching(new RegExp(`403 Invalid promote_name ${label}`)),
      }),
    ]);
    // previous-<label> and the label were one batch, refused whole: no row at all; artifacts restored.
    expect(r.rows).toEqual({});
    expect(r.agree).toEqual([]);
    expect(r.seconds).toBeLessThan(30);
    expect(dlrnProxy.wallaby.counts().refused).toBeGreaterThan(0);
  });
});

describe('20 % 5xx, resets and delays past the timeouts', () => {
  it(
    'in front of DLRN: a pass on each release completes as the model says, no duplicate row, all agree',
    { timeout: 120_000 },
    async () => {
      for (const r of RELEASES) expect(await agreement(cfgs[r], modelHeads(rels[r], cfgs[r], false))).toEqual([]);
      setPlans(faults(DLRN_TIMEOUT_MS), {});
      const expected = RELEASES.flatMap((r) => modelOutcomes(rels[r], cfgs[r]));
      const { outcomes, figures } = await measured(RELEASES, [
        async () => (await Promise.all(RELEASES.map((r) => runPass(faulty[r])))).flatMap(outcomesOf),
      ]);
      setPlans({}, {});
      expect(outcomes).toEqual(expected);
      expect(figures.promotions).toBeGreaterThanOrEqual(3);
      expect(figures.duplicates).toEqual([]);
      expect(figures.dlrnFaulted).toBeGreaterThan(0);
      for (const r of RELEASES) expect(await agreement(cfgs[r], modelHeads(rels[r], cfgs[r], true))).toEqual([]);
    },
  );

  it(
    'in front of DLRN and the target registry: a rollback and a re-promotion complete, all agree',
    { timeout: 90_000 },
    async () => {
      const { rel, label, was, next } = moving();
      const [wasHash, nextHash] = [buildByKey(rel, was).fullHash, buildByKey(rel, next).fullHash];
      expect(await agreement(cfg, modelHeads(rel, cfg, true))).toEqual([]);
      setPlans(faults(DLRN_TIMEOUT_MS), faults(REGISTRY_TIMEOUT_MS));
      const { outcomes, figures } = await measured(
        ['wallaby'],
        [
          async () => [await outcomeOf(promote(rel, label, was, nextHash, false))],
          async () => {
            const back = await agreement(cfg, { [label]: wasHash });
            // A pass never re-promotes a hash the label held before: the re-promotion is a force-promote.
            const again = await outcomeOf(promote(rel, label, next, wasHash, true));
            return [back.length ? `rollback: ${back.join('; ')}` : 'rolled back', again];
          },
        ],
      );
      setPlans({}, {});
      expect(figures.duplicates).toEqual([]);
      expect(outcomes).toEqual(['promoted', 'rolled back', 'promoted']);
      expect(figures.dlrnFaulted).toBeGreaterThan(0);
      expect(figures.registryFaulted).toBeGreaterThan(0);
      expect(await agreement(cfg, modelHeads(rel, cfg, true))).toEqual([]);
    },
  );
});
