// `promoter waive`: count a criteria job as passed for one hash for a while (the durable replacement of the old
// "temporarily skip this flaky job" commits). The waiver expires on a timer in the release controller.
import { Command } from 'commander';
import { z } from 'zod';
import { waiveUpdate } from '../../../workflows/controller-messages.js';
import { loadConfigs, narrow, single } from '../context.js';
import { controllerRef, patiently, printControls, withController } from '../controls.js';
import { usageError } from '../errors.js';
import {
  actorOptions,
  actorShape,
  commonShape,
  fullHash,
  hashKindOf,
  job,
  jsonOption,
  parseOptions,
  releaseOptions,
  waiverDuration,
} from '../options.js';
import { linkLine, seconds } from '../output.js';

const schema = z.strictObject({ ...commonShape, ...actorShape, job, hash: fullHash, for: waiverDuration });

export function waiveCommand(): Command {
  return actorOptions(
    releaseOptions(
      new Command('waive')
        .description(
          'Waive a criteria job for one hash for a while: the hash counts as having passed it until the waiver ' +
            'expires. The labels whose criteria name the job are evaluated at once.',
        )
        .option('--job <job>', 'the criteria job to waive (required)')
        .option('--hash <full_hash>', 'the full_hash it is waived for (required)')
        .option('--for <duration>', 'how long, like 2h, 30m, 45s or 1h30m; at most 30d (required)'),
    ),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'waive');
      const configs = narrow(loadConfigs(opts), { hashKind: { kind: hashKindOf(opts.hash), option: '--hash' } });
      const withJob = configs.filter((c) => c.promotions.some((p) => p.criteria.includes(opts.job)));
      if (withJob.length === 0) {
        throw usageError(
          `--job: ${opts.job} is not a criteria job of ${configs.map((c) => `${c.release}/${c.distro}`).join(', ')}`,
        );
      }
      const cfg = single(withJob);
      await withController(cfg, opts.json, async (c) => {
        const request = { job: opts.job, fullHash: opts.hash, durationSeconds: opts.for, by: opts.by, why: opts.why };
        const controls = await patiently(c.handle.executeUpdate(waiveUpdate, { args: [request] }), c.out, c.session);
        if (c.out.json) return c.out.printJson({ controller: controllerRef(c), controls });
        c.out.line(`${opts.job} waived for ${opts.hash} for ${seconds(opts.for)}`);
        printControls(c.out, controls, cfg);
        c.out.line(linkLine(c.out, 'controller', c.handle.workflowId, c.runId));
      });
    });
}
