// --watch: while an update runs on the controller, follow what it does — the job it runs (status query), the
// stages of a pass and the steps of each promotion (promotionProgressQuery) — printing each new line once.
import type { Client } from '@temporalio/client';
import { statusQuery } from '../../workflows/controller-messages.js';
import { promotionProgressQuery, type StepRecord } from '../../workflows/promotion.js';
import type { ControllerHandle } from '../controller-client.js';
import { linkLine, type Out } from './output.js';

const POLL_MS = 500;

/** Running children of a workflow (the pass's stages, a stage's promotion). */
async function runningChildren(client: Client, workflowId: string): Promise<string[]> {
  const d = await client.workflow.getHandle(workflowId).describe();
  return (d.raw.pendingChildren ?? []).map((c) => c.workflowId ?? '').filter((id) => id !== '');
}

export interface Watcher {
  stop(): Promise<void>;
  /** Prints the steps of a finished promotion that the polls did not see. */
  flush(promotionId: string, records: StepRecord[]): void;
}

/** Starts polling; stop() ends it after the poll in flight. Poll errors are ignored: the next poll retries. */
export function watchController(client: Client, controller: ControllerHandle, out: Out): Watcher {
  const seen = new Set<string>();
  const steps = new Map<string, number>();
  const say = (key: string, text: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.note(text);
  };
  const printSteps = (promotionId: string, records: StepRecord[]) => {
    const label = promotionId.split('/')[3] ?? promotionId;
    for (const r of records.slice(steps.get(promotionId) ?? 0)) {
      out.note(`  [${label}] ${r.step} ${r.state}${r.note ? ` — ${r.note}` : ''}`);
    }
    steps.set(promotionId, records.length);
  };
  const poll = async () => {
    const st = await controller.query(statusQuery);
    const running = st.running;
    if (!running?.workflowId) return;
    say(`job:${running.workflowId}`, `${out.c.bold(running.reason)}: ${linkLine(out, 'workflow', running.workflowId)}`);
    const promotions: string[] = [];
    if (running.workflowId.startsWith('promotion/')) promotions.push(running.workflowId);
    else {
      for (const stageId of await runningChildren(client, running.workflowId)) {
        say(`stage:${stageId}`, `  evaluating ${stageId}`);
        for (const id of await runningChildren(client, stageId)) {
          if (id.startsWith('promotion/')) promotions.push(id);
        }
      }
    }
    for (const id of promotions) {
      say(`promotion:${id}`, `  ${linkLine(out, 'promotion', id)}`);
      printSteps(id, await client.workflow.getHandle(id).query(promotionProgressQuery));
    }
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await poll().catch(() => undefined);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    flush(promotionId, records) {
      say(`promotion:${promotionId}`, `  ${linkLine(out, 'promotion', promotionId)}`);
      printSteps(promotionId, records);
    },
  };
}
