// `promoter force-promote`: promote a hash the criteria did not choose (the old promoter's force-promote), through
// the release controller, so it is serialized with passes and recorded in the audit log with who and why.
import { Command } from 'commander';
import { z } from 'zod';
import { fullHash as fullHashOf, makeAggregateHash, makeCommitHash, type DlrnHash } from '../../../domain/hash.js';
import { forcePromoteUpdate } from '../../../workflows/controller-messages.js';
import { loadConfigs, narrow, single } from '../context.js';
import { controllerRef, patiently, printPromotion, promotionRef, withController } from '../controls.js';
import {
  actorOptions,
  actorShape,
  aggregateHash,
  commitHash,
  commonShape,
  distroHash,
  extendedHash,
  jsonOption,
  kinds,
  label,
  parseOptions,
  releaseOptions,
} from '../options.js';
import { linkLine } from '../output.js';

const schema = z
  .strictObject({
    ...commonShape,
    ...actorShape,
    label,
    commitHash: commitHash.optional(),
    distroHash: distroHash.optional(),
    extendedHash: extendedHash.optional(),
    aggregateHash: aggregateHash.optional(),
    kinds,
  })
  .superRefine((o, ctx) => {
    const commit = o.commitHash !== undefined || o.distroHash !== undefined || o.extendedHash !== undefined;
    if (commit && o.aggregateHash !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['aggregateHash'],
        message: 'give either it or --commit-hash/--distro-hash',
      });
    } else if (!commit && o.aggregateHash === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['commitHash'],
        message: 'required: --commit-hash and --distro-hash, or --aggregate-hash',
      });
    } else if (commit && o.commitHash === undefined) {
      ctx.addIssue({ code: 'custom', path: ['commitHash'], message: 'required with --distro-hash' });
    } else if (commit && o.distroHash === undefined) {
      ctx.addIssue({ code: 'custom', path: ['distroHash'], message: 'required with --commit-hash' });
    }
  });

export function forcePromoteCommand(): Command {
  return actorOptions(
    releaseOptions(
      new Command('force-promote')
        .description(
          'Promote a given hash to a label whatever its criteria say (containers, qcow2 images, then DLRN), through ' +
            'the release controller; recorded in its audit log.',
        )
        .option('-l, --label <label>', 'the target label (required)')
        .option('--commit-hash <sha1>', 'commit_hash of the hash to promote')
        .option('--distro-hash <sha1>', 'distro_hash of the hash to promote')
        .option('--extended-hash <hash>', 'extended_hash, when DLRN built it with one')
        .option('--aggregate-hash <hash>', 'aggregate hash (releases of component pipelines)')
        .option('--kinds <kinds>', 'what to move, comma-separated: containers,images,dlrn (default: the release’s)'),
    ),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'force-promote');
      const hash: DlrnHash =
        opts.aggregateHash !== undefined
          ? makeAggregateHash(opts.aggregateHash)
          : makeCommitHash({
              commitHash: opts.commitHash!,
              distroHash: opts.distroHash!,
              extendedHash: opts.extendedHash,
            });
      const option = hash.kind === 'aggregate' ? '--aggregate-hash' : '--commit-hash';
      const cfg = single(narrow(loadConfigs(opts), { labels: [opts.label], hashKind: { kind: hash.kind, option } }));
      await withController(cfg, opts.json, async (c) => {
        c.out.note(`force-promoting ${fullHashOf(hash)} to ${opts.label} (${cfg.release}/${cfg.distro})…`);
        const request = { label: opts.label, hash, kinds: opts.kinds, by: opts.by, why: opts.why };
        const result = await patiently(
          c.handle.executeUpdate(forcePromoteUpdate, { args: [request] }),
          c.out,
          c.session,
        );
        if (c.out.json) {
          return c.out.printJson({ controller: controllerRef(c), promotion: promotionRef(cfg, result), result });
        }
        printPromotion(c.out, result, cfg);
        c.out.line(linkLine(c.out, 'controller', c.handle.workflowId, c.runId));
      });
    });
}
