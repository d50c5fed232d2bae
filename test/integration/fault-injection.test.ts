// Fault injection: the fault proxy sits in front of the real DLRN API (wallaby) and the real target registry, answers
// 20 % of requests with a 5xx, resets 5 % of connections (before forwarding, or after the upstream answered) and holds
// 5 % past the clients' timeouts. The real release pass and rollbacks run on the sandbox data under a real worker.
// They must complete with no duplicate DLRN row and DLRN, registries and qcow2 links agreeing. Permanent 401 (bad
// DLRN password) and 403 (a DLRN that forbids the label) fail fast with one clear message and leave nothing moved.
// Clients get short timeouts here (DLRN 2 s, registry 3 s), so "past the timeouts" costs seconds, not minutes.
// Runtime measured on the shared 2-core machine: 103 s for a pass and a rollback (4 promotions) under DLRN faults;
// the test timeouts leave room for a loaded machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { ReleaseConfig } from '../../domain/config.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../../domain/hash.js';
import { artifactKinds, promotionWorkflowId, releaseWorkflowId } from '../../domain/promotion.js';
import { DlrnClient } from '../../integrations/dlrn.js';
import { registryPool } from '../../integrations/registry.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
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

const cfg = sandboxConfig('wallaby');
const LABELS = ['tripleo-ci-testing', 'current-tripleo', 'current-tripleo-rdo'];
const DLRN_TIMEOUT_MS = 2_000;
const REGISTRY_TIMEOUT_MS = 3_000;
const faults = (timeoutMs: number): FaultPlan => ({
  errorRate: 0.2,
  resetRate: 0.05,
  delayRate: 0.05,
  delayMs: timeoutMs + 1_000,
});
let h: TemporalHarness;
let rel: SandboxRelease;
let dlrnProxy: FaultProxy;
let registryProxy: FaultProxy;
let faulty: ReleaseConfig;

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
  dlrnProxy = await faultProxy(cfg.apiUrl, faults(DLRN_TIMEOUT_MS), { seed: 8 });
  const target = cfg.registries.targets[0]!;
  registryProxy = await faultProxy(target.url, faults(REGISTRY_TIMEOUT_MS), { seed: 21 });
  faulty = {
    ...cfg,
    apiUrl: dlrnProxy.url,
    registries: { ...cfg.registries, targets: [{ ...target, url: registryProxy.host }] },
  };
});
afterAll(async () => {
  await dlrnProxy?.close();
  await registryProxy?.close();
  await h?.close();
});

/** Rows DLRN wrote since `since` (epoch s) per "label hash"; more than one is a duplicate. */
async function rowsSince(since: number): Promise<Record<string, number>> {
  const rows = await dlrnFor(cfg).promotionsAll();
  const out: Record<string, number> = {};
  for (const r of rows.filter((x) => x.timestamp >= since)) {
    const key = `${r.promote_name} ${fullHash(hashFromPromotion(r))}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** DLRN, both registries and the qcow2 links agree on where each label is. */
async function agreement(expected: Record<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const heads = await dlrnHeads(cfg, Object.keys(expected));
  for (const [label, hash] of Object.entries(expected)) {
    if (heads[label] !== hash) problems.push(`DLRN ${label} is ${heads[label]}, expected ${hash}`);
    problems.push(...(await registriesAgree(cfg, label, hash)));
    const link = qcowLink(cfg, label);
    if (link !== hash) problems.push(`qcow2 ${label} -> ${link}`);
  }
  return problems;
}

const rollback = (label: string, to: DlrnHash, from: string, candidateLabel: string) =>
  h.client.workflow.execute(promotion, {
    taskQueue: h.taskQueue,
    workflowId: `${promotionWorkflowId(cfg.release, cfg.distro, label, fullHash(to))}/faults-${Date.now()}`,
    args: [
      {
        config: faulty,
        targetLabel: label,
        candidateLabel,
        hash: to,
        expectedCurrent: from,
        kinds: artifactKinds(cfg),
        reason: 'fault-injection rollback',
        createPrevious: false,
      },
    ],
  });

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

/** A release pass (three promotions) and `rollbacks` rollbacks under faults; the figures and the end state. */
async function series(rollbacks: number) {
  rel = await freshRelease(h.client, 'wallaby');
  const hashOf = (key: string) => buildByKey(rel, key);
  const since = Math.floor(Date.now() / 1000);
  const [d0, r0] = [dlrnProxy.faulted(), registryProxy.faulted()];
  const started = Date.now();
  const outcomes = await h.withWorker(async () => {
    const pass = await h.client.workflow.execute(promoteRelease, {
      taskQueue: h.taskQueue,
      workflowId: `${releaseWorkflowId(cfg.release, cfg.distro)}/faults-${Date.now()}`,
      args: [{ config: faulty }],
    });
    const out = pass.stages.map((s) => (s.outcome === 'promoted' ? s.outcome : `${s.outcome}: ${s.reason}`));
    const back = [
      ['tripleo-ci-testing', 'W09', 'consistent'],
      ['current-tripleo-rdo', 'W02', 'current-tripleo'],
    ].slice(0, rollbacks);
    for (const [label, key, candidate] of back) {
      const from = hashOf(rel.expected[label!]!).fullHash;
      out.push(await outcomeOf(rollback(label!, hashFromPromotion(hashOf(key!).commits[0]!), from, candidate!)));
    }
    return out;
  }, deps());
  const seconds = (Date.now() - started) / 1000;
  const rows = await rowsSince(since);
  const figures = {
    seconds,
    promotions: outcomes.filter((o) => o === 'promoted').length,
    dlrnFaulted: dlrnProxy.faulted() - d0,
    registryFaulted: registryProxy.faulted() - r0,
    duplicates: Object.entries(rows).filter(([, n]) => n > 1),
  };
  console.log(`fault injection: ${JSON.stringify(figures)}`);
  const expected: Record<string, string> = {
    'tripleo-ci-testing': hashOf(rollbacks > 0 ? 'W09' : rel.expected['tripleo-ci-testing']!).fullHash,
    'current-tripleo': hashOf(rel.expected['current-tripleo']!).fullHash,
    'current-tripleo-rdo': hashOf(rollbacks > 1 ? 'W02' : rel.expected['current-tripleo-rdo']!).fullHash,
  };
  return { outcomes, figures, expected };
}

describe('20 % 5xx, resets and delays past the timeouts', () => {
  it(
    'in front of DLRN: a pass of three promotions completes, no duplicate row, all agree',
    { timeout: 240_000 },
    async () => {
      dlrnProxy.setPlan(faults(DLRN_TIMEOUT_MS));
      registryProxy.setPlan({});
      const { outcomes, figures, expected } = await series(0);
      expect(outcomes).toEqual(['promoted', 'promoted', 'promoted']);
      expect(figures.duplicates).toEqual([]);
      expect(figures.dlrnFaulted).toBeGreaterThan(0);
      expect(await agreement(expected)).toEqual([]);
    },
  );

  it(
    'in front of DLRN and the target registry: a pass and a rollback complete, all agree',
    { timeout: 240_000 },
    async () => {
      dlrnProxy.setPlan(faults(DLRN_TIMEOUT_MS));
      registryProxy.setPlan(faults(REGISTRY_TIMEOUT_MS));
      const { outcomes, figures, expected } = await series(1);
      dlrnProxy.setPlan({});
      registryProxy.setPlan({});
      expect(figures.duplicates).toEqual([]);
      expect(outcomes).toEqual(['promoted', 'promoted', 'promoted', 'promoted']);
      expect(figures.dlrnFaulted).toBeGreaterThan(0);
      expect(figures.registryFaulted).toBeGreaterThan(0);
      expect(await agreement(expected)).toEqual([]);
    },
  );
});

describe('permanent refusals fail fast, with one clear message, nothing moved', () => {
  const permanent = async (plan: FaultPlan, password?: string) => {
    rel = await freshRelease(h.client, 'wallaby');
    const before = await dlrnHeads(cfg, LABELS);
    dlrnProxy.setPlan(plan);
    registryProxy.setPlan({});
    const started = Date.now();
    const pass = await h.withWorker(
      () =>
        h.client.workflow.execute(promoteRelease, {
          taskQueue: h.taskQueue,
          workflowId: `${releaseWorkflowId(cfg.release, cfg.distro)}/refused-${Date.now()}`,
          args: [{ config: faulty, labels: ['tripleo-ci-testing'] }],
        }),
      deps(password),
    );
    const seconds = (Date.now() - started) / 1000;
    const stage = pass.stages[0]!;
    const agree = await agreement(
      Object.fromEntries(Object.entries(before).filter((e): e is [string, string] => e[1] !== null)),
    );
    return { seconds, stage, agree, after: await dlrnHeads(cfg, LABELS), before };
  };

  it('401: a wrong DLRN password', async () => {
    const r = await permanent({}, `${stackAuth().password}-wrong`);
    expect(r.stage.outcome).not.toBe('promoted');
    expect(r.stage.reason).toMatch(/401 Unauthorized Access/);
    expect([r.after, r.agree]).toEqual([r.before, []]);
    expect(r.seconds).toBeLessThan(30);
  });

  it('403: a DLRN that forbids the label', async () => {
    const refuse = {
      method: 'POST',
      path: /^\/api\/promote$/,
      status: 403,
      body: '{"message": "Invalid promote_name tripleo-ci-testing"}',
    };
    const r = await permanent({ refuse });
    expect(r.stage.outcome).not.toBe('promoted');
    expect(r.stage.reason).toMatch(/403 Invalid promote_name tripleo-ci-testing/);
    expect([r.after, r.agree]).toEqual([r.before, []]);
    expect(r.seconds).toBeLessThan(30);
    expect(dlrnProxy.counts().refused).toBeGreaterThan(0);
  });
});
