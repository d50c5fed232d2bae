// promoter promote: run a promotion pass now through the release controller (as a schedule tick would), with
// --dry-run for the decision and plan only, and --watch to follow each promotion's steps.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import { releaseWorkflowId } from '../../domain/promotion.js';
import {
  promotionProgressQuery,
  runPassUpdate,
  type StageOutcome,
  type StageResult,
} from '../../workflows/contract.js';
import {
  action,
  by,
  checkLabel,
  color,
  EXIT,
  link,
  oneConfig,
  parseOptions,
  printJson,
  printPass,
  temporal,
} from '../cli-kit.js';
import { ensureController } from '../controller.js';
import { promotionLines } from '../failure-report.js';
import { progressLine, runningContainerPushes } from '../progress.js';

const Options = z.object({
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  label: z.array(z.string()).optional(),
  dryRun: z.boolean().optional(),
  watch: z.boolean().optional(),
  json: z.boolean().optional(),
  by,
});

/** Stage outcomes that mean a promotion was tried and did not land: the command exits 1. */
const FAILED = new Set<StageOutcome>(['failed', 'refused', 'failed-undone', 'failed-partly-undone']);

/** Prints each new step of the release's running promotions until stop() is called. */
function watch(release: string, distro: string): () => void {
  let stopped = false;
  const seen = new Set<string>();
  void (async () => {
    const client = await temporal();
    while (!stopped) {
      try {
        const query = `WorkflowId STARTS_WITH "promotion/${release}/${distro}/" AND ExecutionStatus = "Running"`;
        for await (const wf of client.workflow.list({ query })) {
          const steps = await client.workflow.getHandle(wf.workflowId).query(promotionProgressQuery);
          for (const s of steps) {
            const key = `${wf.workflowId}|${s.step}|${s.state}|${s.at}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const label = wf.workflowId.split('/')[3];
            console.error(color.dim(`  [${label}] ${s.step} ${s.state}${s.note ? ` — ${s.note}` : ''}`));
          }
        }
      } catch {
        // a promotion that just finished cannot be queried: the next round sees the rest
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return () => {
    stopped = true;
  };
}

export function register(program: Command): void {
  program
    .command('promote')
    .description(ABOUT.promote)
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('-l, --label <label...>', 'only these target labels')
    .option('--dry-run', 'decide and show the plan; write nothing')
    .option('--watch', 'show each promotion step as it happens')
    .option('--by <user>', 'who asks (default $USER)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(Options, raw);
        const cfg = oneConfig(o.releaseConfig, o.label?.[0], o.release);
        for (const l of o.label ?? []) checkLabel(cfg, l);
        const handle = await ensureController(cfg.release, cfg.distro);
        const stopWatch = o.watch ? watch(cfg.release, cfg.distro) : () => {};
        const prefix = `promotion/${cfg.release}/${cfg.distro}/`;
        const stopLine = progressLine({
          quiet: o.json || o.watch,
          read: runningContainerPushes(await temporal(), prefix),
        });
        const stop = () => (stopLine(), stopWatch());
        const pass = await handle
          .executeUpdate(runPassUpdate, {
            args: [{ reason: `cli promote by ${o.by}`, labels: o.label, dryRun: o.dryRun }],
          })
          .finally(stop);
        const failed = pass.stages.filter((s) => FAILED.has(s.outcome));
        if (o.json) printJson(pass);
        else {
          printPass(pass);
          for (const s of failed) {
            const p = (s as StageResult).promotion;
            for (const line of p ? promotionLines(p) : [`${s.targetLabel}: ${s.outcome}: ${s.reason}`])
              console.log(line);
          }
          console.log(link(releaseWorkflowId(cfg.release, cfg.distro)));
        }
        return failed.length ? EXIT.failed : EXIT.ok;
      }),
    );
}
