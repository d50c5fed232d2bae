// The main job on the sandbox (scripts/sandbox.sh runs it with the stack and a worker up): one promotion pass over
// each sandbox release's chain through its release controller, printed as a table with Web UI links.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReleaseConfig } from '../domain/config-file.js';
import type { ReleaseConfig } from '../domain/config.js';
import { isPromoterError } from '../domain/errors.js';
import { stageOrder } from '../domain/config.js';
import { releaseWorkflowId } from '../domain/promotion.js';
import { configureUpdate, runPassUpdate } from '../workflows/controller-messages.js';
import { releaseController } from '../workflows/index.js';
import type { StageResult } from '../workflows/stage.js';
import { Distro, Release } from '../workflows/search-attributes.js';
import { connectClient, temporalSettings, workflowUiUrl } from './connection.js';

const SANDBOX_CONFIG_DIR = fileURLToPath(new URL('../config/sandbox/', import.meta.url));

export function sandboxConfigs(dir = SANDBOX_CONFIG_DIR): ReleaseConfig[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => loadReleaseConfig(join(dir, f)));
}

async function main() {
  const configs = sandboxConfigs();
  const settings = temporalSettings();
  const client = await connectClient(settings);
  const t0 = Date.now();
  for (const cfg of configs) {
    const workflowId = releaseWorkflowId(cfg.release, cfg.distro);
    // The release controller owns the release; the pass runs through it like a scheduled one would.
    const handle = await client.workflow.start(releaseController, {
      taskQueue: settings.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ config: cfg }],
      staticSummary: `release controller of ${cfg.release}/${cfg.distro}: ${stageOrder(cfg).join(' → ')}`,
      typedSearchAttributes: [
        { key: Release, value: cfg.release },
        { key: Distro, value: cfg.distro },
      ],
    });
    await handle.executeUpdate(configureUpdate, { args: [cfg] });
    const pass = await handle.executeUpdate(runPassUpdate, { args: [{ reason: 'sandbox run' }] });
    console.log(`\n${cfg.release}/${cfg.distro} (${cfg.hashKind} hashes, DLRN API ${cfg.apiUrl})`);
    printTable(
      ['STAGE', 'BEFORE', 'AFTER', 'OUTCOME', 'WHY'],
      pass.stages.map((s) => {
        const st = s as Partial<StageResult> & { targetLabel: string; outcome: string; reason: string };
        const after = st.outcome === 'promoted' ? st.selected : st.before;
        return [
          `${st.candidateLabel ?? '?'} → ${st.targetLabel}`,
          short(st.before ?? null),
          short(after ?? null),
          st.outcome,
          st.reason,
        ];
      }),
    );
    const url = workflowUiUrl(workflowId, handle.firstExecutionRunId);
    if (url) console.log(`  workflow: ${url}`);
  }
  console.log(`\nchain done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (process.env.TEMPORAL_UI_URL) console.log(`Temporal Web UI: ${process.env.TEMPORAL_UI_URL}`);
  console.log('Stop everything with: bash scripts/stack.sh stop');
  await client.connection.close();
}

const short = (h: string | null) => (h ? (h.length > 20 ? `${h.slice(0, 17)}…` : h) : '-');

function printTable(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows])
    console.log(
      '  ' +
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
    );
}

main().catch((err: unknown) => {
  console.error(`error: ${isPromoterError(err) || err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
