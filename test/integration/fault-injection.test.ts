// Fault injection: the fault proxy sits in front of the real DLRN APIs (wallaby and master) and the real target
// registry, answers 20 % of requests with a 5xx, resets 5 % of connections (before forwarding, or after the upstream
// answered) and holds 5 % past the clients' timeouts. Real release passes on both releases, then a rollback and a
// re-promotion, run on the sandbox data under a real worker. They must complete with no duplicate DLRN row and DLRN,
// registries and qcow2 links agreeing with the model (scripts/sandbox/model.ts). Permanent 401 (bad DLRN password)
// and 403 (a DLRN that forbids the label) fail fast with one clear message and leave nothing moved.
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
  const target = cfg.registries.targets[0]!;
  registryProxy = await faultProxy(target.url, faults(REGISTRY_TIMEOUT_MS), { seed: 21 });
  for (const [i, r] of RELEASES.entries()) {
    const c = cfgs[r];
    dlrnProxy[r] = await faultProxy(c.apiUrl, faults(DLRN_TIMEOUT_MS), { seed: 8 + i });
    const targets = c.registries.targets.map((t) => (t.url === target.url ? { ...t, url: registryProxy.host } : t));
    faulty[r] = { ...c, apiUrl: dlrnProxy[r].url, registries: { ...c.registries, targets } };
  }
});
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

/** Rows DLRN wrote since `since` (epoch s) per "label hash"; more than one is a duplicate. */
async function rowsSince(c: ReleaseConfig, since: number): Promise<Record<string, number>> {
  const rows = await dlrnFor(c).promotionsAll();
  const out: Record<string, number> = {};
  for (const r of rows.filter((x) => x.timestamp >= since)) {
    const key = `${c.release} ${r.promote_name} ${fullHash(hashFromPromotion(r))}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

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

/** Runs `work` under a worker with the figures of the series: time, promotions, faults per service, duplicates. */
async function measured(releases: readonly ReleaseName[], work: () => Promise<string[]>) {
  const since = Math.floor(Date.now() / 1000);
  const [d0, r0] = [dlrnFaulted(), registryProxy.faulted()];
  const started = Date.now();
  const outcomes = await h.withWorker(work, deps());
  const seconds = (Date.now() - started) / 1000;
  const rows: Record<string, number> = {};
  for (const r of releases) Object.assign(rows, await rowsSince(cfgs[r], since));
  const figures = {
    seconds,
    promotions: outcomes.filter((o) => o === 'promoted').length,
    dlrnFaulted: dlrnFaulted() - d0,
    registryFaulted: registryProxy.faulted() - r0,
    dlrnRows: Object.values(rows).reduce((n, x) => n + x, 0),
    duplicates: Object.entries(rows).filter(([, n]) => n > 1),
  };
  console.log(`fault injection: ${JSON.stringify(figures)}`);
  return { outcomes, figures };
}

describe('20 % 5xx, resets and delays past the timeouts', () => {
  it(
    'in front of DLRN: a pass on each release completes as the model says, no duplicate row, all agree',
    { timeout: 150_000 },
    async () => {
      setPlans(faults(DLRN_TIMEOUT_MS), {});
      const rels = {} as Record<ReleaseName, SandboxRelease>;
      for (const r of RELEASES) rels[r] = await freshRelease(h.client, r);
      const expected = RELEASES.flatMap((r) => modelOutcomes(rels[r], cfgs[r]));
      const { outcomes, figures } = await measured(RELEASES, async () => {
        const passes = await Promise.all(RELEASES.map((r) => runPass(faulty[r])));
        return passes.flatMap(outcomesOf);
      });
      setPlans({}, {});
      expect(outcomes).toEqual(expected);
      expect(figures.promotions).toBeGreaterThanOrEqual(3);
      expect(figures.duplicates).toEqual([]);
      expect(figures.dlrnFaulted).toBeGreaterThan(0);
      for (const r of RELEASES) expect(await agreement(cfgs[r], modelHeads(rels[r], cfgs[r], true))).toEqual([]);
    },
  );

  it(
    'in front of DLRN and the target registry: a pass, a rollback and a re-promotion complete, all agree',
    { timeout: 150_000 },
    async () => {
      setPlans(faults(DLRN_TIMEOUT_MS), faults(REGISTRY_TIMEOUT_MS));
      const rel = await freshRelease(h.client, 'wallaby');
      const label = stageOrder(cfg).find((l) => rel.expected[l] !== rel.labels[l]!.at(-1))!;
      const [was, next] = [rel.labels[label]!.at(-1)!, rel.expected[label]!];
      const { outcomes, figures } = await measured(['wallaby'], async () => {
        const out = outcomesOf(await runPass(faulty.wallaby));
        const [wasHash, nextHash] = [buildByKey(rel, was).fullHash, buildByKey(rel, next).fullHash];
        out.push(await outcomeOf(promote(rel, label, was, nextHash, false)));
        out.push(await outcomeOf(promote(rel, label, next, wasHash, true)));
        return out;
      });
      setPlans({}, {});
      expect(figures.duplicates).toEqual([]);
      expect(outcomes).toEqual([...modelOutcomes(rel, cfg), 'promoted', 'promoted']);
      expect(figures.dlrnFaulted).toBeGreaterThan(0);
      expect(figures.registryFaulted).toBeGreaterThan(0);
      expect(await agreement(cfg, modelHeads(rel, cfg, true))).toEqual([]);
    },
  );
});

describe('permanent refusals fail fast, with one clear message, nothing moved', () => {
  /** A pass of the first stage only; the stage it ran, the time, DLRN rows written, and whether all still agree. */
  const permanent = async (plan: FaultPlan, password?: string) => {
    const rel = await freshRelease(h.client, 'wallaby');
    const labels = stageOrder(cfg);
    const before = modelHeads(rel, cfg, false);
    setPlans(plan, {});
    const since = Math.floor(Date.now() / 1000);
    const started = Date.now();
    const pass = await h.withWorker(() => runPass(faulty.wallaby, labels.slice(0, 1)), deps(password));
    const seconds = (Date.now() - started) / 1000;
    setPlans({}, {});
    const stage = pass.stages[0] as StageResult | undefined;
    const rows = await rowsSince(cfg, since);
    return { seconds, stage, stages: pass.stages.length, rows, agree: await agreement(cfg, before) };
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
    const label = stageOrder(cfg)[0]!;
    const refuse = {
      method: 'POST',
      path: /^\/api\/promote$/,
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
    // previous-<label> moved and was put back: one row each way, none on the label; artifacts restored.
    expect(Object.keys(r.rows).every((k) => k.startsWith(`wallaby previous-${label} `))).toBe(true);
    expect(r.agree).toEqual([]);
    expect(r.seconds).toBeLessThan(30);
    expect(dlrnProxy.wallaby.counts().refused).toBeGreaterThan(0);
  });
});
