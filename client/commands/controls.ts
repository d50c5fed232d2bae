// Manual controls, durable in the release controller and recorded with who (--by and the client identity) and
// why: approve, unapprove, hold, unhold, abort, rollback, waive, unwaive, clear-refusal. Each validates its
// arguments here first (labels and jobs against the release file, hashes against DLRN), then the controller's
// update validator checks again against the config it runs with (and its allowed_users); a refused request
// changes nothing.
import type { Command } from 'commander';
import { z } from 'zod';
import { ARTIFACT_KINDS, promotionWorkflowId } from '../../domain/promotion.js';
import type { ReleaseConfig } from '../../domain/config.js';
import * as m from '../../workflows/contract.js';
import type { PromotionResult } from '../../workflows/contract.js';
import {
  action,
  actorOf,
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
  shown,
  usage,
  why,
} from '../cli-kit.js';
import { ensureController, type ControllerHandle } from '../controller.js';
import { checkCandidate } from '../evaluate.js';
import { promoted } from '../failure-report.js';
import { ABOUT, type Verb } from '../verbs.js';

const common = {
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  why,
  by,
  json: z.boolean().optional(),
};

type Options = Record<string, unknown> & { by: string; why: string };

interface ControlVerb {
  name: Verb;
  options: [flags: string, description: string, required?: boolean][];
  schema: z.ZodType;
  run(o: Options, cfg: ReleaseConfig, controller: () => Promise<ControllerHandle>): Promise<unknown>;
}

const label = z.string({ error: 'the target label is required' });
const str = (v: unknown) => v as string;

/** The labels whose criteria name a job (a waiver counts for those stages); refused when none does. */
function jobLabels(cfg: ReleaseConfig, job: string): string[] {
  const labels = cfg.promotions.filter((p) => p.criteria.includes(job)).map((p) => p.targetLabel);
  if (!labels.length) throw usage(`--job: ${shown(job)} is not a criteria job of ${cfg.release}/${cfg.distro}`);
  return labels;
}

const labelAndHash: ControlVerb['options'] = [
  ['-l, --label <label>', 'target label', true],
  ['--hash <full_hash>', 'the hash', true],
];
const jobAndHash: ControlVerb['options'] = [
  ['--job <job>', 'criteria job', true],
  ['--hash <full_hash>', 'the hash', true],
];

const verbs: ControlVerb[] = [
  {
    name: 'approve',
    options: labelAndHash,
    schema: z.object({ ...common, label, hash: fullHashOpt }),
    run: async (o, cfg, controller) => {
      await checkCandidate(cfg, [str(o.label)], str(o.hash));
      return (await controller()).executeUpdate(m.approveUpdate, {
        args: [{ label: str(o.label), fullHash: str(o.hash), ...actorOf(o) }],
      });
    },
  },
  {
    name: 'unapprove',
    options: labelAndHash,
    schema: z.object({ ...common, label, hash: fullHashOpt }),
    run: async (o, _cfg, controller) =>
      (await controller()).executeUpdate(m.unapproveUpdate, {
        args: [{ label: str(o.label), fullHash: str(o.hash), ...actorOf(o) }],
      }),
  },
  {
    name: 'hold',
    options: [['-l, --label <label>', 'target label', true]],
    schema: z.object({ ...common, label }),
    run: async (o, _cfg, controller) =>
      (await controller()).executeUpdate(m.holdUpdate, { args: [{ label: str(o.label), ...actorOf(o) }] }),
  },
  {
    name: 'unhold',
    options: [['-l, --label <label>', 'target label', true]],
    schema: z.object({ ...common, label }),
    run: async (o, _cfg, controller) =>
      (await controller()).executeUpdate(m.unholdUpdate, { args: [{ label: str(o.label), ...actorOf(o) }] }),
  },
  {
    name: 'abort',
    options: [['-l, --label <label>', 'only if it promotes this label']],
    schema: z.object({ ...common, label: z.string().optional() }),
    run: async (o, _cfg, controller) =>
      (await controller()).executeUpdate(m.abortUpdate, {
        args: [{ label: o.label as string | undefined, ...actorOf(o) }],
      }),
  },
  {
    name: 'rollback',
    options: [
      ['-l, --label <label>', 'target label', true],
      ['--kinds <list>', `some of ${ARTIFACT_KINDS.join(',')}`],
    ],
    schema: z.object({ ...common, label, kinds: kindsOpt.optional() }),
    run: async (o, _cfg, controller) =>
      (await controller()).executeUpdate(m.rollbackUpdate, {
        args: [{ label: str(o.label), kinds: o.kinds as never, ...actorOf(o) }],
      }),
  },
  {
    name: 'waive',
    options: [...jobAndHash, ['--for <duration>', 'how long, e.g. 2h, 30m, 45s', true]],
    schema: z.object({ ...common, job: z.string().min(1), hash: fullHashOpt, for: duration }),
    run: async (o, cfg, controller) => {
      await checkCandidate(cfg, jobLabels(cfg, str(o.job)), str(o.hash));
      return (await controller()).executeUpdate(m.waiveUpdate, {
        args: [{ job: str(o.job), fullHash: str(o.hash), durationSeconds: o.for as number, ...actorOf(o) }],
      });
    },
  },
  {
    name: 'unwaive',
    options: jobAndHash,
    schema: z.object({ ...common, job: z.string().min(1), hash: fullHashOpt }),
    run: async (o, cfg, controller) => {
      jobLabels(cfg, str(o.job));
      return (await controller()).executeUpdate(m.unwaiveUpdate, {
        args: [{ job: str(o.job), fullHash: str(o.hash), ...actorOf(o) }],
      });
    },
  },
  {
    name: 'clear-refusal',
    options: [
      ['-l, --label <label>', 'target label', true],
      ['--hash <full_hash>', 'the refused hash', true],
    ],
    schema: z.object({ ...common, label, hash: fullHashOpt }),
    run: async (o, _cfg, controller) =>
      (await controller()).executeUpdate(m.clearRefusalUpdate, {
        args: [{ label: str(o.label), fullHash: str(o.hash), ...actorOf(o) }],
      }),
  },
];

function cfgFor(o: Options): ReleaseConfig {
  const cfg = oneConfig(
    o.releaseConfig as string[] | undefined,
    o.label as string | undefined,
    o.release as string | undefined,
  );
  if (o.label) checkLabel(cfg, str(o.label));
  return cfg;
}

/** What a control prints: the entry it recorded (never the audit log), or for rollback the promotion. */
function report(v: ControlVerb, o: Options, cfg: ReleaseConfig, result: unknown): number {
  if (v.name === 'rollback') {
    const r = result as PromotionResult;
    if (o.json) printJson(r);
    else {
      printPromotion(r);
      console.log(link(promotionWorkflowId(cfg.release, cfg.distro, r.label, r.fullHash)));
    }
    return promoted(r) ? EXIT.ok : EXIT.failed;
  }
  if (v.name === 'abort') {
    const r = result as { aborted: string[] };
    if (o.json) printJson(r);
    else console.log(r.aborted.length ? `aborted: ${r.aborted.join(', ')}` : 'nothing was running');
    return EXIT.ok;
  }
  const entry = (result as m.ControlAck).entry;
  if (o.json) printJson({ entry });
  else console.log(`${v.name}: recorded${entry ? ` (${entry.by}: ${entry.why})` : ''}`);
  return EXIT.ok;
}

export function register(program: Command): void {
  for (const v of verbs) {
    const cmd = program.command(v.name).description(ABOUT[v.name]);
    for (const [flags, desc, required] of v.options) {
      if (required) cmd.requiredOption(flags, desc);
      else cmd.option(flags, desc);
    }
    cmd
      .requiredOption('--why <reason>', 'why (recorded in the audit log)')
      .option('--by <user>', 'who (default $USER; the client identity user@host is recorded too)')
      .option('-c, --release-config <file...>', 'release files')
      .option('-r, --release <release>', 'pick the release among several configs')
      .option('--json', 'machine-readable output')
      .action(
        action(async (raw: unknown) => {
          const o = parseOptions(v.schema, raw) as Options;
          const cfg = cfgFor(o);
          const result = await v.run(o, cfg, () => ensureController(cfg.release, cfg.distro));
          return report(v, o, cfg, result);
        }),
      );
  }
}
