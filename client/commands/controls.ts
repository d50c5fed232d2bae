// Manual controls, durable in the release controller and recorded with who and why: approve, hold, unhold, abort,
// rollback, waive. Each validates its arguments here first, then the controller's update validator checks again
// against the config it runs with; a refused request changes nothing.
import type { Command } from 'commander';
import { z } from 'zod';
import { ARTIFACT_KINDS, promotionWorkflowId } from '../../domain/promotion.js';
import * as m from '../../workflows/contract.js';
import type { PromotionResult } from '../../workflows/contract.js';
import {
  action,
  by,
  checkLabel,
  duration,
  EXIT,
  fullHashOpt,
  kindsOpt,
  link,
  oneConfig,
  parseOptions,
  printJson,
  printPromotion,
  usage,
  why,
} from '../cli-kit.js';
import { ensureController } from '../controller.js';
import { promoted } from '../failure-report.js';

const common = {
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  why,
  by,
  json: z.boolean().optional(),
};

interface Verb {
  name: string;
  description: string;
  options: [flags: string, description: string, required?: boolean][];
  schema: z.ZodType;
  run(o: Record<string, unknown>): Promise<unknown>;
}

const label = z.string({ error: 'the target label is required' });

function cfgFor(o: Record<string, unknown>) {
  const cfg = oneConfig(
    o.releaseConfig as string[] | undefined,
    o.label as string | undefined,
    o.release as string | undefined,
  );
  if (o.label) checkLabel(cfg, o.label as string);
  return cfg;
}

const controllerFor = (o: Record<string, unknown>) => {
  const cfg = cfgFor(o);
  return ensureController(cfg.release, cfg.distro);
};

const verbs: Verb[] = [
  {
    name: 'approve',
    description: 'approve a hash for a label whose stage requires approval',
    options: [
      ['-l, --label <label>', 'target label', true],
      ['--hash <full_hash>', 'the hash to approve', true],
    ],
    schema: z.object({ ...common, label, hash: fullHashOpt }),
    run: async (o) =>
      (await controllerFor(o)).executeUpdate(m.approveUpdate, {
        args: [{ label: o.label as string, fullHash: o.hash as string, by: o.by as string, why: o.why as string }],
      }),
  },
  {
    name: 'hold',
    description: 'freeze a label: no promotion to it until unhold',
    options: [['-l, --label <label>', 'target label', true]],
    schema: z.object({ ...common, label }),
    run: async (o) =>
      (await controllerFor(o)).executeUpdate(m.holdUpdate, {
        args: [{ label: o.label as string, by: o.by as string, why: o.why as string }],
      }),
  },
  {
    name: 'unhold',
    description: 'lift a hold; the stage is evaluated at once',
    options: [['-l, --label <label>', 'target label', true]],
    schema: z.object({ ...common, label }),
    run: async (o) =>
      (await controllerFor(o)).executeUpdate(m.unholdUpdate, {
        args: [{ label: o.label as string, by: o.by as string, why: o.why as string }],
      }),
  },
  {
    name: 'abort',
    description: 'abort the running promotion (artifacts already moved are put back)',
    options: [['-l, --label <label>', 'only if it promotes this label']],
    schema: z.object({ ...common, label: z.string().optional() }),
    run: async (o) =>
      (await controllerFor(o)).executeUpdate(m.abortUpdate, {
        args: [{ label: o.label as string | undefined, by: o.by as string, why: o.why as string }],
      }),
  },
  {
    name: 'rollback',
    description: 'put a label back to previous-<label>, for every artifact kind (or --kinds)',
    options: [
      ['-l, --label <label>', 'target label', true],
      ['--kinds <list>', `some of ${ARTIFACT_KINDS.join(',')}`],
    ],
    schema: z.object({ ...common, label, kinds: kindsOpt.optional() }),
    run: async (o) =>
      (await controllerFor(o)).executeUpdate(m.rollbackUpdate, {
        args: [{ label: o.label as string, kinds: o.kinds as never, by: o.by as string, why: o.why as string }],
      }),
  },
  {
    name: 'waive',
    description: 'let one criteria job count as passed for one hash, for a while',
    options: [
      ['--job <job>', 'criteria job', true],
      ['--hash <full_hash>', 'the hash', true],
      ['--for <duration>', 'how long, e.g. 2h, 30m, 45s', true],
    ],
    schema: z.object({ ...common, job: z.string().min(1), hash: fullHashOpt, for: duration }),
    run: async (o) => {
      const cfg = cfgFor(o);
      if (!cfg.promotions.some((p) => p.criteria.includes(o.job as string))) {
        throw usage(`--job: ${String(o.job)} is not a criteria job of ${cfg.release}/${cfg.distro}`);
      }
      return (await ensureController(cfg.release, cfg.distro)).executeUpdate(m.waiveUpdate, {
        args: [
          {
            job: o.job as string,
            fullHash: o.hash as string,
            durationSeconds: o.for as number,
            by: o.by as string,
            why: o.why as string,
          },
        ],
      });
    },
  },
  {
    name: 'clear-refusal',
    description: 'forget that DLRN refused a hash for a label, so stages consider it again',
    options: [
      ['-l, --label <label>', 'target label', true],
      ['--hash <full_hash>', 'the refused hash', true],
    ],
    schema: z.object({ ...common, label, hash: fullHashOpt }),
    run: async (o) =>
      (await controllerFor(o)).executeUpdate(m.clearRefusalUpdate, {
        args: [{ label: o.label as string, fullHash: o.hash as string, by: o.by as string, why: o.why as string }],
      }),
  },
];

export function register(program: Command): void {
  for (const v of verbs) {
    const cmd = program.command(v.name).description(v.description);
    for (const [flags, desc, required] of v.options) {
      if (required) cmd.requiredOption(flags, desc);
      else cmd.option(flags, desc);
    }
    cmd
      .requiredOption('--why <reason>', 'why (recorded in the audit log)')
      .option('--by <user>', 'who (default $USER)')
      .option('-c, --release-config <file...>', 'release files')
      .option('-r, --release <release>', 'pick the release among several configs')
      .option('--json', 'machine-readable output')
      .action(
        action(async (raw: unknown) => {
          const o = parseOptions(v.schema, raw) as Record<string, unknown>;
          const result = await v.run(o);
          const cfg = cfgFor(o);
          if (v.name === 'rollback') {
            const r = result as PromotionResult;
            if (o.json) printJson(r);
            else {
              printPromotion(r);
              console.log(link(promotionWorkflowId(cfg.release, cfg.distro, r.label, r.fullHash)));
            }
            return promoted(r) ? EXIT.ok : EXIT.failed;
          }
          // A control answers with the entry it recorded; only that is printed, never the audit log.
          if (o.json) return void printJson(v.name === 'abort' ? result : { entry: (result as m.ControlAck).entry });
          if (v.name === 'abort') {
            const r = result as { aborted: string[] };
            console.log(r.aborted.length ? `aborted: ${r.aborted.join(', ')}` : 'nothing was running');
          } else {
            const last = (result as m.ControlAck).entry;
            console.log(`${v.name}: recorded${last ? ` (${last.by}: ${last.why})` : ''}`);
          }
        }),
      );
  }
}
