// The main job on the sandbox (scripts/sandbox.sh runs it with the stack and a worker up): one promotion pass over
// each sandbox release's chain through its release controller, printed as a table with Web UI links.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReleaseConfig } from '../domain/config-file.js';
import type { ReleaseConfig } from '../domain/config.js';
import { isPromoterError } from '../domain/errors.js';
import { releaseWorkflowId } from '../domain/promotion.js';
import { runPassUpdate } from '../workflows/contract.js';
import { printPass, temporal } from './cli-kit.js';
import { ensureController } from './controller.js';
import { workflowUiUrl } from './connection.js';

const SANDBOX_CONFIG_DIR = fileURLToPath(new URL('../config/sandbox/', import.meta.url));

export function sandboxConfigs(dir = SANDBOX_CONFIG_DIR): ReleaseConfig[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => loadReleaseConfig(join(dir, f)));
}

async function main() {
  const configs = sandboxConfigs();
  const t0 = Date.now();
  for (const cfg of configs) {
    const workflowId = releaseWorkflowId(cfg.release, cfg.distro);
    // The release controller owns the release; the pass runs through it like a scheduled one would.
    const handle = await ensureController(cfg.release, cfg.distro);
    const pass = await handle.executeUpdate(runPassUpdate, { args: [{ reason: 'sandbox run' }] });
    console.log(`\n${cfg.release}/${cfg.distro} (${cfg.hashKind} hashes, DLRN API ${cfg.apiUrl})`);
    printPass(pass);
    const url = workflowUiUrl(workflowId);
    if (url) console.log(`  workflow: ${url}`);
  }
  console.log(`\nchain done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (process.env.TEMPORAL_UI_URL) console.log(`Temporal Web UI: ${process.env.TEMPORAL_UI_URL}`);
  console.log('Stop everything with: bash scripts/stack.sh stop');
  await (await temporal()).connection.close();
}

main().catch((err: unknown) => {
  console.error(`error: ${isPromoterError(err) || err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
