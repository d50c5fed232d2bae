// What the CLI says when something did not work: the chain of causes that matters (skipping Temporal's generic
// wrappers), and for a promotion what failed, what was put back, what stays ahead of DLRN and the hint. Pure, so
// the wording is tested without a server.
import { isPromoterError } from '../domain/errors.js';
import type { PromotionFailureRecord, PromotionResult } from '../workflows/contract.js';

interface Node {
  name?: string;
  message?: string;
  cause?: unknown;
  details?: unknown[];
}

/** Wrappers whose own message says nothing ("Workflow Update failed", "activity failed"): their cause does. */
const WRAPPERS = new Set([
  'WorkflowUpdateFailedError',
  'WorkflowFailedError',
  'ActivityFailure',
  'ChildWorkflowFailure',
]);

const isPromotionResult = (v: unknown): v is PromotionResult =>
  typeof v === 'object' && v !== null && 'outcome' in v && 'label' in v && 'fullHash' in v;

/** Restored / still-ahead lines of a promotion result (its outcome and error are said elsewhere). */
function aftermath(r: PromotionResult, indent: string): string[] {
  const out: string[] = [];
  if (r.restored?.length) out.push(`${indent}restored: ${r.restored.join(', ')}`);
  if (r.leftAhead?.length) out.push(`${indent}still ahead of DLRN: ${r.leftAhead.join(', ')}`);
  return out;
}

export interface FailureReport {
  /** The first line is the error; the others say why and what it left behind. */
  lines: string[];
  hint: string | null;
  /** An update refused by the controller's validator (a bad argument, nothing changed): a usage error. */
  refused: boolean;
}

export function failureLines(err: unknown): FailureReport {
  const chain: Node[] = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 12; e = (e as Node).cause) {
    chain.push(e as Node);
  }
  if (chain.length === 0) return { lines: [String(err)], hint: null, refused: false };
  const innermost = chain.at(-1)!.message ?? '';
  if (chain[0]!.name === 'WorkflowUpdateFailedError' && innermost.startsWith('--')) {
    return { lines: [innermost], hint: null, refused: true };
  }
  const messages: string[] = [];
  for (const n of chain) {
    const m = n.message?.trim();
    if (!m || (WRAPPERS.has(n.name ?? '') && n.cause)) continue;
    if (messages.some((seen) => seen.includes(m))) continue;
    messages.push(m);
  }
  if (messages.length === 0) messages.push(chain[0]!.message ?? String(err));
  const result = chain.map((n) => n.details?.[0]).find(isPromotionResult);
  const hint =
    result?.error?.hint ?? chain.map((n) => (isPromoterError(n) ? n.suggestion : undefined)).find(Boolean) ?? null;
  return {
    lines: [
      messages[0]!,
      ...messages.slice(1).map((m) => `  caused by: ${m}`),
      ...(result ? aftermath(result, '  ') : []),
    ],
    hint,
    refused: false,
  };
}

/** A promotion that ran: its outcome, and when it did not promote, the cause and what it left where. */
export function promotionLines(r: PromotionResult): string[] {
  const lines = [`${r.fullHash} → ${r.label}: ${r.outcome}`];
  if (r.error) lines.push(`  failed at ${r.error.step}: ${r.error.message} (${r.error.type})`);
  lines.push(...aftermath(r, '  '));
  if (r.error?.hint) lines.push(`  hint: ${r.error.hint}`);
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w}`);
  return lines;
}

export const promoted = (r: Pick<PromotionResult, 'outcome'>) =>
  r.outcome === 'promoted' || r.outcome === 'already-promoted';

/** A failed promotion as `status` lists it, from the controller's failure records. */
export function failureRecordLines(f: PromotionFailureRecord): string[] {
  const at = new Date(f.at * 1000).toISOString().replace('.000Z', 'Z');
  const lines = [`${f.label} ← ${f.fullHash} at ${at}: ${f.outcome}`];
  if (f.error) lines.push(`    failed at ${f.error.step}: ${f.error.message} (${f.error.type})`);
  if (f.leftAhead.length) lines.push(`    still ahead of DLRN: ${f.leftAhead.join(', ')}`);
  if (f.error?.hint) lines.push(`    hint: ${f.error.hint}`);
  lines.push(`    workflow: ${f.workflowId}`);
  return lines;
}
