// Activities that talk to Temporal itself: a schedule's tick reaches the long-lived release controller through
// signal-with-start (a Schedule can only start workflows).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { releaseWorkflowId } from '../domain/promotion.js';
import type { ReleaseConfig } from '../domain/config.js';
import { evaluateSignal, type EvaluateRequest } from '../workflows/contract.js';

export interface SignalControllerInput {
  config: ReleaseConfig;
  request: EvaluateRequest;
}

export function createTemporalActivities(clientFor: () => Promise<Client>) {
  return {
    /** Starts the release's controller if needed and asks it to evaluate; idempotent (evaluations coalesce). */
    async signalController({ config, request }: SignalControllerInput): Promise<{ workflowId: string; runId: string }> {
      const client = await clientFor();
      const handle = await client.workflow.signalWithStart('releaseController', {
        workflowId: releaseWorkflowId(config.release, config.distro),
        taskQueue: Context.current().info.taskQueue,
        args: [{ config }],
        signal: evaluateSignal,
        signalArgs: [request],
      });
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
  };
}
