// The sandbox's data, its release files and the decision engine agree: one pass of the chain, simulated on the
// model with the pure engine, ends where the model says it must. The data is shaped like production (several votes
// per job with real timestamps, re-runs, in-progress rows never closed, hundreds of label rows) and holds nothing
// real DLRN cannot have. The integration chain test then checks the real workflows reach the same place.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReleaseConfig, stageOrder } from '../../domain/config.js';
import { interpolateEnv } from '../../domain/config-interpolate.js';
import { RESERVED_TARGET_LABELS } from '../../domain/config-schema.js';
import { decide, type JobVote, type PromotionRecord } from '../../domain/engine.js';
import { dlrnFixture } from '../../scripts/sandbox/dlrn-data.js';
import { buildByKey, sandboxModel, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';

const env = {
  DLRN_MASTER_URL: 'http://127.0.0.1:1',
  DLRN_WALLABY_URL: 'http://127.0.0.1:2',
  DLRN_REPO_URL: 'http://127.0.0.1:3',
  SOURCE_REGISTRY: '127.0.0.1:4',
  TARGET_REGISTRY: '127.0.0.1:5',
  IMAGE_SERVER_HOST: '127.0.0.1',
  IMAGE_SERVER_PORT: '6',
  IMAGE_SERVER_USER: 'root',
  IMAGE_SERVER_ROOT: '/srv/images',
};
const model = sandboxModel((r) => `http://127.0.0.1:1/centos9-${r}`);

function record(rel: SandboxRelease, key: string, label: string): PromotionRecord {
  const b = buildByKey(rel, key);
  const c = b.commits.at(-1)!;
  return {
    commit_hash: c.commit_hash,
    distro_hash: c.distro_hash,
    extended_hash: c.extended_hash,
    aggregate_hash: b.aggregateHash,
    component: c.component,
    promote_name: label,
    timestamp: b.time,
  };
}

/** The votes as DLRN returns them (every row, with its timestamp). */
function votes(rel: SandboxRelease): Record<string, JobVote[]> {
  const out: Record<string, JobVote[]> = {};
  for (const [key, rows] of Object.entries(rel.votes)) {
    const b = buildByKey(rel, key);
    out[b.fullHash] = rows.map((v) => ({
      job_id: v.job,
      success: v.result === 'pass',
      in_progress: v.result === 'running',
      timestamp: b.time + v.after,
    }));
  }
  return out;
}

type Fixture = { promotions: { promotion_name: string; timestamp: number; id: number }[] };

describe.each(model.map((r) => [r.release, r] as const))('sandbox %s', (release, rel) => {
  const file = join(ROOT, 'config', 'sandbox', `${release}.yaml`);
  const cfg = parseReleaseConfig(interpolateEnv(readFileSync(file, 'utf8'), file, env), file);
  const fixture = dlrnFixture(rel) as unknown as Fixture;

  it('release file matches the model (hash kind, namespaces)', () => {
    expect(cfg.hashKind).toBe(rel.useComponents ? 'aggregate' : 'commit');
    expect([cfg.sourceNamespace, cfg.targetNamespace]).toEqual([rel.sourceNamespace, rel.targetNamespace]);
  });

  it('no stage reads or writes a label real DLRN refuses, and the chain starts at tripleo-ci-testing', () => {
    const labels = cfg.promotions.flatMap((p) => [p.candidateLabel, p.targetLabel]);
    expect(labels.filter((l) => (RESERVED_TARGET_LABELS as readonly string[]).includes(l))).toEqual([]);
    expect(cfg.promotions.map((p) => `${p.candidateLabel} -> ${p.targetLabel}`)).toEqual([
      'tripleo-ci-testing -> current-tripleo',
      'current-tripleo -> current-tripleo-rdo',
    ]);
    // DLRN never has promotion rows for consistent: it is a symlink of the repo tree.
    expect(fixture.promotions.filter((p) => p.promotion_name === 'consistent')).toEqual([]);
  });

  it('label histories are long, as in production, and promotion ids follow time', () => {
    const rows = (label: string) => fixture.promotions.filter((p) => p.promotion_name === label).length;
    expect(rows('tripleo-ci-testing')).toBeGreaterThanOrEqual(200);
    expect(rows('current-tripleo')).toBeGreaterThanOrEqual(100);
    expect(rows('previous-current-tripleo')).toBe(rows('current-tripleo') - (rel.useComponents ? 6 : 1));
    const times = fixture.promotions.map((p) => p.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('votes are shaped like production: re-runs with real timestamps, in-progress rows never closed', () => {
    const byJob = Object.values(votes(rel)).flatMap((vs) =>
      Object.values(
        vs.reduce<Record<string, JobVote[]>>((acc, v) => ({ ...acc, [v.job_id]: [...(acc[v.job_id] ?? []), v] }), {}),
      ).map((rows) => [...rows].sort((a, b) => a.timestamp - b.timestamp)),
    );
    const shape = (rows: JobVote[]) => rows.map((v) => (v.in_progress ? 'running' : v.success ? 'pass' : 'fail'));
    const shapes = byJob.map((rows) => shape(rows).join(','));
    expect(shapes).toContain('fail,pass'); // failed, re-run passed
    expect(shapes).toContain('pass,running'); // passed, re-run still in progress
    expect(shapes).toContain('fail,running'); // failed, re-run in progress (never closed)
    expect(shapes).toContain('running'); // started, never reported
    for (const rows of byJob) expect(new Set(rows.map((v) => v.timestamp)).size).toBe(rows.length);
  });

  it('one pass of the chain ends where the model expects: something moves, something waits for a reason', () => {
    const labels = Object.fromEntries(Object.entries(rel.labels).map(([l, keys]) => [l, [...keys]]));
    const reasons: Record<string, string> = {};
    for (const target of stageOrder(cfg)) {
      const p = cfg.promotions.find((x) => x.targetLabel === target)!;
      const newestFirst = (l: string) =>
        [...(labels[l] ?? [])]
          .reverse()
          .slice(0, cfg.latestHashesCount)
          .map((k) => record(rel, k, l));
      const d = decide({
        candidateLabel: p.candidateLabel,
        targetLabel: target,
        candidatePromotions: newestFirst(p.candidateLabel),
        targetHistory: newestFirst(target),
        votes: votes(rel),
        criteria: p.criteria,
        alternativeCriteria: p.alternativeCriteria,
        now: 0,
      });
      if (d.selectedFullHash) {
        const key = rel.builds.find((b) => b.fullHash === d.selectedFullHash)!.key;
        labels[target] = [...(labels[target] ?? []), key];
      } else {
        reasons[target] = d.candidates.find((c) => c.status === 'in_progress' || c.status === 'missing_jobs')!.reason;
      }
    }
    const heads = Object.fromEntries(Object.keys(rel.expected).map((l) => [l, labels[l]!.at(-1)]));
    expect(heads).toEqual(rel.expected);
    const moved = Object.keys(rel.expected).filter((l) => rel.expected[l] !== rel.labels[l]!.at(-1));
    expect(moved.length).toBeGreaterThan(0);
    expect(Object.keys(reasons)).toEqual(Object.keys(rel.waiting));
    for (const [label, reason] of Object.entries(rel.waiting)) expect(reasons[label]).toMatch(reason);
    // Every hash that moves, and every label's current hash, has its artifacts.
    for (const key of [...Object.values(rel.expected), ...Object.values(rel.labels).map((h) => h.at(-1)!)]) {
      expect(rel.artifacts).toContain(key);
    }
  });
});

it('across the sandbox, at least one stage waits with a real reason', () => {
  expect(model.flatMap((r) => Object.keys(r.waiting)).length).toBeGreaterThan(0);
});
