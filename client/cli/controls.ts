// What the commands that act through the release controller share: make sure it runs, send the update, say so
// when it takes long (usually: no worker polls the task queue), and print controls and promotion results.
import type { Client } from '@temporalio/client';
import type { ReleaseConfig } from '../../domain/config.js';
import { promotionWorkflowId } from '../../domain/promotion.js';
import type { Controls } from '../../workflows/controller-messages.js';
import type { PromotionResult } from '../../workflows/promotion.js';
import { ensureController, type ControllerHandle } from '../controller-client.js';
import { withSession, type Session } from './context.js';
import { linkLine, output, uiLink, when, type Out } from './output.js';

const PATIENCE_MS = 10_000;

/** Awaits `p`; past 10 s, tells the operator what it waits for (stderr, once). */
export async function patiently<T>(p: Promise<T>, out: Out, session: Session): Promise<T> {
  const timer = setTimeout(() => {
    out.note(
      `waiting for the release controller… (is a worker polling task queue ${session.settings.taskQueue} ` +
        `on ${session.settings.address}?)`,
    );
  }, PATIENCE_MS);
  try {
    return await p;
  } finally {
    clearTimeout(timer);
  }
}

export interface ControlContext {
  session: Session;
  client: Client;
  handle: ControllerHandle;
  runId: string;
  out: Out;
}

/** Runs fn against the running (or just started) controller of cfg. */
export function withController<T>(
  cfg: ReleaseConfig,
  json: boolean | undefined,
  fn: (c: ControlContext) => Promise<T>,
) {
  const out = output(json);
  return withSession(async (session) => {
    const client = await session.temporal();
    const { handle, runId } = await patiently(ensureController(client, cfg, session.settings.taskQueue), out, session);
    return fn({ session, client, handle, runId, out });
  });
}

/** The controller's workflow, as JSON and as a line. */
export const controllerRef = (c: ControlContext) => ({
  workflowId: c.handle.workflowId,
  runId: c.runId,
  webUi: uiLink(c.handle.workflowId, c.runId),
});

export function printControls(out: Out, controls: Controls, cfg: ReleaseConfig): void {
  const rows = [
    ...controls.holds.map((h) => ['hold', h.label, '-', h.by, when(h.at), h.why]),
    ...controls.approvals.map((a) => ['approval', a.label, a.fullHash, a.by, when(a.at), a.why]),
    ...controls.waivers.map((w) => [`waiver until ${when(w.expiresAt)}`, w.job, w.fullHash, w.by, when(w.at), w.why]),
  ];
  out.line(out.c.bold(`controls of ${cfg.release}/${cfg.distro}`));
  if (rows.length === 0) out.line('  none');
  else out.table(['CONTROL', 'LABEL/JOB', 'HASH', 'BY', 'AT', 'WHY'], rows);
}

export function printPromotion(out: Out, r: PromotionResult, cfg: ReleaseConfig): void {
  out.line(
    `${out.c.bold(r.fullHash)} → ${out.c.bold(r.label)}: ${r.outcome === 'promoted' ? out.c.green(r.outcome) : r.outcome}` +
      (r.previous ? ` (previous-${r.label} → ${r.previous})` : ''),
  );
  out.table(
    ['STEP', 'STATE', 'AT', 'NOTE'],
    r.steps.map((s) => [s.step, s.state, new Date(s.at).toISOString().slice(11, 19), s.note ?? '']),
  );
  for (const w of r.warnings) out.line(`  ${out.c.yellow(`warning: ${w}`)}`);
  out.line(linkLine(out, 'promotion', promotionWorkflowId(cfg.release, cfg.distro, r.label, r.fullHash)));
}

export function promotionRef(cfg: ReleaseConfig, r: PromotionResult) {
  const workflowId = promotionWorkflowId(cfg.release, cfg.distro, r.label, r.fullHash);
  return { workflowId, webUi: uiLink(workflowId) };
}
