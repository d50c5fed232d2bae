// promoter force-promote: move a given hash to a label without criteria, choosing the artifact kinds.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import { fullHash, makeAggregateHash, makeCommitHash, type DlrnHash } from '../../domain/hash.js';
import { ARTIFACT_KINDS, promotionWorkflowId } from '../../domain/promotion.js';
import { forcePromoteUpdate } from '../../workflows/contract.js';
import {
  action,
  actorOf,
  aggregateHashOpt,
  by,
  checkLabel,
  EXIT,
  extendedHashOpt,
  hex,
  kindsOpt,
  link,
  oneConfig,
  parseOptions,
  printJson,
  printPromotion,
  temporal,
  usage,
  why,
} from '../cli-kit.js';
import { ensureController } from '../controller.js';
import { promoted } from '../failure-report.js';
import { progressLine, runningContainerPushes } from '../progress.js';

export const Options = z.object({
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  label: z.string({ error: 'the target label is required' }),
  commitHash: hex('40 hex characters', '40').optional(),
  distroHash: hex('40 hex characters', '40').optional(),
  extendedHash: extendedHashOpt.optional(),
  aggregateHash: aggregateHashOpt.optional(),
  kinds: kindsOpt.optional(),
  why,
  by,
  json: z.boolean().optional(),
});

export function hashFrom(o: z.infer<typeof Options>): DlrnHash {
  if (o.aggregateHash) {
    if (o.commitHash || o.distroHash) throw usage('--aggregate-hash: give either it or --commit-hash/--distro-hash');
    return makeAggregateHash(o.aggregateHash);
  }
  if (!o.commitHash || !o.distroHash)
    throw usage('--commit-hash and --distro-hash: both are required (or --aggregate-hash)');
  return makeCommitHash({ commitHash: o.commitHash, distroHash: o.distroHash, extendedHash: o.extendedHash ?? null });
}

export function register(program: Command): void {
  program
    .command('force-promote')
    .description(ABOUT['force-promote'])
    .requiredOption('-l, --label <label>', 'target label')
    .option('--commit-hash <hash>', 'commit hash')
    .option('--distro-hash <hash>', 'distro hash')
    .option('--extended-hash <hash>', 'extended hash')
    .option('--aggregate-hash <hash>', 'aggregate hash (component pipelines)')
    .option('--kinds <list>', `artifact kinds to move, of ${ARTIFACT_KINDS.join(',')} (default: the release's)`)
    .requiredOption('--why <reason>', 'why (recorded)')
    .option('--by <user>', 'who (default $USER)')
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(Options, raw);
        const hash = hashFrom(o);
        const cfg = oneConfig(o.releaseConfig, o.label, o.release);
        checkLabel(cfg, o.label);
        const handle = await ensureController(cfg.release, cfg.distro);
        const id = promotionWorkflowId(cfg.release, cfg.distro, o.label, fullHash(hash));
        const stop = progressLine({ quiet: o.json, read: runningContainerPushes(await temporal(), id) });
        const r = await handle
          .executeUpdate(forcePromoteUpdate, {
            args: [{ label: o.label, hash, kinds: o.kinds as never, ...actorOf(o) }],
          })
          .finally(stop);
        if (o.json) printJson(r);
        else {
          printPromotion(r);
          for (const s of r.steps) console.log(`  ${s.step} ${s.state}${s.note ? ` — ${s.note}` : ''}`);
          console.log(link(promotionWorkflowId(cfg.release, cfg.distro, r.label, r.fullHash)));
        }
        return promoted(r) ? EXIT.ok : EXIT.failed;
      }),
    );
}
