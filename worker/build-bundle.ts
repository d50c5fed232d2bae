// `npm run build`, second step: writes the workflow bundle the production worker loads (no bundling at start).
// Runs compiled (node dist/worker/build-bundle.js), so it bundles the compiled workflows of this very build.
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { bundleOptions, builtBundlePath } from './production.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
const t0 = Date.now();
const { code } = await bundleWorkflowCode({ ...bundleOptions(), logger: quiet });
writeFileSync(builtBundlePath, code);
console.log(`workflow bundle: ${builtBundlePath} (${Math.round(code.length / 1024)} KiB, ${Date.now() - t0} ms)`);
