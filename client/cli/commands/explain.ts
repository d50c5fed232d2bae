// `promoter explain <full_hash> --label L`: why that hash is or is not promotable to L — the engine's verdict on
// its jobs (missing, failed, waived, alternatives) and every policy that could hold it back (hold, approval, soak,
// promotion windows).
import { Command } from 'commander';
import { z } from 'zod';
import { explainHash, type CandidateExplanation } from '../../../domain/engine.js';
import { inWindow, nextWindowOpen } from '../../../domain/policy.js';
import { readController } from '../../controller-client.js';
import { loadConfigs, narrow, single, withSession } from '../context.js';
import { controlsOf, evaluateLabel, gateFor, nowSeconds, waiversOf, type LabelControls } from '../evaluate.js';
import { commonShape, fullHash, hashKindOf, jsonOption, label, parseOptions, releaseOptions } from '../options.js';
import { linkLine, output, seconds, tone, uiLink, when, type Out } from '../output.js';

const schema = z.strictObject({ ...commonShape, fullHash, label });

export interface ExplainJson {
  release: string;
  distro: string;
  label: string;
  candidateLabel: string;
  fullHash: string;
  /** Its criteria are met (waivers and alternative criteria counted). */
  criteriaMet: boolean;
  /** The next pass would promote exactly this hash. */
  wouldPromote: boolean;
  verdict: string;
  candidate: CandidateExplanation;
  current: string | null;
  selected: string | null;
  criteria: string[];
  alternativeCriteria: Record<string, string[]>;
  controls: LabelControls;
  approval: { required: boolean; given: boolean };
  soak: { seconds: number; since: number | null; endsAt: number | null; remaining: number };
  windows: { windows: unknown[]; open: boolean; nextOpen: number | null };
  gate: { outcome: string; reason: string; wakeAt: number | null } | null;
  controller: { workflowId: string; state: string; webUi: string | null; error: string | null };
  warnings: string[];
}

function verdictOf(x: Omit<ExplainJson, 'verdict'>): string {
  const c = x.candidate;
  if (c.status === 'already_promoted') return `${x.fullHash} is ${x.label}'s current hash`;
  if (!x.criteriaMet) return `not promotable to ${x.label}: ${c.reason}`;
  if (x.gate) return `criteria met, but held back: ${x.gate.reason}`;
  if (c.status === 'promotable') return `criteria met, but ${c.reason.split('; ').pop()}`;
  return `promotable: the next pass promotes ${x.fullHash} to ${x.label}`;
}

function print(out: Out, x: ExplainJson): void {
  const c = x.candidate;
  out.line(
    out.c.bold(`${x.fullHash} → ${x.label}`) + out.c.dim(`  (${x.release}/${x.distro}, from ${x.candidateLabel})`),
  );
  out.line(`  ${x.wouldPromote ? out.c.green(x.verdict) : out.c.yellow(x.verdict)}`);
  out.line(`  status ${tone(out, c.status)}: ${c.reason}`);
  out.line(`  ${x.label} now: ${x.current ?? '(none)'}; the next pass would pick: ${x.selected ?? 'nothing'}`);
  const alt = (job: string) => c.alternativesUsed.find((a) => a.job === job)?.via;
  const jobState = (job: string) =>
    c.passed.includes(job)
      ? 'passed'
      : alt(job)
        ? `passed via ${alt(job)}`
        : c.waived.includes(job)
          ? 'waived'
          : c.failed.includes(job)
            ? 'failed'
            : c.inProgress.includes(job)
              ? 'in progress'
              : 'missing';
  out.table(
    ['CRITERIA JOB', 'STATE', 'ALTERNATIVES'],
    x.criteria.map((j) => [j, jobState(j), (x.alternativeCriteria[j] ?? []).join(', ') || '-']),
  );
  const k = x.controls;
  out.line(
    `  hold: ${k.configHold ? 'held in the release config' : k.hold ? `held by ${k.hold.by}: ${k.hold.why}` : 'none'}`,
  );
  out.line(
    `  approval: ${x.approval.required ? (x.approval.given ? 'required, given' : 'required, not given') : 'not required'}`,
  );
  out.line(
    `  soak: ${x.soak.seconds ? `${seconds(x.soak.seconds)} from ${when(x.soak.since) ?? 'now'}, ` + (x.soak.remaining > 0 ? `ends ${when(x.soak.endsAt)}` : 'done') : 'none'}`,
  );
  out.line(
    `  windows: ${x.windows.windows.length === 0 ? 'any time' : x.windows.open ? 'open now' : `closed, next opens ${when(x.windows.nextOpen) ?? 'never'}`}`,
  );
  for (const w of k.waivers) out.line(`  waiver: ${w.job} for ${w.fullHash} until ${when(w.expiresAt)} (${w.by})`);
  for (const w of x.warnings) out.line(`  ${out.c.yellow(`warning: ${w}`)}`);
  out.line(`  ${linkLine(out, 'controller', x.controller.workflowId)} (${x.controller.state})`);
}

export function explainCommand(): Command {
  return releaseOptions(
    new Command('explain')
      .description(
        'Why a hash is or is not promotable to a label: missing, failed and waived jobs, alternative criteria, ' +
          'holds, approval, soak time and promotion windows.',
      )
      .argument(
        '<full_hash>',
        'the hash as the promoter names it: <commit>_<distro[:8]>[_<ext>_<ext>] or an aggregate hash',
      )
      .option('-l, --label <label>', 'the target label (required)'),
  )
    .addOption(jsonOption())
    .action(async (hash: unknown, raw: Record<string, unknown>) => {
      const opts = parseOptions(schema, { ...raw, fullHash: hash }, 'explain', { fullHash: '<full_hash>' });
      const cfg = single(
        narrow(loadConfigs(opts), {
          labels: [opts.label],
          hashKind: { kind: hashKindOf(opts.fullHash), option: '<full_hash>' },
        }),
      );
      const out = output(opts.json);
      await withSession(async (session) => {
        const { client, error } = await session.temporalOrNull();
        const view = await readController(client, cfg, 5000, error);
        const now = nowSeconds();
        const ev = await evaluateLabel(session, cfg, opts.label, waiversOf(view), now);
        const candidate = explainHash(ev.input, opts.fullHash);
        const controls = controlsOf(cfg, opts.label, view);
        const p = ev.promotion;
        const criteriaMet = candidate.status === 'selected' || candidate.status === 'promotable';
        const verdict = criteriaMet ? gateFor(p, opts.fullHash, candidate.timestamp, controls, now) : null;
        const endsAt = p.soakSeconds > 0 ? (candidate.timestamp ?? now) + p.soakSeconds : null;
        const base: Omit<ExplainJson, 'verdict'> = {
          release: cfg.release,
          distro: cfg.distro,
          label: opts.label,
          candidateLabel: p.candidateLabel,
          fullHash: opts.fullHash,
          criteriaMet,
          wouldPromote: candidate.status === 'selected' && verdict === null,
          candidate,
          current: ev.current?.fullHash ?? null,
          selected: ev.decision.selectedFullHash,
          criteria: p.criteria,
          alternativeCriteria: p.alternativeCriteria,
          controls,
          approval: {
            required: p.approvalRequired,
            given: controls.approvals.some((a) => a.fullHash === opts.fullHash),
          },
          soak: {
            seconds: p.soakSeconds,
            since: candidate.timestamp,
            endsAt,
            remaining: endsAt === null ? 0 : Math.max(0, endsAt - now),
          },
          windows: {
            windows: p.windows,
            open: inWindow(p.windows, now),
            nextOpen: inWindow(p.windows, now) ? null : nextWindowOpen(p.windows, now),
          },
          gate: verdict,
          controller: {
            workflowId: view.workflowId,
            state: view.state,
            webUi: uiLink(view.workflowId, view.runId),
            error: view.error,
          },
          warnings: ev.decision.warnings,
        };
        const x: ExplainJson = { ...base, verdict: verdictOf(base) };
        if (out.json) out.printJson(x);
        else print(out, x);
      });
    });
}
