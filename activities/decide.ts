// The stage's decision as one activity: gather from DLRN and run the pure engine on the worker, return a bounded
// summary. The workflow passes `now` (workflow time) and the controls, so the answer is the same on a retry with
// the same DLRN state; the votes and their URLs never enter workflow history.
import type { DlrnClient } from '../integrations/dlrn.js';
import { decide, type Gates, type Refusal, type Waiver } from '../domain/engine.js';
import { fullHash } from '../domain/hash.js';
import { summarize, type StageDecision } from '../domain/decision-summary.js';
import type { GatherInput, GatherResult } from './dlrn.js';
import { gather } from './dlrn-gather.js';
import { observeDecision } from './metrics.js';

export interface DecideStageInput extends GatherInput {
  criteria: string[];
  alternativeCriteria: Record<string, string[]>;
  waivers: Waiver[];
  refused: Refusal[];
  gates: Gates;
  inProgressTimeoutSeconds: number;
  /** Epoch seconds, workflow time. */
  now: number;
}

/** The pure half of decideStage: the engine over what was gathered, summarized for history. */
export function decideOn(input: DecideStageInput, gathered: GatherResult): StageDecision {
  const decision = decide({
    candidateLabel: input.candidateLabel,
    targetLabel: input.targetLabel,
    ...gathered,
    criteria: input.criteria,
    alternativeCriteria: input.alternativeCriteria,
    waivers: input.waivers,
    refused: input.refused,
    gates: input.gates,
    inProgressTimeoutSeconds: input.inProgressTimeoutSeconds,
    now: input.now,
  });
  return summarize(decision, decision.currentTarget ? fullHash(decision.currentTarget) : null);
}

export function createDecideActivities(dlrnFor: (apiUrl: string) => DlrnClient) {
  return {
    async decideStage(input: DecideStageInput): Promise<StageDecision> {
      const started = performance.now();
      // The summary never shows a vote's URL: not read (half the bytes DLRN sends for the votes).
      const gathered = await gather(dlrnFor(input.apiUrl), input, { urls: false });
      const decision = decideOn(input, gathered);
      const seconds = (performance.now() - started) / 1000;
      observeDecision({ ...input, decision, targetHistory: gathered.targetHistory, seconds });
      return decision;
    },
  };
}
