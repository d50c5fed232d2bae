// Read-only pass-throughs to the DLRN API that operators use daily: promotions of a label, repo status of a hash.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import type { ReleaseConfig } from '../../domain/config.js';
import { DlrnClient, PROMOTIONS_MAX_LIMIT } from '../../integrations/dlrn.js';
import { action, hex, oneConfig, parseOptions, printJson, printTable, shown, usage, when } from '../cli-kit.js';

const cfgOpts = {
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  json: z.boolean().optional(),
};

const LIMIT = `expected a whole number from 1 to ${PROMOTIONS_MAX_LIMIT} (what DLRN answers at most)`;

/** The labels a release file names: its targets, their candidates, and the previous-<target> labels. */
export function releaseLabels(cfg: ReleaseConfig): string[] {
  const labels = cfg.promotions.flatMap((p) => [p.candidateLabel, p.targetLabel, `previous-${p.targetLabel}`]);
  return [...new Set(labels)];
}

export function register(program: Command): void {
  program
    .command('promotions')
    .description(ABOUT.promotions)
    .requiredOption('-l, --label <label>', 'promote_name')
    .option('--limit <n>', `how many (1-${PROMOTIONS_MAX_LIMIT})`, '20')
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(
          z.object({
            ...cfgOpts,
            label: z.string().min(1),
            limit: z.coerce.number({ error: LIMIT }).int().min(1).max(PROMOTIONS_MAX_LIMIT),
          }),
          raw,
        );
        const cfg = oneConfig(o.releaseConfig, undefined, o.release);
        const rows = await DlrnClient.fromEnv(cfg.apiUrl).promotions({ promote_name: o.label, limit: o.limit });
        // An empty answer for a label the release does not name is a typo, not a label nobody promoted yet.
        const known = releaseLabels(cfg);
        if (rows.length === 0 && !known.includes(o.label)) {
          throw usage(
            `--label: DLRN ${cfg.apiUrl} has no promotion to ${shown(o.label)}, and ${cfg.release}/${cfg.distro} names no such label`,
            `its labels: ${known.join(', ')}`,
          );
        }
        if (o.json) return printJson(rows);
        printTable(
          ['WHEN', 'COMMIT', 'DISTRO', 'AGGREGATE', 'COMPONENT', 'USER'],
          rows.map((r) => [
            when(r.timestamp),
            r.commit_hash.slice(0, 12),
            r.distro_hash.slice(0, 8),
            r.aggregate_hash,
            r.component,
            r.user,
          ]),
        );
      }),
    );

  program
    .command('repo-status')
    .description(ABOUT['repo-status'])
    .option('--commit-hash <hash>', 'commit hash')
    .option('--distro-hash <hash>', 'distro hash')
    .option('--extended-hash <hash>', 'extended hash')
    .option('--agg-hash <hash>', 'aggregate hash')
    .option('--success <bool>', 'only successful (true) or failed (false) votes')
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(
          z.object({
            ...cfgOpts,
            commitHash: hex('40 hex characters', '40').optional(),
            distroHash: hex('40 hex characters', '40').optional(),
            extendedHash: z.string().optional(),
            aggHash: hex('an aggregate hash (32-64 hex)', '32,64').optional(),
            success: z
              .enum(['true', 'false'], { error: 'expected true or false' })
              .transform((v) => v === 'true')
              .optional(),
          }),
          raw,
        );
        const cfg = oneConfig(o.releaseConfig, undefined, o.release);
        const dlrn = DlrnClient.fromEnv(cfg.apiUrl);
        let votes;
        if (o.aggHash) votes = await dlrn.aggStatus({ aggregate_hash: o.aggHash, success: o.success });
        else if (o.commitHash && o.distroHash) {
          votes = await dlrn.repoStatus({
            commit_hash: o.commitHash,
            distro_hash: o.distroHash,
            extended_hash: o.extendedHash,
            success: o.success,
          });
        } else throw usage('--commit-hash and --distro-hash: both are required (or --agg-hash)');
        if (o.json) return printJson(votes);
        printTable(
          ['WHEN', 'JOB', 'RESULT', 'URL'],
          votes.map((v) => [
            when(v.timestamp),
            v.job_id,
            v.in_progress ? 'in progress' : v.success ? 'passed' : 'failed',
            v.url,
          ]),
        );
      }),
    );
}
