// Activities that talk to Temporal itself: a schedule's tick reaches the long-lived release controller through
// signal-with-start (a Schedule can only start workflows); a promotion asks the controller for holds right before
// the DLRN commit; a new controller recovers the controls its terminated predecessor kept in its memo.
import { Context } from '@temporalio/activity';
import { QueryRejectedError, WorkflowClient, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { releaseWorkflowId } from '../domain/promotion.js';
import {
  evaluateSignal,
  gateQuery,
  type Controls,
  type EvaluateRequest,
  type GateAnswer,
} from '../workflows/contract.js';
import type { ReleaseRef } from './config.js';

export interface SignalControllerInput extends ReleaseRef {
  request: EvaluateRequest;
}

export function createTemporalActivities(clientFor: () => Promise<Client>) {
  return {
    /** Starts the release's controller if needed and asks it to evaluate; idempotent (evaluations coalesce). */
    async signalController({
      release,
      distro,
      request,
    }: SignalControllerInput): Promise<{ workflowId: string; runId: string }> {
      const client = await clientFor();
      const handle = await client.workflow.signalWithStart('releaseController', {
        workflowId: releaseWorkflowId(release, distro),
        taskQueue: Context.current().info.taskQueue,
        args: [{ release, distro }],
        signal: evaluateSignal,
        signalArgs: [request],
      });
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },

    /**
     * The controller's controls for one label, asked right before the DLRN commit (every promotion): one query.
     * No controller means no hold.
     */
    async checkControls({ release, distro, label }: ReleaseRef & { label: string }): Promise<GateAnswer> {
      const handle = openOnly(await clientFor()).getHandle(releaseWorkflowId(release, distro));
      try {
        return await handle.query(gateQuery, label);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { hold: null };
        if (!(err instanceof QueryRejectedError)) throw err;
        // A controller that is not running answers no query; the holds it kept in its memo still stand (a fresh
        // run takes them over).
        const d = await handle.describe();
        return { hold: holdIn(d.memo?.controls as Controls | undefined, label) };
      }
    },

    /**
     * The controls the newest closed run of this workflow ID kept in its memo (a controller that was terminated or
     * failed), for a fresh run to take over; null when there is none.
     */
    async recoverControls({ workflowId }: { workflowId: string }): Promise<Controls | null> {
      const client = await clientFor();
      const self = Context.current().info.workflowExecution?.runId;
      let best: { t: number; controls: Controls } | null = null;
      const query = `WorkflowId = '${workflowId.replace(/'/g, "\\'")}' AND ExecutionStatus != 'Running'`;
      for await (const w of client.workflow.list({ query })) {
        const controls = w.memo?.controls as Controls | undefined;
        if (w.runId === self || !controls) continue;
        const t = (w.closeTime ?? w.startTime)?.getTime() ?? 0;
        if (!best || t > best.t) best = { t, controls };
      }
      return best?.controls ?? null;
    },
  };
}

const openOnlyClients = new WeakMap<Client, WorkflowClient>();
/** Queries through it are refused by the server when the workflow is closed (instead of replaying it on a worker). */
function openOnly(client: Client): WorkflowClient {
  let c = openOnlyClients.get(client);
  if (!c) {
    const { namespace, identity } = client.options;
    c = new WorkflowClient({ connection: client.connection, namespace, identity, queryRejectCondition: 'NOT_OPEN' });
    openOnlyClients.set(client, c);
  }
  return c;
}

/** The hold on a label in a controller's memo of controls, if any. */
function holdIn(controls: Controls | undefined, label: string): GateAnswer['hold'] {
  const h = controls?.holds?.find((x) => x.label === label);
  return h ? { by: h.by, why: h.why } : null;
}
