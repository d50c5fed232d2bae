// The production worker with no workflow cache: every workflow task replays the history from the start, so a log
// line or metric that a replay emitted again would show up twice (test/integration/observe.test.ts).
import { runWorker } from '../../worker/main.js';

const bundle = process.env.WORKFLOW_BUNDLE_PATH;
runWorker(undefined, {
  maxCachedWorkflows: 0,
  ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
}).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
