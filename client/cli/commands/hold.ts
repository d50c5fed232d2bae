// `promoter hold`: stop a label from moving (every pass reports it "held") until `promoter unhold` lifts the hold.
// Durable: the hold lives in the release controller's state. unhold.ts reuses this command's shape.
import { Command } from 'commander';
import { z } from 'zod';
import { holdUpdate, unholdUpdate } from '../../../workflows/controller-messages.js';
import { loadConfigs, narrow, single } from '../context.js';
import { controllerRef, patiently, printControls, withController } from '../controls.js';
import { actorOptions, actorShape, commonShape, jsonOption, label, parseOptions, releaseOptions } from '../options.js';
import { linkLine } from '../output.js';

const schema = z.strictObject({ ...commonShape, ...actorShape, label });

export function holdCommandFor(verb: 'hold' | 'unhold', description: string): Command {
  return actorOptions(
    releaseOptions(
      new Command(verb).description(description).option('-l, --label <label>', 'the target label (required)'),
    ),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, verb);
      const cfg = single(narrow(loadConfigs(opts), { labels: [opts.label] }));
      await withController(cfg, opts.json, async (c) => {
        const update = verb === 'hold' ? holdUpdate : unholdUpdate;
        const request = { label: opts.label, by: opts.by, why: opts.why };
        const controls = await patiently(c.handle.executeUpdate(update, { args: [request] }), c.out, c.session);
        if (c.out.json) return c.out.printJson({ controller: controllerRef(c), controls });
        c.out.line(verb === 'hold' ? `${opts.label} is held` : `${opts.label} is no longer held; evaluating it now`);
        printControls(c.out, controls, cfg);
        c.out.line(linkLine(c.out, 'controller', c.handle.workflowId, c.runId));
      });
    });
}

export const holdCommand = () =>
  holdCommandFor(
    'hold',
    'Hold a label: no pass moves it until `promoter unhold` (a running promotion finishes; see abort).',
  );
