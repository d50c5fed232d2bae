// How results reach the operator: JSON for scripts (stable shape, no colour), tables and colour for a terminal,
// plain aligned text when stdout is a pipe or a file. Web UI links for the workflows a command touched.
import Table from 'cli-table3';
import pc from 'picocolors';
import { temporalSettings, workflowUiUrl } from '../connection.js';

export interface Out {
  json: boolean;
  tty: boolean;
  c: ReturnType<typeof pc.createColors>;
  line(text?: string): void;
  /** Notes about progress go to stderr, so stdout stays the result. */
  note(text: string): void;
  printJson(value: unknown): void;
  table(head: string[], rows: (string | number | null)[][], indent?: string): void;
}

export function output(json = false, stream: NodeJS.WriteStream = process.stdout): Out {
  const tty = !json && stream.isTTY === true && !process.env.NO_COLOR;
  const c = pc.createColors(tty);
  const line = (text = '') => stream.write(`${text}\n`);
  return {
    json,
    tty,
    c,
    line,
    note: (text) => process.stderr.write(`${text}\n`),
    printJson: (value) => line(JSON.stringify(value, null, 2)),
    table(head, rows, indent = '  ') {
      const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? '-' : String(v))));
      if (tty) {
        const t = new Table({ head: head.map((h) => c.bold(h)), style: { head: [], border: [] } });
        t.push(...cells);
        line(
          t
            .toString()
            .split('\n')
            .map((l) => indent + l)
            .join('\n'),
        );
        return;
      }
      const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
      for (const r of [head, ...cells]) {
        line(
          indent +
            r
              .map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!)))
              .join('  ')
              .trimEnd(),
        );
      }
    },
  };
}

/** The Web UI link of a workflow (latest run when runId is absent), or null without TEMPORAL_UI_URL. */
export const uiLink = (workflowId: string, runId?: string | null) => workflowUiUrl(workflowId, runId ?? undefined);

export function scheduleUiLink(scheduleId: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const base = env.TEMPORAL_UI_URL;
  if (!base) return null;
  const ns = encodeURIComponent(temporalSettings(env).namespace);
  return `${base.replace(/\/$/, '')}/namespaces/${ns}/schedules/${encodeURIComponent(scheduleId)}`;
}

/** "workflow <id>: <link>" for the text output; the ID alone when no UI is known. */
export function linkLine(out: Out, what: string, workflowId: string, runId?: string | null): string {
  const url = uiLink(workflowId, runId);
  return `${what} ${out.c.cyan(workflowId)}${url ? `  ${out.c.dim(url)}` : ''}`;
}

/** Epoch seconds as "2026-01-31 12:00Z". */
export function when(epochSeconds: number | null | undefined): string | null {
  if (epochSeconds === null || epochSeconds === undefined) return null;
  return new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

export const isoOf = (epochSeconds: number | null | undefined) =>
  epochSeconds === null || epochSeconds === undefined ? null : new Date(epochSeconds * 1000).toISOString();

/** Long hashes shortened to fit a terminal table; plain text and JSON always have them whole. */
export const short = (hash: string | null | undefined, tty: boolean) =>
  hash ? (tty && hash.length > 24 ? `${hash.slice(0, 21)}…` : hash) : null;

export function seconds(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Colour of an outcome or candidate status: green moved, yellow waits, red failed. */
export function tone(out: Out, word: string): string {
  if (['promoted', 'selected', 'dry-run', 'done', 'running'].includes(word)) return out.c.green(word);
  if (['failed', 'missing_jobs', 'malformed'].includes(word)) return out.c.red(word);
  if (['nothing-to-promote', 'already-promoted', 'skipped', 'absent'].includes(word)) return out.c.dim(word);
  return out.c.yellow(word);
}
