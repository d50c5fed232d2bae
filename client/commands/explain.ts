// promoter explain <full_hash> --label L: why that hash is or is not promotable to L.
import type { Command } from 'commander';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import { action, checkLabel, color, fullHashOpt, oneConfig, parseOptions, printJson, when } from '../cli-kit.js';
import { controllerStatus, evaluateStage, explainStageHash } from '../evaluate.js';

const Options = z.object({
  hash: fullHashOpt,
  label: z.string({ error: 'the target label is required' }),
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  json: z.boolean().optional(),
});

export function register(program: Command): void {
  program
    .command('explain')
    .description(ABOUT.explain)
    .argument('<full_hash>', 'the hash, as its full_hash (commit_distro8[_ext] or the aggregate hash)')
    .requiredOption('-l, --label <label>', 'target label')
    .option('-c, --release-config <file...>', 'release files')
    .option('-r, --release <release>', 'pick the release among several configs')
    .option('--json', 'machine-readable output')
    .action(
      action(async (hash: string, raw: Record<string, unknown>) => {
        const o = parseOptions(Options, { ...raw, hash }, { hash: '<full_hash>' });
        const cfg = oneConfig(o.releaseConfig, o.label, o.release);
        checkLabel(cfg, o.label);
        const ctl = await controllerStatus(cfg);
        const stage = await evaluateStage(cfg, o.label, ctl);
        const { explanation: e, informationalJobs } = await explainStageHash(cfg, stage, o.hash);
        const p = cfg.promotions.find((x) => x.targetLabel === o.label)!;
        const gate = e.status === 'selected' ? stage.gate : (e.gate ?? null);
        const out = {
          release: cfg.release,
          distro: cfg.distro,
          label: o.label,
          candidateLabel: p.candidateLabel,
          fullHash: o.hash,
          status: e.status,
          promotable: e.status === 'selected' && !gate,
          reason: gate ? gate.reason : e.reason,
          // Only what the decision computed: a hash it did not evaluate has no passed/missing verdict.
          evaluated: e.evaluated,
          jobs: {
            criteria: p.criteria,
            votes: e.evaluated ? e.jobs : [],
            passed: e.passed,
            missing: e.missing,
            failed: e.failed,
            inProgress: e.inProgress,
            waived: e.waived,
            alternativesUsed: e.alternativesUsed,
          },
          policy: {
            held:
              ctl?.controls.holds.find((h) => h.label === o.label) ??
              (p.hold ? { by: 'config', why: 'hold: true' } : null),
            approvalRequired: p.approvalRequired,
            approved: Boolean(ctl?.controls.approvals.some((a) => a.label === o.label && a.fullHash === o.hash)),
            soakSeconds: p.soakSeconds,
            inCandidateSince: e.candidateSince,
            windows: p.windows,
            gate,
          },
          /** Read from DLRN for a hash the decision did not evaluate: information, not a verdict. */
          informationalJobs,
          refusal: stage.input.refused?.find((r) => r.fullHash === o.hash) ?? null,
          current: stage.current,
        };
        if (o.json) return printJson(out);
        console.log(
          `${color.bold(o.hash)} → ${o.label} (${cfg.release}/${cfg.distro}): ${out.promotable ? color.ok('promotable') : color.bad(e.status)}`,
        );
        console.log(`  ${out.reason}`);
        const j = out.jobs;
        for (const job of j.votes) console.log(`  ${job.state.padEnd(11)} ${job.job}: ${job.summary}`);
        if (informationalJobs) {
          console.log('  jobs, for information only (not evaluated: this hash is not newer than the current one):');
          for (const job of informationalJobs) console.log(`    ${job.job}: ${job.summary}`);
        }
        if (j.passed.length) console.log(`  passed:      ${j.passed.join(', ')}`);
        if (j.missing.length) console.log(`  missing:     ${j.missing.join(', ')}`);
        if (j.failed.length) console.log(`  failed:      ${j.failed.join(', ')}`);
        if (j.inProgress.length) console.log(`  in progress: ${j.inProgress.join(', ')}`);
        if (j.waived.length) console.log(`  waived:      ${j.waived.join(', ')}`);
        for (const a of j.alternativesUsed) console.log(`  ${a.job} satisfied by alternative ${a.via}`);
        console.log(
          `  current ${o.label}: ${stage.current.fullHash ?? '(none)'} since ${when(stage.current.promotedAt)}`,
        );
        if (p.approvalRequired) console.log(`  approval: ${out.policy.approved ? 'given' : 'required, not given'}`);
        if (p.soakSeconds)
          console.log(`  soak: ${p.soakSeconds}s in ${p.candidateLabel}, there since ${when(e.candidateSince)}`);
        if (out.policy.held) console.log(`  held by ${out.policy.held.by}: ${out.policy.held.why}`);
      }),
    );
}
