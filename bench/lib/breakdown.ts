// Where a release's pass spent its time, read back from Temporal's histories: per workflow type its wall time, and
// summed over all its tasks the time they waited for a worker (schedule-to-start) and the time they ran.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;

type Event = proto.temporal.api.history.v1.IHistoryEvent;
const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
const T = temporal.api.enums.v1.EventType;

export interface Breakdown {
  workflows: number;
  /** workflow type -> summed wall time (start to close) */
  wallMs: Record<string, number>;
  workflowTaskWaitMs: number;
  workflowTaskRunMs: number;
  activityWaitMs: number;
  /** activity type -> summed run time (started to completed) */
  activityRunMs: Record<string, number>;
  activityRetries: number;
  /** child workflow initiated -> started, summed */
  childStartMs: number;
  /** timers started (sleeps, condition timeouts) and their summed durations */
  timers: number;
}

export async function breakdown(client: Client, query: string, alsoIds: string[] = []): Promise<Breakdown> {
  const b: Breakdown = {
    workflows: 0,
    wallMs: {},
    workflowTaskWaitMs: 0,
    workflowTaskRunMs: 0,
    activityWaitMs: 0,
    activityRunMs: {},
    activityRetries: 0,
    childStartMs: 0,
    timers: 0,
  };
  const runs = [];
  for await (const w of client.workflow.list({ query })) runs.push(w);
  for (const id of alsoIds) runs.push(await client.workflow.getHandle(id).describe());
  for (const w of runs) {
    b.workflows++;
    const events = (await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
    if (w.closeTime) b.wallMs[w.type] = (b.wallMs[w.type] ?? 0) + (w.closeTime.getTime() - w.startTime.getTime());
    const byId = new Map<number, Event>();
    for (const e of events) {
      byId.set(Number(e.eventId), e);
      switch (e.eventType) {
        case T.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
          const s = byId.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId))!;
          b.workflowTaskWaitMs += ms(e) - ms(s);
          break;
        }
        case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const s = byId.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId))!;
          b.workflowTaskRunMs += ms(e) - ms(s);
          break;
        }
        case T.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
          const s = byId.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId))!;
          b.activityWaitMs += ms(e) - ms(s);
          b.activityRetries += Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
          break;
        }
        case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        case T.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
          const a = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
          const s = byId.get(Number(a?.scheduledEventId))!;
          const started = byId.get(Number(a?.startedEventId))!;
          const type = s.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
          b.activityRunMs[type] = (b.activityRunMs[type] ?? 0) + (ms(e) - ms(started));
          break;
        }
        case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
          const s = byId.get(Number(e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId))!;
          b.childStartMs += ms(e) - ms(s);
          break;
        }
        case T.EVENT_TYPE_TIMER_STARTED:
          b.timers++;
          break;
      }
    }
  }
  return b;
}

/**
 * One pass hop by hop: every event of the given workflow runs between `from` and `to` (epoch ms), in time order, as
 * "+<ms> <workflow type> <event> [<activity or child type>]". Shows which hop the time between a signal and a
 * label's move goes to (workflow tasks waiting or running, activities, child starts).
 */
export async function timeline(
  client: Client,
  runs: { workflowId: string; runId?: string }[],
  from: number,
  to: number,
): Promise<string[]> {
  const rows: [number, string][] = [];
  for (const r of runs) {
    const handle = client.workflow.getHandle(r.workflowId, r.runId);
    const type = (await handle.describe()).type;
    const byId = new Map<number, Event>();
    for (const e of (await handle.fetchHistory()).events ?? []) {
      byId.set(Number(e.eventId), e);
      const t = ms(e);
      if (t < from || t > to) continue;
      const scheduled =
        e.activityTaskStartedEventAttributes?.scheduledEventId ??
        e.activityTaskCompletedEventAttributes?.scheduledEventId;
      const what =
        e.activityTaskScheduledEventAttributes?.activityType?.name ??
        byId.get(Number(scheduled))?.activityTaskScheduledEventAttributes?.activityType?.name ??
        e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ??
        e.childWorkflowExecutionStartedEventAttributes?.workflowType?.name ??
        e.childWorkflowExecutionCompletedEventAttributes?.workflowType?.name ??
        e.markerRecordedEventAttributes?.markerName ??
        '';
      const name = T[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(e.eventType);
      rows.push([t, `${type} ${name}${what ? ` ${what}` : ''}`]);
    }
  }
  return rows.sort((a, b) => a[0] - b[0]).map(([t, s]) => `+${t - from}ms ${s}`);
}

/** When a workflow ID received its signals (epoch ms, sorted), over all its runs (continue-as-new included). */
export async function signalTimes(client: Client, workflowId: string): Promise<number[]> {
  const times: number[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    for (const e of (await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? []) {
      if (e.eventType === T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) times.push(ms(e));
    }
  }
  return times.sort((a, b) => a - b);
}
