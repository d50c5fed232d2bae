// promoter status: per release/distro/label, the current hash, when it was promoted, and every candidate with what
// it waits for; plus the controller's controls (holds, approvals, waivers, running job, planned wake-ups).
import type { Command } from 'commander';
import { z } from 'zod';
import { action, color, loadConfigs, printJson, printTable, shortHash, when, parseOptions } from '../cli-kit.js';
import { controllerStatus, evaluateStage } from '../evaluate.js';

const Options = z.object({
  releaseConfig: z.array(z.string()).optional(),
  label: z.string().optional(),
  json: z.boolean().optional(),
});

export function register(program: Command): void {
  program
    .command('status')
    .description('where every label stands, its candidates and what each one waits for')
    .option('-c, --release-config <file...>', 'release files (default: every *.yaml in $PROMOTER_CONFIG_DIR)')
    .option('-l, --label <label>', 'only this target label')
    .option('--json', 'machine-readable output')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(Options, raw);
        const releases = [];
        for (const cfg of loadConfigs(o.releaseConfig)) {
          const ctl = await controllerStatus(cfg);
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
            controller: ctl && {
              controls: ctl.controls,
              running: ctl.running,
              wakeups: ctl.wakeups,
              lastPass: ctl.lastPass && { reason: ctl.lastPass.reason, finishedAt: ctl.lastPass.finishedAt },
              lastError: ctl.lastError,
            },
            stages,
          });
        }
        if (o.json) return printJson({ releases });
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
          const c = r.controller?.controls;
          if (c?.holds.length) console.log(`holds: ${c.holds.map((h) => `${h.label} (${h.by}: ${h.why})`).join('; ')}`);
          if (c?.waivers.length)
            console.log(
              `waivers: ${c.waivers.map((w) => `${w.job} for ${shortHash(w.fullHash)} until ${when(w.expiresAt)} (${w.by})`).join('; ')}`,
            );
          if (r.controller?.running) console.log(`running: ${r.controller.running.reason}`);
        }
      }),
    );
}
