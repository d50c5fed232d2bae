// What every `promoter` command shares: option schemas and the one error handler (exit 0 done, 1 failed, 2 usage),
// release configs, the Temporal connection and the release controller, and output (tables and colour only on a
// TTY, --json for machines, a Web UI link for every workflow touched).
import type { Client } from '@temporalio/client';
import Table from 'cli-table3';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { z } from 'zod';
import { configVersion, isReleaseFileName, loadReleaseConfig } from '../domain/config-file.js';
import type { ReleaseConfig } from '../domain/config.js';
import { ErrorCode, isPromoterError, PromoterError } from '../domain/errors.js';
import { ARTIFACT_KINDS } from '../domain/promotion.js';
import type { PromotionResult, ReleasePassResult, StageResult } from '../workflows/contract.js';
import { connectClient, workflowUiUrl } from './connection.js';
import { failureLines, promotionLines } from './failure-report.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const tty = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = {
  ok: (s: string) => (tty() ? pc.green(s) : s),
  bad: (s: string) => (tty() ? pc.red(s) : s),
  dim: (s: string) => (tty() ? pc.dim(s) : s),
  bold: (s: string) => (tty() ? pc.bold(s) : s),
};

/** A usage error: a bad argument, refused before anything changes (exit 2). */
export function usage(message: string, suggestion?: string): PromoterError {
  return new PromoterError(ErrorCode.Usage, message, suggestion ? { suggestion } : {});
}

/**
 * Parses a command's options with its schema; every problem names its option (or the argument, by `args`:
 * key → `<name>`) and the value it got, escaped and cut.
 */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  args: Record<string, string> = {},
): z.infer<T> {
  const r = schema.safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? '?');
    const name = args[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const got = i.input === undefined || typeof i.input === 'object' ? '' : ` (got ${shown(i.input)})`;
    return `${name}: ${i.message}${got}`;
  });
  throw new PromoterError(ErrorCode.Usage, problems.join('\n'), { context: { problems } });
}

const DURATION = /^(\d+)(s|m|h|d)$/;
export const duration = z
  .string()
  .regex(DURATION, { error: 'expected a duration like 45s, 30m, 2h or 1d' })
  .transform((v) => {
    const [, n, unit] = DURATION.exec(v)!;
    return Number(n) * { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's' | 'm' | 'h' | 'd'];
  });
/** Recorded in the audit log and carried in history: bounded so a pasted log cannot bloat the controller. */
export const WHY_MAX = 1000;
export const why = z
  .string({ error: 'a reason is required for every manual control' })
  .trim()
  .min(1, { error: 'a reason is required for every manual control' })
  .max(WHY_MAX, { error: `at most ${WHY_MAX} characters (link to a ticket or a log instead)` });
export const by = z
  .string()
  .trim()
  .min(1)
  .default(() => process.env.USER || userInfo().username);

/**
 * The identity the CLI's Temporal client connects with: the OS account and host, not the free-text --by. The
 * server records it with every request, and controls carry it to the controller's allow-lists and audit log.
 */
export const clientIdentity = () => `${userInfo().username}@${hostname()}`;

/** Who asks and why, as a control request carries it. */
export const actorOf = (o: { by: string; why: string }) => ({ by: o.by, why: o.why, identity: clientIdentity() });

const VALUE_MAX = 80;
/**
 * A value the user typed, fit to be echoed: control characters (ANSI escapes, newlines) shown escaped, never
 * sent to the terminal, and a long value cut with its length said.
 */
export function shown(value: unknown, max = VALUE_MAX): string {
  const s = String(value);
  const cut = s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
  return escapeControls(cut);
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** Control characters as \n or \u001b, so no output line can move the cursor, recolour or forge a line. */
export const escapeControls = (s: string) =>
  s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
export const hex = (what: string, len: string) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${len}}$`), { error: `expected ${what}` });
export const extendedHashOpt = z.string().regex(/^[0-9a-f]{40}_[0-9a-f]{40}$/, { error: 'expected <40 hex>_<40 hex>' });
export const aggregateHashOpt = hex('an aggregate hash (32-64 hex)', '32,64');
export const kindsOpt = z
  .string()
  .transform((s) => s.split(',').map((k) => k.trim()))
  .pipe(
    z.array(
      z.enum(ARTIFACT_KINDS as [string, ...string[]], { error: `expected a list of ${ARTIFACT_KINDS.join(',')}` }),
    ),
  );
export const fullHashOpt = z.string().regex(/^[0-9a-f]{32,64}(_[0-9a-f]{8}){0,3}$/, { error: 'expected a full_hash' });

/** A release file as the operator has it, with the version the worker would give it. */
export interface ConfigFile {
  file: string;
  /** sha256 of the file's content, first 12 hex (what the worker records as ConfigVersion.version). */
  version: string;
  cfg: ReleaseConfig;
}

export const configVersionOf = configVersion;

/** Release configs: -c files, else every release file (*.yaml, *.ini) in $PROMOTER_CONFIG_DIR (default config/sandbox). */
export function loadConfigs(files: string[] | undefined): ReleaseConfig[] {
  return loadConfigFiles(files).map((f) => f.cfg);
}

export function loadConfigFiles(files: string[] | undefined): ConfigFile[] {
  const list = files?.length
    ? files
    : (() => {
        const dir = resolve(process.env.PROMOTER_CONFIG_DIR ?? 'config/sandbox');
        let names: string[];
        try {
          names = readdirSync(dir).filter(isReleaseFileName);
        } catch {
          throw usage(
            `--release-config: none given and ${dir} cannot be read`,
            'pass -c <release.yaml> or set PROMOTER_CONFIG_DIR',
          );
        }
        return names.sort().map((f) => join(dir, f));
      })();
  return list.map((file) => {
    const cfg = loadReleaseConfig(file);
    return { file, cfg, version: configVersionOf(readFileSync(file)) };
  });
}

/** The one config a command acts on: exactly one, or the one whose promotions include --label. */
export function oneConfig(files: string[] | undefined, label?: string, release?: string): ReleaseConfig {
  let cfgs = loadConfigs(files);
  if (release) cfgs = cfgs.filter((c) => c.release === release);
  if (label && cfgs.length > 1) cfgs = cfgs.filter((c) => c.promotions.some((p) => p.targetLabel === label));
  if (cfgs.length === 1) return cfgs[0]!;
  const names = cfgs.map((c) => `${c.release}/${c.distro}`).join(', ') || 'none';
  throw usage(
    `--release-config: this command acts on one release, found ${names}`,
    'pass -c <release.yaml> or --release <name>',
  );
}

export function checkLabel(cfg: ReleaseConfig, label: string): void {
  const known = cfg.promotions.map((p) => p.targetLabel);
  if (!known.includes(label)) {
    throw usage(
      `--label: ${shown(label)} is not a promotion target of ${cfg.release}/${cfg.distro}`,
      `use one of: ${known.join(', ')}`,
    );
  }
}

let clientPromise: Promise<Client> | undefined;
/** The CLI's Temporal client: a server that does not answer in 3 s fails the command instead of hanging it. */
export const temporal = () => (clientPromise ??= connectClient(undefined, '3s', clientIdentity()));

export function link(workflowId: string): string {
  const url = workflowUiUrl(workflowId);
  return url ? `${color.dim('workflow:')} ${url}` : `${color.dim('workflow:')} ${workflowId}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printTable(head: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  if (tty()) {
    const t = new Table({ head: head.map((h) => color.bold(h)), style: { head: [], border: [] } });
    t.push(...cells);
    console.log(t.toString());
    return;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  for (const r of [head, ...cells])
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

export const shortHash = (h: string | null | undefined) => (h ? (h.length > 20 ? `${h.slice(0, 17)}…` : h) : '-');
export const when = (epoch: number | null | undefined) =>
  epoch ? new Date(epoch * 1000).toISOString().replace('.000Z', 'Z') : '-';

/** A promotion pass as a table: each stage, the hash before and after, the outcome and why. */
export function printPass(pass: ReleasePassResult): void {
  printTable(
    ['STAGE', 'BEFORE', 'AFTER', 'OUTCOME', 'WHY'],
    pass.stages.map((s) => {
      const st = s as Partial<StageResult> & { targetLabel: string; outcome: string; reason: string };
      const after = st.outcome === 'promoted' ? st.selected : st.before;
      return [
        `${st.candidateLabel ?? '?'} → ${st.targetLabel}`,
        shortHash(st.before),
        shortHash(after),
        st.outcome,
        st.reason,
      ];
    }),
  );
}

/** A promotion's result as lines: outcome, what failed, what was restored, what stays ahead, the hint. */
export function printPromotion(r: PromotionResult): void {
  for (const line of promotionLines(r)) console.log(line);
}

/** Runs a command's action: prints errors once, with a suggestion, and sets the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    let code: number = EXIT.ok;
    try {
      code = (await fn(...args)) ?? EXIT.ok;
    } catch (err) {
      const usageError = isPromoterError(err) && (err.code === ErrorCode.Usage || err.code === ErrorCode.Config);
      const report = failureLines(err);
      // Messages may quote what the user or a server sent: each line is printed with its controls escaped.
      // Only the CLI's own usage errors hold several lines in one message (one per bad option, values shown()).
      const lines = usageError ? report.lines.flatMap((l) => l.split('\n')) : report.lines;
      const [first, ...rest] = lines.map(escapeControls);
      console.error(`${color.bad('error:')} ${first}`);
      for (const line of rest) console.error(line);
      if (report.hint) console.error(`${color.dim('hint:')} ${escapeControls(report.hint)}`);
      code = usageError || report.refused ? EXIT.usage : EXIT.failed;
    } finally {
      if (clientPromise) await (await clientPromise.catch(() => null))?.connection.close();
    }
    process.exitCode = code;
  };
}
