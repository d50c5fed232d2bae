// Update validators of the release controller: a bad request is refused before anything enters history, with a
// message that names the argument. Pure checks over the current config.
import type { ReleaseConfig } from '../domain/config.js';
import { toDlrnHash } from '../domain/hash.js';
import { ARTIFACT_KINDS } from '../domain/promotion.js';
import type * as m from './contract.js';

const MAX_WAIVER_SECONDS = 30 * 86400;
const FULL_HASH = /^[0-9a-f]{32,64}(_[0-9a-f]{8}){0,3}$/;

function fail(message: string): never {
  throw new Error(message);
}

function actor(req: { by?: unknown; why?: unknown }): void {
  if (typeof req.by !== 'string' || req.by.trim() === '') fail('--by: who is asking must be given');
  if (typeof req.why !== 'string' || req.why.trim() === '') fail('--why: a reason must be given');
}

function label(cfg: ReleaseConfig, req: { label?: unknown }): void {
  const known = cfg.promotions.map((p) => p.targetLabel);
  if (typeof req.label !== 'string' || !known.includes(req.label)) {
    fail(
      `--label: ${String(req.label)} is not a promotion target of ${cfg.release}/${cfg.distro} (one of: ${known.join(', ')})`,
    );
  }
}

function fullHash(value: unknown): void {
  if (typeof value !== 'string' || !FULL_HASH.test(value)) fail(`--hash: ${String(value)} is not a full_hash`);
}

function kinds(value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((k) => !ARTIFACT_KINDS.includes(k))) {
    fail(`--kinds: expected some of ${ARTIFACT_KINDS.join(', ')}`);
  }
}

export const validate = {
  actor,
  label(cfg: ReleaseConfig, req: m.HoldRequest): void {
    actor(req);
    label(cfg, req);
  },
  labels(cfg: ReleaseConfig, labels: string[] | undefined): void {
    for (const l of labels ?? []) label(cfg, { label: l });
  },
  held(cfg: ReleaseConfig, c: m.Controls, req: m.HoldRequest): void {
    actor(req);
    label(cfg, req);
    if (!c.holds.some((h) => h.label === req.label)) fail(`--label: ${req.label} is not held`);
  },
  approve(cfg: ReleaseConfig, req: m.ApproveRequest): void {
    actor(req);
    label(cfg, req);
    fullHash(req.fullHash);
  },
  waive(cfg: ReleaseConfig, req: m.WaiveRequest): void {
    actor(req);
    fullHash(req.fullHash);
    const jobs = cfg.promotions.flatMap((p) => p.criteria);
    if (!jobs.includes(req.job)) fail(`--job: ${req.job} is not a criteria job of ${cfg.release}/${cfg.distro}`);
    if (
      !Number.isInteger(req.durationSeconds) ||
      req.durationSeconds <= 0 ||
      req.durationSeconds > MAX_WAIVER_SECONDS
    ) {
      fail(`--for: expected a duration between 1s and 30d (got ${req.durationSeconds}s)`);
    }
  },
  rollback(cfg: ReleaseConfig, req: m.RollbackRequest): void {
    actor(req);
    label(cfg, req);
    kinds(req.kinds);
  },
  force(cfg: ReleaseConfig, req: m.ForcePromoteRequest): void {
    actor(req);
    label(cfg, req);
    kinds(req.kinds);
    try {
      toDlrnHash(req.hash);
    } catch (err) {
      fail(`--hash: ${(err as Error).message}`);
    }
    if (req.hash.kind !== cfg.hashKind)
      fail(`--hash: ${cfg.release} promotes ${cfg.hashKind} hashes, got ${req.hash.kind}`);
  },
  configure(cfg: ReleaseConfig, next: ReleaseConfig): void {
    if (next.release !== cfg.release || next.distro !== cfg.distro) {
      fail(`config: this controller runs ${cfg.release}/${cfg.distro}, not ${next.release}/${next.distro}`);
    }
  },
};
