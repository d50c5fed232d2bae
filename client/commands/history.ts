// promoter history: the release controller's audit log (every control, refusal, waiver expiry and config change,
// with who, the client identity and why), oldest first; --label keeps what concerns one target label, waivers of
// its criteria jobs included.
import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { ReleaseConfig } from '../../domain/config.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { auditQuery, type AuditEntry } from '../../workflows/contract.js';
import {
  action,
  checkLabel,
  oneConfig,
  parseOptions,
  printJson,
  printTable,
  shortHash,
  temporal,
  usage,
  when,
} from '../cli-kit.js';
import { ABOUT } from '../verbs.js';

const Options = z.object({
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  label: z.string().optional(),
  json: z.boolean().optional(),
});

/** The entries that concern a target label: its own, and those of waivers of its criteria jobs. */
export function forLabel(cfg: ReleaseConfig, entries: AuditEntry[], label: string): AuditEntry[] {
  const criteria = cfg.promotions.find((p) => p.targetLabel === label)?.criteria ?? [];
  return entries.filter((e) => e.label === label || (e.job !== undefined && criteria.includes(e.job)));
}

export function historyRows(entries: AuditEntry[]): (string | null)[][] {
  return entries.map((e) => [
    when(e.at),
    e.action,
    e.label ?? e.job ?? '-',
    e.fullHash ? shortHash(e.fullHash) : '-',
    e.by,
    e.identity ?? '-',
    e.why,
  ]);
}

export function register(program: Command): void {
  program
    .command('history')
    .description(ABOUT.history)
    .option('-l, --label <label>', 'only what concerns this target label')
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(Options, raw);
        const cfg = oneConfig(o.releaseConfig, o.label, o.release);
        if (o.label) checkLabel(cfg, o.label);
        const workflowId = releaseWorkflowId(cfg.release, cfg.distro);
        let entries: AuditEntry[];
        try {
          entries = await (await temporal()).workflow.getHandle(workflowId).query(auditQuery);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError)
            throw usage(`--release: the controller ${workflowId} never ran, so it has no audit log`);
          throw err;
        }
        const shown = o.label ? forLabel(cfg, entries, o.label) : entries;
        if (o.json) return printJson(shown);
        printTable(['WHEN', 'ACTION', 'LABEL/JOB', 'HASH', 'BY', 'IDENTITY', 'WHY'], historyRows(shown));
      }),
    );
}
