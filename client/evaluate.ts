// Read-only evaluation of a stage from the client side, with the same activities code and pure engine the workflows
// use (no Temporal needed): what `status` and `explain` show. The controller's controls are added when it runs.
import { DlrnClient } from '../integrations/dlrn.js';
import { createDlrnActivities, votesOf } from '../activities/dlrn.js';
import type { ReleaseConfig } from '../domain/config.js';
import {
  decide,
  evaluateVotes,
  explainHash,
  rulesOf,
  type CandidateExplanation,
  type Decision,
  type DecisionInput,
} from '../domain/engine.js';
import type { JobPicture } from '../domain/votes.js';
import { ErrorCode, isPromoterError } from '../domain/errors.js';
import { fullHash } from '../domain/hash.js';
import type { GateVerdict } from '../domain/policy.js';
import { promotionFor, releaseWorkflowId } from '../domain/promotion.js';
import { statusQuery, type ControllerStatus } from '../workflows/contract.js';
import { shown, temporal, usage } from './cli-kit.js';

export const dlrnActivities = (cfg: ReleaseConfig) => createDlrnActivities(() => DlrnClient.fromEnv(cfg.apiUrl));

/** The controller's status, or null when it is not running (yet). */
export async function controllerStatus(cfg: ReleaseConfig): Promise<ControllerStatus | null> {
  try {
    const client = await temporal();
    return await client.workflow.getHandle(releaseWorkflowId(cfg.release, cfg.distro)).query(statusQuery);
  } catch {
    return null;
  }
}

export interface StageView {
  targetLabel: string;
  candidateLabel: string;
  current: { fullHash: string | null; promotedAt: number | null };
  selected: string | null;
  /** What holds the selected hash back (hold, soak, window, approval), if anything. */
  gate: GateVerdict | null;
  candidates: CandidateExplanation[];
  input: DecisionInput;
  decision: Decision;
}

export async function evaluateStage(
  cfg: ReleaseConfig,
  label: string,
  ctl: ControllerStatus | null,
): Promise<StageView> {
  const p = promotionFor(cfg, label);
  const dlrn = dlrnActivities(cfg);
  const now = Math.floor(Date.now() / 1000);
  const gathered = await dlrn.gatherCandidates({
    apiUrl: cfg.apiUrl,
    hashKind: cfg.hashKind,
    candidateLabel: p.candidateLabel,
    targetLabel: p.targetLabel,
    lookBack: cfg.latestHashesCount,
  });
  const hold = ctl?.controls.holds.find((h) => h.label === label) ?? null;
  const input: DecisionInput = {
    candidateLabel: p.candidateLabel,
    targetLabel: p.targetLabel,
    ...gathered,
    criteria: p.criteria,
    alternativeCriteria: p.alternativeCriteria,
    waivers: (ctl?.controls.waivers ?? []).map((w) => ({
      job: w.job,
      fullHash: w.fullHash,
      expiresAt: w.expiresAt,
      by: w.by,
      reason: w.why,
    })),
    refused: (ctl?.controls.refusals ?? []).filter((r) => r.label === label),
    gates: {
      promotion: p,
      held: hold && { by: hold.by, why: hold.why },
      approved: (ctl?.controls.approvals ?? []).filter((a) => a.label === label).map((a) => a.fullHash),
    },
    inProgressTimeoutSeconds: cfg.inProgressTimeoutSeconds,
    now,
  };
  const decision = decide(input);
  const verdict =
    decision.gate ??
    (!decision.selectedFullHash && (hold || p.hold)
      ? {
          outcome: 'held' as const,
          reason: hold ? `held by ${hold.by}: ${hold.why}` : 'held in the release config',
          wakeAt: null,
        }
      : null);
  const head = gathered.targetHistory[0];
  return {
    targetLabel: label,
    candidateLabel: p.candidateLabel,
    current: {
      fullHash: decision.currentTarget ? fullHash(decision.currentTarget) : null,
      promotedAt: head?.timestamp ?? null,
    },
    selected: decision.selectedFullHash ?? (verdict ? decision.waitingFullHash : null),
    gate: verdict,
    candidates: decision.candidates,
    input,
    decision,
  };
}

export interface HashExplanation {
  explanation: CandidateExplanation;
  /**
   * The jobs of a hash the decision did not evaluate (older than the current hash), read from DLRN for this
   * explanation: information, never a verdict. null when not read (not a candidate, malformed).
   */
  informationalJobs: JobPicture[] | null;
}

/** Explains one hash, fetching its votes when the decision had no reason to. */
export async function explainStageHash(
  cfg: ReleaseConfig,
  stage: StageView,
  hashKey: string,
): Promise<HashExplanation> {
  const explanation = explainHash(stage.input, hashKey);
  if (explanation.evaluated || explanation.hash === null) return { explanation, informationalJobs: null };
  const dlrn = DlrnClient.fromEnv(cfg.apiUrl);
  try {
    const votes = await votesOf(dlrn, explanation.hash);
    return { explanation, informationalJobs: evaluateVotes(votes, hashKey, rulesOf(stage.input)).jobs };
  } catch (err) {
    if (isPromoterError(err, ErrorCode.DlrnNotFound)) return { explanation, informationalJobs: null };
    throw err;
  } finally {
    dlrn.close();
  }
}

export { explainHash };

/**
 * Refuses a hash that no stage of these labels has as a candidate in DLRN (a typo, a purged build, a hash of
 * another release): approving or waiving it could never let anything through.
 */
export async function checkCandidate(cfg: ReleaseConfig, labels: string[], hashKey: string): Promise<void> {
  const where: string[] = [];
  for (const label of labels) {
    const stage = await evaluateStage(cfg, label, null);
    if (stage.candidates.some((c) => c.fullHash === hashKey)) return;
    where.push(`the ${stage.input.candidatePromotions.length} latest promotions of ${stage.candidateLabel}`);
  }
  throw usage(
    `--hash: ${shown(hashKey)} is not a candidate in DLRN ${cfg.apiUrl}: not among ${where.join(' nor ')}`,
    'copy the full_hash from `promoter status --json` or `promoter promotions --label <candidate label>`',
  );
}
