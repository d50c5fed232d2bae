// Update validators of the release controller: a bad request is refused before anything enters history, with a
// message that names the argument. Pure checks over the current config; before the controller first loaded its
// config (cfg null) only the shape is checked, and the handler checks again once it has one.
import type { ReleaseConfig } from '../domain/config.js';
import { toDlrnHash } from '../domain/hash.js';
import { ARTIFACT_KINDS } from '../domain/promotion.js';
import type * as m from './contract.js';

const MAX_WAIVER_SECONDS = 30 * 86400;
const FULL_HASH = /^[0-9a-f]{32,64}(_[0-9a-f]{8}){0,3}$/;
/** Reasons and names are kept in history, status and the memo: bounded. */
export const MAX_WHY = 1000;
const MAX_BY = 100;

function fail(message: string): never {
  throw new Error(message);
}

function actor(req: { by?: unknown; why?: unknown; identity?: unknown }): void {
  if (typeof req.by !== 'string' || req.by.trim() === '') fail('--by: who is asking must be given');
  if (req.by.length > MAX_BY) fail(`--by: at most ${MAX_BY} characters (got ${req.by.length})`);
  if (req.identity !== undefined && (typeof req.identity !== 'string' || req.identity.length > MAX_BY))
    fail(`identity: expected the client identity, at most ${MAX_BY} characters`);
  if (typeof req.why !== 'string' || req.why.trim() === '') fail('--why: a reason must be given');
  if (req.why.length > MAX_WHY) fail(`--why: at most ${MAX_WHY} characters (got ${req.why.length})`);
}

function label(cfg: ReleaseConfig | null, req: { label?: unknown }): void {
  if (typeof req.label !== 'string' || req.label === '') fail('--label: a target label must be given');
  if (!cfg) return;
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

type Guarded = keyof NonNullable<ReleaseConfig['allowedUsers']>;
const GUARD_KEY: Record<Guarded, string> = { forcePromote: 'force_promote', approve: 'approve', waive: 'waive' };

/** The release's allowed_users list for a control: the client identity (user@host) or its user must be on it. */
function allowed(cfg: ReleaseConfig | null, control: Guarded, req: m.Actor): void {
  const list = cfg?.allowedUsers?.[control];
  if (!cfg || !list) return;
  const id = req.identity;
  if (id && list.some((u) => u === id || u === id.split('@')[0])) return;
  fail(
    `${id ?? '(no client identity)'} may not ${GUARD_KEY[control].replace('_', '-')} on ${cfg.release}/${cfg.distro}: ` +
      `allowed_users.${GUARD_KEY[control]} is ${list.join(', ')}`,
  );
}

export const validate = {
  actor,
  label(cfg: ReleaseConfig | null, req: m.HoldRequest): void {
    actor(req);
    label(cfg, req);
  },
  labels(cfg: ReleaseConfig | null, labels: string[] | undefined): void {
    for (const l of labels ?? []) label(cfg, { label: l });
  },
  held(cfg: ReleaseConfig | null, c: m.Controls, req: m.HoldRequest): void {
    actor(req);
    label(cfg, req);
    if (!c.holds.some((h) => h.label === req.label)) fail(`--label: ${req.label} is not held`);
  },
  approve(cfg: ReleaseConfig | null, req: m.ApproveRequest): void {
    actor(req);
    label(cfg, req);
    fullHash(req.fullHash);
    allowed(cfg, 'approve', req);
  },
  unapprove(cfg: ReleaseConfig | null, c: m.Controls, req: m.UnapproveRequest): void {
    validate.approve(cfg, req);
    if (!c.approvals.some((a) => a.label === req.label && a.fullHash === req.fullHash))
      fail(`--hash: ${req.fullHash} is not approved for ${req.label}`);
  },
  unwaive(cfg: ReleaseConfig | null, c: m.Controls, req: m.UnwaiveRequest): void {
    actor(req);
    fullHash(req.fullHash);
    allowed(cfg, 'waive', req);
    if (!c.waivers.some((w) => w.job === req.job && w.fullHash === req.fullHash))
      fail(`--hash: no waiver of ${String(req.job)} for ${req.fullHash} is in force`);
  },
  waive(cfg: ReleaseConfig | null, req: m.WaiveRequest): void {
    actor(req);
    fullHash(req.fullHash);
    allowed(cfg, 'waive', req);
    const jobs = cfg?.promotions.flatMap((p) => p.criteria) ?? [req.job];
    if (typeof req.job !== 'string' || !jobs.includes(req.job))
      fail(`--job: ${String(req.job)} is not a criteria job of ${cfg?.release}/${cfg?.distro}`);
    if (
      !Number.isInteger(req.durationSeconds) ||
      req.durationSeconds <= 0 ||
      req.durationSeconds > MAX_WAIVER_SECONDS
    ) {
      fail(`--for: expected a duration between 1s and 30d (got ${req.durationSeconds}s)`);
    }
  },
  rollback(cfg: ReleaseConfig | null, req: m.RollbackRequest): void {
    actor(req);
    label(cfg, req);
    kinds(req.kinds);
  },
  force(cfg: ReleaseConfig | null, req: m.ForcePromoteRequest): void {
    actor(req);
    label(cfg, req);
    kinds(req.kinds);
    try {
      toDlrnHash(req.hash);
    } catch (err) {
      fail(`--hash: ${(err as Error).message}`);
    }
    if (cfg && req.hash.kind !== cfg.hashKind)
      fail(`--hash: ${cfg.release} promotes ${cfg.hashKind} hashes, got ${req.hash.kind}`);
    allowed(cfg, 'forcePromote', req);
  },
  clearRefusal(cfg: ReleaseConfig | null, c: m.Controls, req: m.ClearRefusalRequest): void {
    actor(req);
    label(cfg, req);
    fullHash(req.fullHash);
    if (!c.refusals.some((r) => r.label === req.label && r.fullHash === req.fullHash)) {
      fail(`--hash: no refusal of ${req.fullHash} for ${req.label} is remembered`);
    }
  },
};
