// Shadow mode's one activity: find the label moves DLRN shows since the last look, and for each, what this promoter
// would have chosen at that moment. Reads only (GET promotions, repo_status, agg_status); it decides with the pure
// engine on the DLRN rows and votes as they stood at the move, so only its small verdicts travel through history.
import type { DlrnClient, Promotion } from '../integrations/dlrn.js';
import { decide, explainHash, type DecisionInput, type JobVote, type PromotionRecord } from '../domain/engine.js';
import { fullHash, hashFromPromotion } from '../domain/hash.js';
import type { ShadowRecord } from '../workflows/contract.js';
import { beat, hashQuery, ofKind, safeFullHash, toRecord } from './dlrn.js';

export interface ShadowStage {
  candidateLabel: string;
  targetLabel: string;
  criteria: string[];
  alternativeCriteria?: Record<string, string[]>;
}

/** The newest move already judged on a label; absent = not looked at yet (start from its current head). */
export interface Watermark {
  timestamp: number;
  fullHash: string;
}

export interface ObserveMovesInput {
  apiUrl: string;
  hashKind: 'commit' | 'aggregate';
  lookBack: number;
  stages: ShadowStage[];
  watermarks: Record<string, Watermark | null>;
  /** At most this many moves per label per call (the rest wait for the next call). */
  maxMoves?: number;
}

export interface ObserveMovesResult {
  watermarks: Record<string, Watermark | null>;
  records: ShadowRecord[];
}

const PAGE = 100;

const mark = (row: Promotion): Watermark => ({ timestamp: row.timestamp, fullHash: safeFullHash(toRecord(row)) ?? '' });
const isMark = (row: Promotion, w: Watermark) =>
  row.timestamp === w.timestamp && safeFullHash(toRecord(row)) === w.fullHash;

/** Rows of a label, newest first (DLRN orders by promotion id), of the release's hash kind, `pages` pages at most. */
async function labelRows(dlrn: DlrnClient, label: string, kind: ObserveMovesInput['hashKind'], pages: number) {
  const rows: Promotion[] = [];
  for (let offset = 0; offset < pages * PAGE; offset += PAGE) {
    const page = await dlrn.promotions({ promote_name: label, offset, limit: PAGE });
    rows.push(...page.filter(ofKind(kind)));
    if (page.length < PAGE) break;
  }
  return rows;
}

/** The engine's input as DLRN stood when `move` happened: `older` are the target's rows before it, newest first. */
async function inputAt(
  dlrn: DlrnClient,
  input: ObserveMovesInput,
  stage: ShadowStage,
  move: Promotion,
  older: Promotion[],
): Promise<DecisionInput> {
  const at = move.timestamp;
  const candidatePromotions: PromotionRecord[] = [];
  const seen = new Set<string>();
  for (let offset = 0; seen.size < input.lookBack; offset += PAGE) {
    const page = await dlrn.promotions({ promote_name: stage.candidateLabel, offset, limit: PAGE });
    for (const row of page.filter(ofKind(input.hashKind)).filter((r) => r.timestamp <= at)) {
      const key = safeFullHash(toRecord(row)) ?? `malformed-${candidatePromotions.length}`;
      if (!seen.has(key) && seen.size >= input.lookBack) break;
      seen.add(key);
      candidatePromotions.push(toRecord(row));
    }
    if (page.length < PAGE) break;
  }
  const targetHistory = older.map(toRecord);
  const onTarget = new Set(targetHistory.map(safeFullHash));
  // Votes (as they were at the move) only for candidates newer than anything the target had.
  const votes: Record<string, JobVote[]> = {};
  for (const rec of candidatePromotions) {
    const key = safeFullHash(rec);
    if (key === null || key in votes) continue;
    if (onTarget.has(key)) break;
    const h = hashFromPromotion(rec);
    const rows =
      h.kind === 'aggregate'
        ? await dlrn.aggStatus({ aggregate_hash: h.aggregateHash })
        : await dlrn.repoStatus(hashQuery(h) as { commit_hash: string; distro_hash: string });
    votes[key] = rows
      .filter((v) => v.timestamp <= at)
      .map((v) => ({ job_id: v.job_id, success: v.success, in_progress: v.in_progress, timestamp: v.timestamp }));
  }
  return {
    candidateLabel: stage.candidateLabel,
    targetLabel: stage.targetLabel,
    candidatePromotions,
    targetHistory,
    votes,
    criteria: stage.criteria,
    alternativeCriteria: stage.alternativeCriteria,
    now: at,
  };
}

/** Our verdict on one move. */
export function judge(decisionInput: DecisionInput, move: Promotion): Omit<ShadowRecord, 'by' | 'movedAt'> {
  const theirs = fullHash(hashFromPromotion(move));
  const d = decide(decisionInput);
  const selected = d.candidates.find((c) => c.status === 'selected');
  const waiting = d.candidates.find((c) => c.status === 'in_progress' || c.status === 'missing_jobs');
  const ourReason = selected
    ? selected.reason
    : waiting
      ? `nothing to promote: newest candidate ${waiting.fullHash}: ${waiting.reason}`
      : `nothing to promote: no candidate newer than ${decisionInput.targetLabel}'s current hash`;
  const their = explainHash(decisionInput, theirs);
  return {
    targetLabel: decisionInput.targetLabel,
    candidateLabel: decisionInput.candidateLabel,
    theirs,
    ours: d.selectedFullHash,
    agree: d.selectedFullHash === theirs,
    ourReason,
    theirStatus: their.status,
    theirReason: their.reason,
  };
}

export function createShadowActivities(dlrnFor: (apiUrl: string) => DlrnClient) {
  return {
    /** New moves of each stage's target label since its watermark, oldest first, each with our verdict. */
    async observeMoves(input: ObserveMovesInput): Promise<ObserveMovesResult> {
      const dlrn = dlrnFor(input.apiUrl);
      const watermarks = { ...input.watermarks };
      const records: ShadowRecord[] = [];
      for (const stage of input.stages) {
        const label = stage.targetLabel;
        let rows = await labelRows(dlrn, label, input.hashKind, 1);
        if (!(label in watermarks)) {
          watermarks[label] = rows[0] ? mark(rows[0]) : null;
          continue;
        }
        const w = watermarks[label] ?? null;
        const seenAt = w === null ? rows.length : rows.findIndex((r) => isMark(r, w));
        if (seenAt === 0 || (w === null && rows.length === 0)) continue;
        // Something moved: read enough of the target's history for the candidate window's no-regression check.
        rows = await labelRows(dlrn, label, input.hashKind, 10);
        const at = w === null ? rows.length : rows.findIndex((r) => isMark(r, w));
        const fresh = at === -1 ? rows.length : at;
        // Oldest first, so the watermark only ever moves forward.
        const indexes = Array.from({ length: fresh }, (_, i) => fresh - 1 - i).slice(0, input.maxMoves ?? 10);
        for (const i of indexes) {
          const move = rows[i]!;
          watermarks[label] = mark(move);
          // A row that names no valid hash is nobody's choice to judge; the engine reports such rows elsewhere.
          const theirs = safeFullHash(toRecord(move));
          if (theirs === null) continue;
          beat(`judging ${label} -> ${theirs}`);
          const decisionInput = await inputAt(dlrn, input, stage, move, rows.slice(i + 1));
          records.push({ ...judge(decisionInput, move), movedAt: move.timestamp, by: move.user ?? null });
        }
      }
      return { watermarks, records };
    },
  };
}
