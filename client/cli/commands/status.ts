// `promoter status`: where every label of every release stands, computed directly from DLRN with the promotion
// engine (no Temporal needed), plus the release controller's controls when it runs.
import { Command } from 'commander';
import { z } from 'zod';
import type { ReleaseConfig } from '../../../domain/config.js';
import { stageOrder } from '../../../domain/config.js';
import type { CandidateExplanation } from '../../../domain/engine.js';
import { readController, type ControllerView } from '../../controller-client.js';
import { loadConfigs, narrow, releaseName, withSession, type Session } from '../context.js';
import { controlsOf, evaluateLabel, gateFor, nowSeconds, waiversOf, type LabelControls } from '../evaluate.js';
import { commonShape, jsonOption, label, parseOptions, releaseOptions } from '../options.js';
import { linkLine, output, short, tone, uiLink, when, type Out } from '../output.js';

const schema = z.strictObject({ ...commonShape, label: label.optional() });

/** Candidates that are out of the race (older than the target, duplicates) are left out. */
const OUT_OF_RACE = new Set(['not_newer', 'already_promoted', 'duplicate']);

export interface CandidateStatusJson {
  fullHash: string;
  /** When it reached the candidate label (epoch seconds). */
  since: number | null;
  status: CandidateExplanation['status'];
  reason: string;
  /** What it waits for; null when it promotes on the next pass. */
  waitingFor: string | null;
  passed: string[];
  missing: string[];
  failed: string[];
  inProgress: string[];
  waived: string[];
  alternativesUsed: { job: string; via: string }[];
}

export interface LabelStatusJson {
  label: string;
  candidateLabel: string;
  current: { fullHash: string; promotedAt: number | null } | null;
  /** The hash the next pass would promote if nothing held it back. */
  next: string | null;
  waitingFor: string | null;
  gate: { outcome: string; reason: string; wakeAt: number | null } | null;
  controls: LabelControls;
  candidates: CandidateStatusJson[];
  warnings: string[];
}

export interface ReleaseStatusJson {
  release: string;
  distro: string;
  hashKind: string;
  apiUrl: string;
  controller: ControllerView & { webUi: string | null };
  labels: LabelStatusJson[];
}

async function labelStatus(
  session: Session,
  cfg: ReleaseConfig,
  label: string,
  view: ControllerView,
  now: number,
): Promise<LabelStatusJson> {
  const ev = await evaluateLabel(session, cfg, label, waiversOf(view), now);
  const controls = controlsOf(cfg, label, view);
  const selected = ev.decision.candidates.find((c) => c.status === 'selected') ?? null;
  const verdict = selected ? gateFor(ev.promotion, selected.fullHash, selected.timestamp, controls, now) : null;
  const candidates = ev.decision.candidates
    .filter((c) => !OUT_OF_RACE.has(c.status))
    .map((c): CandidateStatusJson => ({
      fullHash: c.fullHash,
      since: c.timestamp,
      status: c.status,
      reason: c.reason,
      waitingFor: c.status === 'selected' ? (verdict?.reason ?? null) : c.reason,
      passed: c.passed,
      missing: c.missing,
      failed: c.failed,
      inProgress: c.inProgress,
      waived: c.waived,
      alternativesUsed: c.alternativesUsed,
    }));
  const newestWaiting = candidates.find((c) => c.status === 'in_progress' || c.status === 'missing_jobs');
  return {
    label,
    candidateLabel: ev.promotion.candidateLabel,
    current: ev.current,
    next: selected?.fullHash ?? null,
    waitingFor: selected
      ? (verdict?.reason ?? null)
      : newestWaiting
        ? `newest candidate ${newestWaiting.fullHash}: ${newestWaiting.reason}`
        : `no candidate in ${ev.promotion.candidateLabel} newer than the current hash`,
    gate: verdict,
    controls,
    candidates,
    warnings: ev.decision.warnings,
  };
}

export async function releaseStatus(
  session: Session,
  cfg: ReleaseConfig,
  labels: string[] | undefined,
): Promise<ReleaseStatusJson> {
  const { client, error } = await session.temporalOrNull();
  const view = await readController(client, cfg, 5000, error);
  const now = nowSeconds();
  const order = stageOrder(cfg).filter((l) => !labels || labels.includes(l));
  return {
    release: cfg.release,
    distro: cfg.distro,
    hashKind: cfg.hashKind,
    apiUrl: cfg.apiUrl,
    controller: { ...view, webUi: uiLink(view.workflowId, view.runId) },
    labels: await Promise.all(order.map((l) => labelStatus(session, cfg, l, view, now))),
  };
}

function controllerLine(out: Out, s: ReleaseStatusJson): string[] {
  const v = s.controller;
  const lines = [linkLine(out, 'controller', v.workflowId, v.runId)];
  if (v.state === 'absent')
    lines.push(`  ${out.c.dim('not started: it starts with the first promote, control or tick')}`);
  else if (v.state !== 'running' || !v.status) lines.push(`  ${out.c.yellow(v.state)}${v.error ? `: ${v.error}` : ''}`);
  else {
    const st = v.status;
    lines.push(
      `  ${st.running ? `running: ${st.running.reason} since ${when(st.running.startedAt)}` : 'idle'}` +
        (st.pendingEvaluations ? `, ${st.pendingEvaluations} queued` : '') +
        (st.lastPass ? `; last pass ${when(st.lastPass.finishedAt)} (${st.lastPass.reason})` : ''),
    );
    if (st.lastError)
      lines.push(`  last error ${when(st.lastError.at)}: ${st.lastError.reason}: ${st.lastError.message}`);
    for (const w of st.wakeups) lines.push(`  wake-up ${when(w.at)} for ${w.label} (${w.why})`);
  }
  return lines;
}

export function controlLines(out: Out, l: LabelStatusJson): string[] {
  const c = l.controls;
  const lines: string[] = [];
  if (c.configHold) lines.push(out.c.yellow(`held in the release config`));
  if (c.hold) lines.push(out.c.yellow(`held by ${c.hold.by} at ${when(c.hold.at)}: ${c.hold.why}`));
  for (const a of c.approvals) lines.push(`approved ${a.fullHash} by ${a.by} at ${when(a.at)}: ${a.why}`);
  for (const w of c.waivers)
    lines.push(`waiver of ${w.job} for ${w.fullHash} until ${when(w.expiresAt)} by ${w.by}: ${w.reason}`);
  return lines;
}

function printRelease(out: Out, s: ReleaseStatusJson): void {
  out.line(out.c.bold(`${s.release}/${s.distro}`) + out.c.dim(`  ${s.hashKind} hashes, DLRN ${s.apiUrl}`));
  for (const l of controllerLine(out, s)) out.line(`  ${l}`);
  out.table(
    ['STAGE', 'CURRENT', 'PROMOTED', 'NEXT', 'WAITING FOR'],
    s.labels.map((l) => [
      `${l.candidateLabel} → ${l.label}`,
      short(l.current?.fullHash, out.tty),
      when(l.current?.promotedAt),
      short(l.next, out.tty),
      l.waitingFor ?? out.c.green('nothing: promotes on the next pass'),
    ]),
  );
  for (const l of s.labels) {
    const controls = controlLines(out, l);
    if (l.candidates.length === 0 && controls.length === 0 && l.warnings.length === 0) continue;
    out.line(`  ${out.c.bold(l.label)} (candidates from ${l.candidateLabel}, newest first)`);
    for (const c of controls) out.line(`    ${c}`);
    for (const w of l.warnings) out.line(`    ${out.c.yellow(`warning: ${w}`)}`);
    if (l.candidates.length > 0) {
      out.table(
        ['CANDIDATE', 'SINCE', 'STATUS', 'WAITING FOR'],
        l.candidates.map((c) => [short(c.fullHash, out.tty), when(c.since), tone(out, c.status), c.waitingFor ?? '-']),
        '    ',
      );
    }
  }
  out.line();
}

export function statusCommand(): Command {
  return releaseOptions(
    new Command('status')
      .description(
        'Where each label stands: its current hash and when it was promoted, the candidates and what each waits for ' +
          '(computed from DLRN), and the release controller’s holds, approvals, waivers, running pass and wake-ups.',
      )
      .option('-l, --label <label>', 'only this target label'),
  )
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, 'status');
      const configs = narrow(loadConfigs(opts), { labels: opts.label ? [opts.label] : undefined });
      const out = output(opts.json);
      await withSession(async (session) => {
        const releases = await Promise.all(
          configs.map((cfg) => releaseStatus(session, cfg, opts.label ? [opts.label] : undefined)),
        );
        if (out.json) return out.printJson({ releases });
        releases.forEach((s) => printRelease(out, s));
        if (releases.some((s) => s.controller.state === 'unreachable')) {
          out.note(`note: controller status unavailable for ${configs.map(releaseName).join(', ')} (see above)`);
        }
      });
    });
}
