// What a run asked of Temporal, read back from every history of the namespace: workflows per type, history events
// per type, workflow tasks, activities per type, queries answered. Divided by the number of release ticks it says
// what one tick costs the server (each event is written, and each task matched and polled).
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const T = proto.temporal.api.enums.v1.EventType;
const typeName = (t: number | null | undefined) => (T[t ?? 0] ?? String(t)).replace(/^EVENT_TYPE_/, '').toLowerCase();

export interface HistoryCounts {
  workflows: Record<string, number>;
  events: number;
  eventsByType: Record<string, number>;
  workflowTasks: number;
  activities: Record<string, number>;
  /** Per release tick (divided by the number of releases). */
  perTick: { workflows: number; events: number; workflowTasks: number; activities: number };
}

export async function historyCounts(client: Client, releases: number): Promise<HistoryCounts> {
  const c: HistoryCounts = {
    workflows: {},
    events: 0,
    eventsByType: {},
    workflowTasks: 0,
    activities: {},
    perTick: { workflows: 0, events: 0, workflowTasks: 0, activities: 0 },
  };
  const runs = [];
  for await (const w of client.workflow.list()) runs.push(w);
  for (const w of runs) {
    c.workflows[w.type] = (c.workflows[w.type] ?? 0) + 1;
    const events = (await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory()).events ?? [];
    for (const e of events) {
      c.events++;
      const k = typeName(e.eventType);
      c.eventsByType[k] = (c.eventsByType[k] ?? 0) + 1;
      if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) c.workflowTasks++;
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (name) c.activities[name] = (c.activities[name] ?? 0) + 1;
    }
  }
  const per = (n: number) => Number((n / releases).toFixed(1));
  const activities = Object.values(c.activities).reduce((a, b) => a + b, 0);
  c.perTick = {
    workflows: per(runs.length),
    events: per(c.events),
    workflowTasks: per(c.workflowTasks),
    activities: per(activities),
  };
  return c;
}
