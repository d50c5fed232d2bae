// Reads where a sandbox release stands in all three places a promotion writes (DLRN, registries, image server),
// so tests can check they agree.
import type { Client } from '@temporalio/client';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { DlrnClient } from '../../integrations/dlrn.js';
import { registryPool } from '../../integrations/registry.js';
import { loadReleaseConfig } from '../../domain/config-file.js';
import type { ReleaseConfig } from '../../domain/config.js';
import { fullHash, hashFromPromotion, type DlrnHash } from '../../domain/hash.js';
import { containerImages, registryRefs, releaseWorkflowId } from '../../domain/promotion.js';
import type { Controls } from '../../workflows/contract.js';
import { resetSandbox } from '../../scripts/sandbox/load.js';
import { DISTRO, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { testStack } from './stack.js';

export function sandboxConfig(release: string): ReleaseConfig {
  return loadReleaseConfig(join(ROOT, 'config', 'sandbox', `${release}.yaml`), { ...process.env, ...testStack().env });
}

export const dlrnFor = (cfg: ReleaseConfig) => new DlrnClient({ baseUrl: cfg.apiUrl, ...testStack().dlrnAuth });

/** The newest promotion of each label that carries a hash of the release's kind. */
export async function dlrnHeads(cfg: ReleaseConfig, labels: string[]): Promise<Record<string, string | null>> {
  const dlrn = dlrnFor(cfg);
  const out: Record<string, string | null> = {};
  for (const label of labels) {
    const rows = await dlrn.promotions({ promote_name: label, limit: 100 });
    const row = rows.find((r) => (cfg.hashKind === 'aggregate') === (r.aggregate_hash !== null));
    out[label] = row ? fullHash(hashFromPromotion(row)) : null;
  }
  return out;
}

/** How many promotion rows DLRN has for this (label, hash): exactly once means 1. */
export async function promotionCount(cfg: ReleaseConfig, label: string, hash: DlrnHash): Promise<number> {
  const dlrn = dlrnFor(cfg);
  const rows =
    hash.kind === 'aggregate'
      ? (await dlrn.promotionsAll({ promote_name: label })).filter((r) => r.aggregate_hash === hash.aggregateHash)
      : await dlrn.promotionsAll({
          promote_name: label,
          commit_hash: hash.commitHash,
          distro_hash: hash.distroHash,
          ...(hash.extendedHash ? { extended_hash: hash.extendedHash } : {}),
        });
  return rows.length;
}

/** For every image: does `label` point at the same manifest as `<full_hash>` in the source and every target? */
export async function registriesAgree(cfg: ReleaseConfig, label: string, hash: string): Promise<string[]> {
  const pool = registryPool();
  const { source, targets } = registryRefs(cfg);
  const problems: string[] = [];
  for (const ref of [source, ...targets]) {
    const client = pool.registryFor(ref);
    for (const image of containerImages(cfg)) {
      const repo = `${ref.namespace}/${image}`;
      const [atLabel, atHash] = await Promise.all([client.headManifest(repo, label), client.headManifest(repo, hash)]);
      if (!atLabel || !atHash || atLabel.digest !== atHash.digest) problems.push(`${ref.name}:${repo}:${label}`);
    }
  }
  return problems;
}

export function qcowLink(cfg: ReleaseConfig, label: string): string | null {
  try {
    return readlinkSync(join(testStack().env.IMAGE_SERVER_ROOT!, cfg.distro, cfg.release, 'rdo_trunk', label));
  } catch {
    return null;
  }
}

/**
 * Puts a sandbox release back as the model has it, after ending every workflow an earlier test left running on it
 * (a test that failed half-way leaves its promotion open on a task queue nobody polls, and the next test would find
 * that (label, hash) busy).
 */
export async function freshRelease(client: Client, release: string): Promise<SandboxRelease> {
  const prefixes = [`promotion/${release}/`, `stage/${release}/`, `release/${release}/`];
  for await (const wf of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    if (prefixes.some((p) => wf.workflowId.startsWith(p))) {
      await client.workflow
        .getHandle(wf.workflowId)
        .terminate('test reset')
        .catch(() => undefined);
    }
  }
  await forgetControls(client, release);
  return resetSandbox(testStack().env, release);
}

/**
 * A new controller takes over the controls (holds, approvals, waivers, refusals) its newest closed run kept in its
 * memo, even across stack restarts: a run with empty controls, closed at once, becomes that newest run, so no hold
 * or approval an earlier test (or run) left behind reaches the next test.
 */
async function forgetControls(client: Client, release: string): Promise<void> {
  const empty: Controls = { holds: [], approvals: [], waivers: [], refusals: [], audit: [] };
  const handle = await client.workflow.start('releaseController', {
    workflowId: releaseWorkflowId(release, DISTRO),
    taskQueue: `forget-controls-${release}`,
    args: [{ release, distro: DISTRO }],
    memo: { controls: empty },
  });
  await handle.terminate('test reset: forget controls');
}
