// `promoter promote`: one promotion pass over each release's chain, run by its release controller (started if
// needed, given the current release file), printed as a table of stages.
import { Command } from 'commander';
import { WorkflowUpdateStage } from '@temporalio/client';
import { z } from 'zod';
import type { ReleaseConfig } from '../../../domain/config.js';
import { promotionWorkflowId } from '../../../domain/promotion.js';
import { runPassUpdate } from '../../../workflows/controller-messages.js';
import type { ReleasePassResult, StageSummary } from '../../../workflows/release.js';
import type { StageResult } from '../../../workflows/stage.js';
import { loadConfigs, narrow } from '../context.js';
import { controllerRef, patiently, withController } from '../controls.js';
import { ReportedFailure } from '../errors.js';
import { commonShape, defaultUser, jsonOption, label, parseOptions, releaseOptions } from '../options.js';
import { linkLine, short, tone, uiLink, type Out } from '../output.js';
import { watchController } from '../watch.js';

const schema = z.strictObject({
  ...commonShape,
  label: z.array(label).optional(),
  dryRun: z.boolean().optional(),
  watch: z.boolean().optional(),
  by: z.string().trim().min(1).optional(),
  why: z.string().trim().min(1).optional(),
});

const full = (s: StageSummary) => s as Partial<StageResult> & StageSummary;

/** The hash a stage left on its label (or would have, in a dry run). */
const after = (s: StageSummary) =>
  (s.outcome === 'promoted' || s.outcome === 'dry-run' ? full(s).selected : full(s).before) ?? null;

function printPass(
  out: Out,
  cfg: ReleaseConfig,
  pass: ReleasePassResult,
  controller: { workflowId: string; runId: string },
) {
  out.line(out.c.bold(`${cfg.release}/${cfg.distro}`));
  out.table(
    ['STAGE', 'BEFORE', 'AFTER', 'OUTCOME', 'WHY'],
    pass.stages.map((s) => [
      `${full(s).candidateLabel ?? '?'} → ${s.targetLabel}`,
      short(full(s).before, out.tty),
      short(after(s), out.tty),
      tone(out, s.outcome),
      s.reason,
    ]),
  );
  out.line(`  ${linkLine(out, 'controller', controller.workflowId, controller.runId)}`);
  for (const s of pass.stages) {
    const p = full(s).promotion;
    if (p)
      out.line(`  ${linkLine(out, 'promotion', promotionWorkflowId(cfg.release, cfg.distro, p.label, p.fullHash))}`);
  }
}

export function promoteCommand(): Command {
  return releaseOptions(
    new Command('promote')
      .description(
        'Run a promotion pass now through each release’s controller (started if needed, given the current release ' +
          'file): every stage in chain order, so a hash can travel several labels in one pass.',
      )
      .option('-l, --label <label...>', 'only these target labels (default: the whole chain)')
      .option('--dry-run', 'decide and print, move nothing')
      .option('--watch', 'print each stage and promotion step as it happens (on stderr)')
      .option('--by <user>', 'who asks (default: $USER)')
      .option('--why <reason>', 'why, added to the pass reason'),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'promote');
      const configs = narrow(loadConfigs(opts), { labels: opts.label });
      const by = opts.by ?? defaultUser();
      const reason = `cli promote by ${by}${opts.why ? `: ${opts.why}` : ''}`;
      const results = [];
      for (const cfg of configs) {
        results.push(
          await withController(cfg, opts.json, async (c) => {
            const request = { reason, labels: opts.label, dryRun: opts.dryRun ?? false };
            let pass: ReleasePassResult;
            if (opts.watch) {
              const update = await patiently(
                c.handle.startUpdate(runPassUpdate, { args: [request], waitForStage: WorkflowUpdateStage.ACCEPTED }),
                c.out,
                c.session,
              );
              const watcher = watchController(c.client, c.handle, c.out);
              try {
                pass = await update.result();
              } finally {
                await watcher.stop();
              }
              for (const s of pass.stages) {
                const p = full(s).promotion;
                if (p) watcher.flush(promotionWorkflowId(cfg.release, cfg.distro, p.label, p.fullHash), p.steps);
              }
            } else {
              pass = await patiently(c.handle.executeUpdate(runPassUpdate, { args: [request] }), c.out, c.session);
            }
            if (!c.out.json) printPass(c.out, cfg, pass, controllerRef(c));
            return {
              release: cfg.release,
              distro: cfg.distro,
              dryRun: request.dryRun,
              controller: controllerRef(c),
              stages: pass.stages,
              promotions: pass.stages.flatMap((s) => {
                const p = full(s).promotion;
                if (!p) return [];
                const workflowId = promotionWorkflowId(cfg.release, cfg.distro, p.label, p.fullHash);
                return [{ label: p.label, fullHash: p.fullHash, workflowId, webUi: uiLink(workflowId) }];
              }),
            };
          }),
        );
      }
      if (opts.json) process.stdout.write(JSON.stringify({ passes: results }, null, 2) + '\n');
      const failed = results.flatMap((r) => r.stages.filter((s) => s.outcome === 'failed').map((s) => s.targetLabel));
      if (failed.length > 0) throw new ReportedFailure(`stages failed: ${failed.join(', ')}`);
    });
}
