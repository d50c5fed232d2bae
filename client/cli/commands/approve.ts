// `promoter approve`: let a hash through a label whose promotion needs approval (approval_required: true); the
// label is evaluated at once. Recorded in the controller's audit log with who and why.
import { Command } from 'commander';
import { z } from 'zod';
import { approveUpdate } from '../../../workflows/controller-messages.js';
import { loadConfigs, narrow, single } from '../context.js';
import { controllerRef, patiently, printControls, withController } from '../controls.js';
import {
  actorOptions,
  actorShape,
  commonShape,
  fullHash,
  hashKindOf,
  jsonOption,
  label,
  parseOptions,
  releaseOptions,
} from '../options.js';
import { linkLine } from '../output.js';

const schema = z.strictObject({ ...commonShape, ...actorShape, label, hash: fullHash });

export function approveCommand(): Command {
  return actorOptions(
    releaseOptions(
      new Command('approve')
        .description('Approve a hash for a label that requires approval; the label is evaluated at once.')
        .option('-l, --label <label>', 'the target label (required)')
        .option('--hash <full_hash>', 'the full_hash to approve (required)'),
    ),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'approve');
      const cfg = single(
        narrow(loadConfigs(opts), {
          labels: [opts.label],
          hashKind: { kind: hashKindOf(opts.hash), option: '--hash' },
        }),
      );
      if (!cfg.promotions.find((p) => p.targetLabel === opts.label)?.approvalRequired) {
        process.stderr.write(`note: ${opts.label} does not require approval; the approval is recorded anyway\n`);
      }
      await withController(cfg, opts.json, async (c) => {
        const request = { label: opts.label, fullHash: opts.hash, by: opts.by, why: opts.why };
        const controls = await patiently(c.handle.executeUpdate(approveUpdate, { args: [request] }), c.out, c.session);
        if (c.out.json) return c.out.printJson({ controller: controllerRef(c), controls });
        c.out.line(`${opts.hash} approved for ${opts.label}; evaluating it now`);
        printControls(c.out, controls, cfg);
        c.out.line(linkLine(c.out, 'controller', c.handle.workflowId, c.runId));
      });
    });
}
