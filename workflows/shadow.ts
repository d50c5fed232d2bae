// Shadow mode: one long-lived workflow per release (ID shadow/<release>/<distro>) that runs beside the old
// promoter and never writes. On a durable timer it asks DLRN which labels someone else moved, and records what this
// promoter would have chosen at that moment and why; `promoter shadow report` reads the records by query.
import {
  ActivityFailure,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { Watermark } from '../activities/shadow.js';
import type { ReleaseConfig } from '../domain/config.js';
import { NON_RETRYABLE_ERROR_CODES } from '../domain/errors.js';
import { shadowReportQuery, type ShadowRecord, type ShadowReport } from './contract.js';

export interface ShadowState {
  since: number;
  polls: number;
  agreements: number;
  disagreements: number;
  records: ShadowRecord[];
  watermarks: Record<string, Watermark | null>;
  lastError: string | null;
}

export interface ShadowInput {
  config: ReleaseConfig;
  /** How often to look at DLRN; default 5 minutes. */
  pollSeconds?: number;
  state?: ShadowState;
}

const RECORDS_KEEP = 200;
const POLLS_PER_RUN = 500;

const { observeMoves } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_CODES],
  },
});

export async function shadow(input: ShadowInput): Promise<void> {
  const cfg = input.config;
  const state: ShadowState = input.state ?? {
    since: Math.floor(Date.now() / 1000),
    polls: 0,
    agreements: 0,
    disagreements: 0,
    records: [],
    watermarks: {},
    lastError: null,
  };
  setHandler(shadowReportQuery, (): ShadowReport => ({ release: cfg.release, distro: cfg.distro, ...report(state) }));
  for (let i = 0; i < POLLS_PER_RUN; i++) {
    try {
      const seen = await observeMoves({
        apiUrl: cfg.apiUrl,
        hashKind: cfg.hashKind,
        lookBack: cfg.latestHashesCount,
        stages: cfg.promotions.map((p) => ({
          candidateLabel: p.candidateLabel,
          targetLabel: p.targetLabel,
          criteria: p.criteria,
          alternativeCriteria: p.alternativeCriteria,
        })),
        watermarks: state.watermarks,
      });
      state.watermarks = seen.watermarks;
      const agreed = seen.records.filter((r) => r.agree).length;
      state.agreements += agreed;
      state.disagreements += seen.records.length - agreed;
      state.records = [...state.records, ...seen.records].slice(-RECORDS_KEEP);
      state.lastError = null;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // DLRN unreachable for a while: say so in the report and look again at the next poll.
      const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
      state.lastError = cause instanceof Error ? cause.message : String(cause);
    }
    state.polls++;
    await sleep((input.pollSeconds ?? 300) * 1000);
  }
  await continueAsNew<typeof shadow>({ ...input, state });
}

function report(state: ShadowState): Omit<ShadowReport, 'release' | 'distro'> {
  const { since, polls, agreements, disagreements, records, lastError } = state;
  return { since, polls, agreements, disagreements, records, lastError };
}
