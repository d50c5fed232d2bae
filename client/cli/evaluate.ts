// The reads behind `status` and `explain`: the same DLRN gathering and the same decision a stage makes, computed in
// this process (no Temporal needed), with the controller's controls (waivers, holds, approvals) when it runs.
import type { ReleaseConfig, PromotionConfig } from '../../domain/config.js';
import { decide, type Decision, type DecisionInput, type Waiver } from '../../domain/engine.js';
import { fullHash } from '../../domain/hash.js';
import { gate, type GateVerdict } from '../../domain/policy.js';
import { promotionFor } from '../../domain/promotion.js';
import type { ApprovalRecord, HoldRecord } from '../../workflows/controller-messages.js';
import type { ControllerView } from '../controller-client.js';
import type { Session } from './context.js';

export interface LabelEvaluation {
  promotion: PromotionConfig;
  input: DecisionInput;
  decision: Decision;
  current: { fullHash: string; promotedAt: number | null } | null;
}

export interface LabelControls {
  /** `hold: true` in the release file. */
  configHold: boolean;
  hold: HoldRecord | null;
  approvals: ApprovalRecord[];
  waivers: Waiver[];
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The controller's waivers as the engine reads them (all of them: a waiver names its job and hash). */
export function waiversOf(view: ControllerView | null): Waiver[] {
  return (view?.status?.controls.waivers ?? []).map((w) => ({
    job: w.job,
    fullHash: w.fullHash,
    expiresAt: w.expiresAt,
    by: w.by,
    reason: w.why,
  }));
}

export function controlsOf(cfg: ReleaseConfig, label: string, view: ControllerView | null): LabelControls {
  const c = view?.status?.controls;
  const p = promotionFor(cfg, label);
  const jobs = new Set(p.criteria);
  return {
    configHold: p.hold,
    hold: c?.holds.find((h) => h.label === label) ?? null,
    approvals: c?.approvals.filter((a) => a.label === label) ?? [],
    waivers: waiversOf(view).filter((w) => jobs.has(w.job)),
  };
}

export async function evaluateLabel(
  session: Session,
  cfg: ReleaseConfig,
  label: string,
  waivers: Waiver[],
  now: number,
): Promise<LabelEvaluation> {
  const p = promotionFor(cfg, label);
  const gathered = await session.dlrnActivities().gatherCandidates({
    apiUrl: cfg.apiUrl,
    hashKind: cfg.hashKind,
    candidateLabel: p.candidateLabel,
    targetLabel: p.targetLabel,
    lookBack: cfg.latestHashesCount,
  });
  const input: DecisionInput = {
    candidateLabel: p.candidateLabel,
    targetLabel: p.targetLabel,
    ...gathered,
    criteria: p.criteria,
    alternativeCriteria: p.alternativeCriteria,
    waivers,
    now,
  };
  const decision = decide(input);
  const head = gathered.targetHistory[0];
  const current = decision.currentTarget
    ? { fullHash: fullHash(decision.currentTarget), promotedAt: head?.timestamp ?? null }
    : null;
  return { promotion: p, input, decision, current };
}

/** What would hold back a hash whose criteria are met: hold, soak, window, approval (the stage's gate). */
export function gateFor(
  p: PromotionConfig,
  hash: string,
  candidateSince: number | null,
  controls: LabelControls,
  now: number,
): GateVerdict | null {
  return gate({
    promotion: p,
    fullHash: hash,
    candidateSince,
    held: controls.hold ? { by: controls.hold.by, why: controls.hold.why } : null,
    approved: controls.approvals.some((a) => a.fullHash === hash),
    now,
  });
}
