// Options shared by the commands and the zod building blocks their schemas are made of. Every command parses its
// options with a schema before it reads a file or calls a server; a problem becomes "--option: expected ... (got ...)".
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseDuration } from '../../domain/config.js';
import { ARTIFACT_KINDS, type ArtifactKind } from '../../domain/promotion.js';
import { usageError } from './errors.js';

const MAX_WAIVER_SECONDS = 30 * 86400;

/** -c/-r: which release files, and which release of them. Every command has them. */
export function releaseOptions(cmd: Command): Command {
  return cmd
    .option(
      '-c, --release-config <file...>',
      'release YAML files (default: every *.yaml in $PROMOTER_CONFIG_DIR, else config/sandbox)',
    )
    .option(
      '-r, --release <release[/distro]>',
      'only this release of the release files, e.g. wallaby or wallaby/centos9',
    );
}

export const jsonOption = () => new Option('--json', 'machine-readable JSON on stdout (stable shape, no colour)');

/** --by/--why: every manual control records who asked and why. */
export function actorOptions(cmd: Command): Command {
  return cmd
    .option('--why <reason>', 'why (required; recorded in the controller audit log)')
    .option('--by <user>', 'who asks (default: $USER)');
}

export const commonShape = {
  releaseConfig: z.array(z.string().min(1)).optional(),
  release: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/, { error: 'expected a release like wallaby or wallaby/centos9' })
    .optional(),
  json: z.boolean().optional(),
};

export function defaultUser(env: NodeJS.ProcessEnv = process.env): string {
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export const actorShape = {
  why: z
    .string({ error: 'required: say why (it is recorded with who asked)' })
    .trim()
    .min(1, { error: 'required: say why (it is recorded with who asked)' }),
  by: z
    .string()
    .trim()
    .min(1, { error: 'expected a user name' })
    .optional()
    .transform((v) => v ?? defaultUser()),
};

const LABEL_RE = /^[A-Za-z][A-Za-z0-9._-]*$/;
export const label = z
  .string({ error: 'required: a target label like current-tripleo' })
  .regex(LABEL_RE, { error: 'expected a DLRN label name (letters, digits, ".", "_", "-")' });
export const job = z.string({ error: 'required: a CI job name' }).regex(/^\S+$/, { error: 'expected a job name' });

const sha1 = (what: string) =>
  z.string().regex(/^[0-9a-f]{40}$/, { error: `expected the ${what}: 40 lowercase hex characters` });
export const commitHash = sha1('commit_hash');
export const distroHash = sha1('distro_hash');
export const extendedHash = z.string().regex(/^[0-9a-f]{40}_[0-9a-f]{40}$/, {
  error: 'expected the extended_hash: <40 hex distro sha1>_<40 hex commit sha1>',
});
export const aggregateHash = z
  .string()
  .regex(/^[0-9a-f]{32,64}$/, { error: 'expected an aggregate hash: 32 to 64 lowercase hex characters' });
/** What the promoter calls a hash: <commit>_<distro[:8]>[_<ext>_<ext>] or an aggregate hash. */
export const FULL_HASH_RE = /^[0-9a-f]{32,64}(_[0-9a-f]{8}){0,3}$/;
export const fullHash = z.string({ error: 'required: a full_hash' }).regex(FULL_HASH_RE, {
  error: 'expected a full_hash: <commit sha1>_<distro sha1[:8]>[_<ext>_<ext>] or an aggregate hash',
});
export const hashKindOf = (fh: string): 'commit' | 'aggregate' => (fh.includes('_') ? 'commit' : 'aggregate');

export const waiverDuration = z.string({ error: 'required: how long, like 2h, 30m or 45s' }).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined || s < 1 || s > MAX_WAIVER_SECONDS) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration between 1s and 30d, like 2h, 30m, 45s or 1h30m' });
    return z.NEVER;
  }
  return s;
});

export const kinds = z
  .string()
  .transform((v) => v.split(',').map((k) => k.trim()))
  .pipe(
    z
      .array(z.enum(ARTIFACT_KINDS as [ArtifactKind, ...ArtifactKind[]]), {
        error: `expected a comma-separated list of ${ARTIFACT_KINDS.join(', ')}`,
      })
      .min(1),
  )
  .optional();

export const bool = z.enum(['true', 'false', 'True', 'False'], { error: 'expected true or false' });

export const epochSeconds = z
  .string()
  .regex(/^\d+$/, { error: 'expected seconds since the epoch' })
  .transform((v) => Number(v));

export const isoTime = z.string().transform((v, ctx) => {
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time like 2026-01-31T12:00:00Z' });
    return z.NEVER;
  }
  return new Date(t);
});

const flag = (key: PropertyKey) => `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses commander's option object; every problem names its option. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  opts: unknown,
  command: string,
  positional: Record<string, string> = {},
): z.output<S> {
  const r = schema.safeParse(opts);
  if (r.success) return r.data;
  const raw = (opts ?? {}) as Record<string, unknown>;
  const problems = r.error.issues.map((iss) => {
    const key = iss.path[0];
    const name = key === undefined ? 'arguments' : (positional[String(key)] ?? flag(key));
    const got = key === undefined ? '' : ` (got ${shown(raw[key as string])})`;
    return `${name}: ${iss.message}${got}`;
  });
  const distinct = [...new Set(problems)];
  // One problem is the message itself; several are listed under it.
  if (distinct.length === 1) throw usageError(distinct[0]!);
  throw usageError(`invalid arguments for \`promoter ${command}\``, distinct);
}
