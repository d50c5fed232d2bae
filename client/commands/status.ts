// promoter status: per release/distro/label, the current hash, when it was promoted, and every candidate with what
// it waits for; plus the controller: its state, controls (holds, approvals, waivers), running job, planned wake-ups,
// the promotions that failed and why, and the config version it runs. When the controller cannot answer (Temporal
// down, no worker, wedged) it says so within seconds and exits 1, since holds and waivers are then unknown.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import {
  action,
  color,
  EXIT,
  loadConfigFiles,
  printJson,
  shown,
  usage,
  type ConfigFile,
  printTable,
  shortHash,
  when,
  parseOptions,
} from '../cli-kit.js';
import { controllerTrouble, readController, type ControllerView } from '../controller.js';
import { evaluateStage } from '../evaluate.js';
import { failureRecordLines } from '../failure-report.js';
import type { ConfigVersion } from '../../workflows/contract.js';

/** status shows the newest audit entries only; the whole log stays in the controller. */
const AUDIT_SHOWN = 20;

/** What the operator must know when the controller did not give its status. */
export function controllerProblem(v: ControllerView): string | null {
  if (v.state === 'running' || v.state === 'absent') return null;
  const unknown = v.state === 'closed' ? '' : '; holds, approvals and waivers are unknown';
  return `controller ${v.workflowId}: ${v.state} (${v.detail ?? '-'}) at Temporal ${v.address}${unknown}`;
}

const Options = z.object({
  releaseConfig: z.array(z.string()).optional(),
  label: z.string().optional(),
  json: z.boolean().optional(),
});

/** When the operator's release file is not the one the controller runs (the worker's config dir is the authority). */
export function configDrift(file: string, version: string, runs: ConfigVersion | null): string | null {
  if (!runs || runs.version === version) return null;
  return (
    `${file} is version ${version}, but the controller runs ${runs.version} ` +
    `(${runs.file}, loaded ${when(runs.loadedAt)}): the worker's config dir is what promotes`
  );
}

/** --label must be a promotion target of at least one of the releases shown. */
export function checkLabelIn(files: ConfigFile[], label: string): void {
  const targets = [...new Set(files.flatMap((f) => f.cfg.promotions.map((p) => p.targetLabel)))];
  if (targets.includes(label)) return;
  const names = files.map((f) => `${f.cfg.release}/${f.cfg.distro}`).join(', ');
  throw usage(`--label: ${shown(label)} is not a promotion target of ${names}`, `use one of: ${targets.join(', ')}`);
}

export function register(program: Command): void {
  program
    .command('status')
    .description(ABOUT.status)
    .option('-c, --release-config <file...>', 'release files (default: every *.yaml in $PROMOTER_CONFIG_DIR)')
    .option('-l, --label <label>', 'only this target label')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(Options, raw);
        const files = loadConfigFiles(o.releaseConfig);
        if (o.label) checkLabelIn(files, o.label);
        const releases = [];
        let code: number = EXIT.ok;
        for (const { cfg, file, version } of files) {
          const view = await readController(cfg.release, cfg.distro);
          const problem = controllerProblem(view);
          if (problem)
            console.error(`${controllerTrouble(view) ? color.bad('error:') : color.dim('note:')} ${problem}`);
          if (controllerTrouble(view)) code = EXIT.failed;
          const ctl = view.status;
          const runs = ctl?.config ?? null;
          const drift = configDrift(file, version, runs);
          if (drift) console.error(`${color.bad('warning:')} ${drift}`);
          const labels = cfg.promotions.map((p) => p.targetLabel).filter((l) => !o.label || l === o.label);
          const stages = [];
          for (const label of labels) {
            const s = await evaluateStage(cfg, label, ctl);
            stages.push({
              targetLabel: s.targetLabel,
              candidateLabel: s.candidateLabel,
              current: s.current,
              selected: s.selected,
              gate: s.gate,
              candidates: s.candidates
                .filter((c) => c.status !== 'not_newer' && c.status !== 'duplicate')
                .map(({ fullHash, status, reason, passed, missing, failed, inProgress, waived, timestamp }) => ({
                  fullHash,
                  status,
                  reason,
                  passed,
                  missing,
                  failed,
                  inProgress,
                  waived,
                  timestamp,
                })),
            });
          }
          releases.push({
            release: cfg.release,
            distro: cfg.distro,
            hashKind: cfg.hashKind,
            config: { file, version, running: runs, matches: runs ? runs.version === version : null },
            controller: {
              workflowId: view.workflowId,
              address: view.address,
              state: view.state,
              detail: view.detail,
              runId: view.runId,
              taskQueue: view.taskQueue,
              controls: ctl && { ...ctl.controls, audit: ctl.controls.audit.slice(-AUDIT_SHOWN) },
              running: ctl?.running ?? null,
              wakeups: ctl?.wakeups ?? [],
              lastPass: ctl?.lastPass ? { reason: ctl.lastPass.reason, finishedAt: ctl.lastPass.finishedAt } : null,
              lastError: ctl?.lastError ?? null,
              failures: ctl?.failures ?? [],
              pendingEvaluations: ctl?.pendingEvaluations ?? 0,
            },
            stages,
          });
        }
        if (o.json) {
          printJson({ releases });
          return code;
        }
        for (const r of releases) {
          console.log(color.bold(`\n${r.release}/${r.distro}`) + color.dim(` (${r.hashKind} hashes)`));
          printTable(
            ['LABEL', 'CURRENT', 'PROMOTED', 'NEXT', 'WAITING FOR'],
            r.stages.map((s) => {
              const top = s.candidates.find((c) => c.status !== 'already_promoted');
              const next = s.selected ? `${shortHash(s.selected)}` : '-';
              const waiting = s.gate
                ? s.gate.reason
                : s.selected
                  ? 'promotable now'
                  : top
                    ? `${shortHash(top.fullHash)}: ${top.reason}`
                    : 'no newer candidate';
              return [s.targetLabel, shortHash(s.current.fullHash), when(s.current.promotedAt), next, waiting];
            }),
          );
          const c = r.controller.controls;
          if (c?.holds.length) console.log(`holds: ${c.holds.map((h) => `${h.label} (${h.by}: ${h.why})`).join('; ')}`);
          if (c?.waivers.length)
            console.log(
              `waivers: ${c.waivers.map((w) => `${w.job} for ${shortHash(w.fullHash)} until ${when(w.expiresAt)} (${w.by})`).join('; ')}`,
            );
          if (c?.refusals?.length) {
            console.log('refused by DLRN (skipped until cleared with `promoter clear-refusal`):');
            for (const x of c.refusals)
              console.log(`  ${x.label} ${shortHash(x.fullHash)} at ${when(x.at)}: ${x.type}: ${x.message}`);
          }
          if (r.controller.running) console.log(`running: ${r.controller.running.reason}`);
          const le = r.controller.lastError;
          if (le) console.log(`last error: ${le.reason} at ${when(le.at)}: ${le.message}`);
          if (r.controller.failures.length) {
            console.log('failed promotions:');
            for (const f of r.controller.failures) for (const line of failureRecordLines(f)) console.log(`  ${line}`);
          }
          const cv = r.config.running;
          console.log(
            color.dim(
              `controller: ${r.controller.state}` +
                (cv ? `; config ${cv.version} (${cv.file})` : '') +
                `; ${r.config.file} is ${r.config.version}`,
            ),
          );
        }
        return code;
      }),
    );
}
