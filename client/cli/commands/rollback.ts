// `promoter rollback`: put a label back on the hash of previous-<label> (containers, qcow2 links, DLRN), through the
// release controller, recorded with who and why.
import { Command } from 'commander';
import { z } from 'zod';
import { rollbackUpdate } from '../../../workflows/controller-messages.js';
import { loadConfigs, narrow, single } from '../context.js';
import { controllerRef, patiently, printPromotion, promotionRef, withController } from '../controls.js';
import {
  actorOptions,
  actorShape,
  commonShape,
  jsonOption,
  kinds,
  label,
  parseOptions,
  releaseOptions,
} from '../options.js';
import { linkLine } from '../output.js';

const schema = z.strictObject({ ...commonShape, ...actorShape, label, kinds });

export function rollbackCommand(): Command {
  return actorOptions(
    releaseOptions(
      new Command('rollback')
        .description('Roll a label back to the hash of previous-<label> (container tags, qcow2 links, then DLRN).')
        .option('-l, --label <label>', 'the target label (required)')
        .option(
          '--kinds <kinds>',
          'what to move back, comma-separated: containers,images,dlrn (default: the release’s)',
        ),
    ),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'rollback');
      const cfg = single(narrow(loadConfigs(opts), { labels: [opts.label] }));
      await withController(cfg, opts.json, async (c) => {
        c.out.note(`rolling ${opts.label} back to previous-${opts.label} (${cfg.release}/${cfg.distro})…`);
        const request = { label: opts.label, kinds: opts.kinds, by: opts.by, why: opts.why };
        const result = await patiently(c.handle.executeUpdate(rollbackUpdate, { args: [request] }), c.out, c.session);
        if (c.out.json) {
          return c.out.printJson({ controller: controllerRef(c), promotion: promotionRef(cfg, result), result });
        }
        printPromotion(c.out, result, cfg);
        c.out.line(linkLine(c.out, 'controller', c.handle.workflowId, c.runId));
      });
    });
}
