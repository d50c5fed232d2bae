// promoter report-result: the same arguments as `dlrnapi report-result`. Records the CI vote in DLRN, then tells the
// release controller, so a hash whose criteria are now met promotes at once instead of at the next schedule tick.
// It never waits for a worker (CI jobs run it with or without one up): the evaluation is a signal-with-start, which
// the Temporal server accepts alone and keeps in the controller's history until a worker runs it.
import type { Command } from 'commander';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import { DlrnClient } from '../../integrations/dlrn.js';
import {
  action,
  aggregateHashOpt,
  extendedHashOpt,
  hex,
  link,
  oneConfig,
  parseOptions,
  printJson,
  temporal,
  usage,
} from '../cli-kit.js';
import { releaseWorkflowId } from '../../domain/promotion.js';

const bool = z
  .enum(['true', 'false', 'True', 'False'], { error: 'expected true or false' })
  .transform((v) => v.toLowerCase() === 'true');
const Options = z.object({
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  jobId: z.string({ error: 'the job name is required' }).min(1),
  commitHash: hex('40 hex characters', '40').optional(),
  distroHash: hex('40 hex characters', '40').optional(),
  extendedHash: extendedHashOpt.optional(),
  aggHash: aggregateHashOpt.optional(),
  infoUrl: z.string({ error: 'the job URL is required' }).url({ error: 'expected a URL' }),
  timestamp: z.coerce.number({ error: 'expected epoch seconds' }).int({ error: 'expected epoch seconds' }).positive(),
  success: bool,
  notes: z.string().optional(),
  json: z.boolean().optional(),
});

/**
 * Runs `load` once the process's next HTTP request has been written to its socket (or at loaded(), if that has not
 * happened by then). cancel() stops watching for the request.
 */
function onceSent<T>(load: () => Promise<T>) {
  let loading: Promise<T> | undefined;
  const start = () => {
    loading ??= load();
    loading.catch(() => undefined); // awaited by loaded()
  };
  const onRequest = (message: unknown) => {
    unsubscribe(CHANNEL, onRequest);
    (message as { request: ClientRequest }).request.once('finish', start);
  };
  subscribe(CHANNEL, onRequest);
  return {
    cancel: () => unsubscribe(CHANNEL, onRequest),
    loaded: (): Promise<T> => (start(), loading!),
  };
}
const CHANNEL = 'http.client.request.start';

export function register(program: Command): void {
  program
    .command('report-result')
    .description(ABOUT['report-result'])
    .requiredOption('--job-id <job>', 'CI job name')
    .option('--commit-hash <hash>', 'commit hash')
    .option('--distro-hash <hash>', 'distro hash')
    .option('--extended-hash <hash>', 'extended hash')
    .option('--agg-hash <hash>', 'aggregate hash')
    .requiredOption('--info-url <url>', 'URL of the job run')
    .requiredOption('--timestamp <epoch>', 'when the job finished (epoch seconds)')
    .requiredOption('--success <bool>', 'true or false')
    .option('--notes <text>', 'free-form notes')
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(Options, raw);
        const byAgg = Boolean(o.aggHash);
        if (byAgg && (o.commitHash || o.distroHash))
          throw usage('--agg-hash: give either it or --commit-hash/--distro-hash');
        if (!byAgg && !(o.commitHash && o.distroHash))
          throw usage('--commit-hash and --distro-hash: both are required (or --agg-hash)');
        const cfg = oneConfig(o.releaseConfig, undefined, o.release);
        const labels = cfg.promotions
          .filter(
            (p) =>
              p.criteria.includes(o.jobId) ||
              Object.values(p.alternativeCriteria).some((alts) => alts.includes(o.jobId)),
          )
          .map((p) => p.targetLabel);
        const evaluate = o.success && labels.length > 0;
        const common = {
          job_id: o.jobId,
          url: o.infoUrl,
          timestamp: o.timestamp,
          success: o.success,
          notes: o.notes ?? '',
        };
        const client = DlrnClient.fromEnv(cfg.apiUrl);
        // The Temporal client (~100 ms of CPU to load) loads and connects while DLRN records the vote (DLRN hashes
        // the password first), and only once the vote is on the wire: loaded sooner, it would hold the POST back.
        // A connection that fails here fails the signal below, after the vote.
        const controller = evaluate
          ? onceSent(async () => {
              const m = await import('../controller.js');
              await temporal();
              return m;
            })
          : null;
        const vote = await client
          .reportResult(
            byAgg
              ? { ...common, aggregate_hash: o.aggHash! }
              : {
                  ...common,
                  commit_hash: o.commitHash!,
                  distro_hash: o.distroHash!,
                  ...(o.extendedHash ? { extended_hash: o.extendedHash } : {}),
                },
          )
          .finally(() => controller?.cancel());
        if (controller) {
          try {
            const { signalEvaluate } = await controller.loaded();
            await signalEvaluate(cfg.release, cfg.distro, { reason: `report-result ${o.jobId}`, labels });
          } catch (err) {
            throw new Error(
              `the vote is recorded in DLRN, but the release controller was not told (${(err as Error).message}); ` +
                'the next schedule tick evaluates it',
              { cause: err },
            );
          }
        }
        if (o.json) return printJson({ vote, evaluated: evaluate ? labels : [] });
        printJson(vote);
        if (evaluate) {
          console.error(`evaluation of ${labels.join(', ')} queued in the release controller`);
          console.error(link(releaseWorkflowId(cfg.release, cfg.distro)));
        }
      }),
    );
}
