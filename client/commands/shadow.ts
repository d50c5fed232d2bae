// promoter shadow start|report|stop: run this promoter beside the old one without writing anything, and compare
// what it would have chosen with every label move DLRN shows.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import { shadowWorkflowId } from '../../domain/promotion.js';
import { shadowReportQuery, type ShadowReport } from '../../workflows/contract.js';
import { temporalSettings } from '../connection.js';
import { action, color, link, oneConfig, parseOptions, printJson, shortHash, temporal, when } from '../cli-kit.js';

const cfgOpts = { releaseConfig: z.array(z.string()).optional(), release: z.string().optional() };
const StartOptions = z.object({
  ...cfgOpts,
  poll: z.coerce.number({ error: 'expected seconds' }).int().min(1).max(86_400),
});
const ReportOptions = z.object({ ...cfgOpts, json: z.boolean().optional() });

export function register(program: Command): void {
  const shadow = program.command('shadow').description(ABOUT.shadow);
  const withConfig = (c: Command) =>
    c
      .option('-c, --release-config <file...>', 'release files (default: every *.yaml in $PROMOTER_CONFIG_DIR)')
      .option('-r, --release <release>', 'pick the release among several configs');

  withConfig(shadow.command('start').description("start the release's shadow workflow (no-op if it runs)"))
    .option('--poll <seconds>', 'how often to look at DLRN', '300')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(StartOptions, raw);
        const cfg = oneConfig(o.releaseConfig, undefined, o.release);
        const workflowId = shadowWorkflowId(cfg.release, cfg.distro);
        await (
          await temporal()
        ).workflow.start('shadow', {
          taskQueue: temporalSettings().taskQueue,
          workflowId,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ config: cfg, pollSeconds: o.poll }],
          staticSummary: `shadow promoter of ${cfg.release}/${cfg.distro} (no writes)`,
        });
        console.log(`shadowing ${cfg.release}/${cfg.distro} every ${o.poll}s`);
        console.log(link(workflowId));
      }),
    );

  withConfig(shadow.command('report').description('agreements and every disagreement, with both explanations'))
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(ReportOptions, raw);
        const cfg = oneConfig(o.releaseConfig, undefined, o.release);
        const handle = (await temporal()).workflow.getHandle(shadowWorkflowId(cfg.release, cfg.distro));
        const r = await handle.query(shadowReportQuery);
        if (o.json) return printJson(r);
        printReport(r);
      }),
    );

  withConfig(shadow.command('stop').description("stop the release's shadow workflow")).action(
    action(async (raw: unknown) => {
      const o = parseOptions(z.object(cfgOpts), raw);
      const cfg = oneConfig(o.releaseConfig, undefined, o.release);
      await (await temporal()).workflow.getHandle(shadowWorkflowId(cfg.release, cfg.distro)).cancel();
      console.log(`shadow of ${cfg.release}/${cfg.distro} stopped`);
    }),
  );
}

function printReport(r: ShadowReport): void {
  console.log(
    `${r.release}/${r.distro}: shadowing since ${when(r.since)}, ${r.polls} polls: ` +
      `${color.ok(`${r.agreements} agreed`)}, ${r.disagreements ? color.bad(`${r.disagreements} disagreed`) : '0 disagreed'}`,
  );
  if (r.lastError) console.log(`${color.bad('last poll failed:')} ${r.lastError}`);
  for (const x of r.records) {
    const head = `${when(x.movedAt)} ${x.targetLabel} <- ${shortHash(x.theirs)} by ${x.by ?? '?'}`;
    if (x.agree) {
      console.log(`  ${color.ok('agree')}     ${head}: ${x.ourReason}`);
      continue;
    }
    console.log(`  ${color.bad('disagree')}  ${head}`);
    console.log(`    theirs: ${x.theirs} (${x.theirStatus}): ${x.theirReason}`);
    console.log(`    ours:   ${x.ours ?? '(no promotion)'}: ${x.ourReason}`);
  }
}
