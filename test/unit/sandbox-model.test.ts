// The sandbox's data, its release files and the decision engine agree: one pass of the chain, simulated on the
// model with the pure engine, ends where the model says it must. The integration chain test then checks the real
// workflows reach the same place through the real DLRN API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReleaseConfig, stageOrder } from '../../domain/config.js';
import { interpolateEnv } from '../../domain/config-interpolate.js';
import { decide, type JobVote, type PromotionRecord } from '../../domain/engine.js';
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

function votes(rel: SandboxRelease): Record<string, JobVote[]> {
  const out: Record<string, JobVote[]> = {};
  for (const [key, jobs] of Object.entries(rel.votes)) {
    out[buildByKey(rel, key).fullHash] = Object.entries(jobs).map(([job, v]) => ({
      job_id: job,
      success: v === 'pass',
      in_progress: v === 'running',
      timestamp: 0,
    }));
  }
  return out;
}

describe.each(model.map((r) => [r.release, r] as const))('sandbox %s', (release, rel) => {
  const file = join(ROOT, 'config', 'sandbox', `${release}.yaml`);
  const cfg = parseReleaseConfig(interpolateEnv(readFileSync(file, 'utf8'), file, env), file);

  it('release file matches the model (hash kind, namespaces)', () => {
    expect(cfg.hashKind).toBe(rel.useComponents ? 'aggregate' : 'commit');
    expect([cfg.sourceNamespace, cfg.targetNamespace]).toEqual([rel.sourceNamespace, rel.targetNamespace]);
  });

  it('one pass of the chain ends where the model expects', () => {
    const labels = Object.fromEntries(Object.entries(rel.labels).map(([l, keys]) => [l, [...keys]]));
    for (const target of stageOrder(cfg)) {
      const p = cfg.promotions.find((x) => x.targetLabel === target)!;
      const newestFirst = (l: string) => [...(labels[l] ?? [])].reverse().map((k) => record(rel, k, l));
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
      }
    }
    const heads = Object.fromEntries(Object.keys(rel.expected).map((l) => [l, labels[l]!.at(-1)]));
    expect(heads).toEqual(rel.expected);
    // Every hash that moves has its artifacts.
    for (const key of Object.values(rel.expected)) expect(rel.artifacts).toContain(key);
  });
});
