// What every `promoter` command shares: option schemas and the one error handler (exit 0 done, 1 failed, 2 usage),
// release configs, the Temporal connection and the release controller, and output (tables and colour only on a
// TTY, --json for machines, a Web UI link for every workflow touched).
import type { Client, WorkflowHandle } from '@temporalio/client';
import Table from 'cli-table3';
import { readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pc from 'picocolors';
import { z } from 'zod';
import { loadReleaseConfig } from '../domain/config-file.js';
import type { ReleaseConfig } from '../domain/config.js';
import { ErrorCode, isPromoterError, PromoterError } from '../domain/errors.js';
import { ARTIFACT_KINDS, releaseWorkflowId } from '../domain/promotion.js';
import type { releaseController } from '../workflows/controller.js';
import type { ReleasePassResult, StageResult } from '../workflows/contract.js';
import { Distro, Release } from '../workflows/search-attributes.js';
import { connectClient, temporalSettings, workflowUiUrl } from './connection.js';

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

/** Parses a command's options with its schema; every problem names its option. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.map(
    (i) => `--${String(i.path[0] ?? '?').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`,
  );
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
export const why = z.string({ error: 'a reason is required for every manual control' }).trim().min(1, {
  error: 'a reason is required for every manual control',
});
export const by = z
  .string()
  .trim()
  .min(1)
  .default(() => process.env.USER || userInfo().username);
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

/** Release configs: -c files, else every *.yaml in $PROMOTER_CONFIG_DIR (default config/sandbox). */
export function loadConfigs(files: string[] | undefined): ReleaseConfig[] {
  const list = files?.length
    ? files
    : (() => {
        const dir = resolve(process.env.PROMOTER_CONFIG_DIR ?? 'config/sandbox');
        let names: string[];
        try {
          names = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
        } catch {
          throw usage(
            `--release-config: none given and ${dir} cannot be read`,
            'pass -c <release.yaml> or set PROMOTER_CONFIG_DIR',
          );
        }
        return names.sort().map((f) => join(dir, f));
      })();
  return list.map((f) => loadReleaseConfig(f));
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
      `--label: ${label} is not a promotion target of ${cfg.release}/${cfg.distro}`,
      `use one of: ${known.join(', ')}`,
    );
  }
}

let clientPromise: Promise<Client> | undefined;
export const temporal = () => (clientPromise ??= connectClient());

/** The release's controller, started if it is not running, with the config the operator gave. */
export async function ensureController(cfg: ReleaseConfig): Promise<WorkflowHandle<typeof releaseController>> {
  const client = await temporal();
  const handle = await client.workflow.start<typeof releaseController>('releaseController', {
    taskQueue: temporalSettings().taskQueue,
    workflowId: releaseWorkflowId(cfg.release, cfg.distro),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ release: cfg.release, distro: cfg.distro }],
    staticSummary: `release controller of ${cfg.release}/${cfg.distro}`,
    typedSearchAttributes: [
      { key: Release, value: cfg.release },
      { key: Distro, value: cfg.distro },
    ],
  });
  return handle;
}

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

/** The message of a failure, looking through Temporal's wrappers (an update refused by its validator, …). */
function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let msg = e?.message ?? String(err);
  while (e?.cause && typeof e.cause === 'object') {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) msg = e.message;
  }
  return msg;
}

/** Runs a command's action: prints errors once, with a suggestion, and sets the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    let code: number = EXIT.ok;
    try {
      code = (await fn(...args)) ?? EXIT.ok;
    } catch (err) {
      const usageError = isPromoterError(err) && (err.code === ErrorCode.Usage || err.code === ErrorCode.Config);
      const refused = (err as { name?: string }).name === 'WorkflowUpdateFailedError' && /^--/.test(rootMessage(err));
      console.error(`${color.bad('error:')} ${rootMessage(err)}`);
      if (isPromoterError(err) && err.suggestion) console.error(`${color.dim('hint:')} ${err.suggestion}`);
      code = usageError || refused ? EXIT.usage : EXIT.failed;
    } finally {
      if (clientPromise) await (await clientPromise.catch(() => null))?.connection.close();
    }
    process.exitCode = code;
  };
}
