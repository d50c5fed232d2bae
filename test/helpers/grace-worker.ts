// The production worker (worker/main.ts: runWorker and its shutdown settings) running one slow step, for the
// shutdown test: it prints "step started" when the step runs, and the step heartbeats until it finishes or is
// cancelled.
import { Context } from '@temporalio/activity';
import { fileURLToPath } from 'node:url';
import type { Activities } from '../../activities/index.js';
import { runWorker } from '../../worker/main.js';
import type { GraceActivities } from '../workflows/grace-step.js';

const activities: GraceActivities = {
  async graceStep(ms) {
    const ctx = Context.current();
    console.log('step started');
    const end = Date.now() + ms;
    while (Date.now() < end) {
      ctx.heartbeat();
      await ctx.sleep(200); // rejects when the worker cancels the step
    }
    return 'finished';
  },
};

runWorker(activities as unknown as Activities, {
  workflowsPath: fileURLToPath(new URL('../workflows/grace-step.ts', import.meta.url)),
}).then(
  () => console.log('worker stopped'),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
