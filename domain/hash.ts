// The identity of what gets promoted: a DLRN commit/distro(/extended) hash or a component-pipeline aggregate hash.
// Pure code: it also runs inside the Temporal workflow sandbox. Hashes are plain JSON objects so they can travel
// through Temporal payloads unchanged.

import { ErrorCode, PromoterError } from './errors.js';

export interface CommitHash {
  kind: 'commit';
  commitHash: string;
  distroHash: string;
  /** `<extended distro sha1>_<extended commit sha1>`, or null when DLRN has none. */
  extendedHash: string | null;
  component: string | null;
}

export interface AggregateHash {
  kind: 'aggregate';
  aggregateHash: string;
}

export type DlrnHash = CommitHash | AggregateHash;

export interface CommitHashFields {
  commitHash: string;
  distroHash: string;
  extendedHash?: string | null;
  component?: string | null;
}

/** The hash fields of a DLRN /api/promotions row (other fields are ignored). Typed loosely: it is wire data. */
export interface PromotionHashFields {
  commit_hash?: unknown;
  distro_hash?: unknown;
  extended_hash?: unknown;
  aggregate_hash?: unknown;
  component?: unknown;
}

const SHA1_LENGTH = 40;
// DLRN's aggregate_hash is an md5 (32 hex); accept up to sha256 length in case DLRN changes digest.
const AGGREGATE_MIN = 32;
const AGGREGATE_MAX = 64;
const EXTENDED = /^[0-9a-f]{40}_[0-9a-f]{40}$/;
const NAME = /^[A-Za-z0-9._-]+$/;

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

function malformed(field: string, value: unknown, why: string): PromoterError {
  return new PromoterError(ErrorCode.MalformedHash, `malformed ${field} ${show(value)}: ${why}`, {
    context: { field, value },
    suggestion: 'check the promotion or vote record in DLRN; hashes are lowercase hex as DLRN writes them',
  });
}

/** Rejects what could escape a repo directory or break a URL, before any finer check. */
function safeString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw malformed(field, value, 'must be a string');
  if (value.includes('/') || value.includes('..') || /\s/.test(value)) {
    throw malformed(field, value, "must not contain '/', '..' or whitespace");
  }
  return value;
}

function hex(field: string, value: unknown, min: number, max: number): string {
  const s = safeString(field, value);
  if (/^[0-9a-fA-F]+$/.test(s) && /[A-F]/.test(s)) {
    throw malformed(field, value, 'must be lowercase hex (DLRN writes hashes in lowercase)');
  }
  if (!/^[0-9a-f]*$/.test(s)) throw malformed(field, value, 'must be hex');
  if (s.length < min || s.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw malformed(field, value, `must be ${want} hex characters, got ${s.length}`);
  }
  return s;
}

/**
 * DLRN stores a missing extended hash as NULL, and some rows carry the string 'None' or ''. Like the 2024 promoter fix,
 * any value of 40 characters or fewer counts as absent: the promoter only handles DLRN's dual form
 * `<distro sha1>_<commit sha1>` (81 chars). (DLRN itself would add `_<ext[:8]>` to the repo dir for a short value;
 * RDO never produces one, and it must never crash us.) A longer value must be exactly the dual form.
 */
export function normalizeExtendedHash(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw malformed('extended_hash', value, 'must be a string or null');
  if (value.length <= SHA1_LENGTH) return null;
  const s = safeString('extended_hash', value);
  if (EXTENDED.test(s)) return s;
  if (EXTENDED.test(s.toLowerCase())) {
    throw malformed('extended_hash', value, 'must be lowercase hex (DLRN writes hashes in lowercase)');
  }
  throw malformed('extended_hash', value, "must be '<40 hex distro hash>_<40 hex commit hash>'");
}

/** DLRN treats component NULL and 'None' alike (db.Commit.getshardedcommitdir); so do we, and '' too. */
export function normalizeComponent(value: unknown): string | null {
  if (value === null || value === undefined || value === '' || value === 'None') return null;
  return checkName('component', value);
}

function checkName(field: string, value: unknown): string {
  const s = safeString(field, value);
  if (!NAME.test(s) || s === '.') throw malformed(field, value, 'must contain only letters, digits, ., _ and -');
  return s;
}

export function makeCommitHash(fields: CommitHashFields): CommitHash {
  return {
    kind: 'commit',
    commitHash: hex('commit_hash', fields.commitHash, SHA1_LENGTH, SHA1_LENGTH),
    distroHash: hex('distro_hash', fields.distroHash, SHA1_LENGTH, SHA1_LENGTH),
    extendedHash: normalizeExtendedHash(fields.extendedHash),
    component: normalizeComponent(fields.component),
  };
}

export function makeAggregateHash(aggregateHash: string): AggregateHash {
  return { kind: 'aggregate', aggregateHash: hex('aggregate_hash', aggregateHash, AGGREGATE_MIN, AGGREGATE_MAX) };
}

/** Re-validates a hash that arrived from outside (Temporal payload, CLI, file) and drops unknown fields. */
export function toDlrnHash(value: unknown): DlrnHash {
  if (typeof value !== 'object' || value === null) throw malformed('hash', value, 'must be an object');
  const v = value as Record<string, unknown>;
  if (v.kind === 'aggregate') return makeAggregateHash(v.aggregateHash as string);
  if (v.kind === 'commit') {
    return makeCommitHash({
      commitHash: v.commitHash as string,
      distroHash: v.distroHash as string,
      extendedHash: v.extendedHash as string | null,
      component: v.component as string | null,
    });
  }
  throw malformed('kind', v.kind, "must be 'commit' or 'aggregate'");
}

/**
 * The promoter's name for a hash: container tag, qcow directory, vote key.
 * commit: `<commit>_<distro[:8]>`, extended: `+ _<ext[:8]>_<ext[41:49]>` (DLRN's repo dir rule, which for the dual
 * form equals the old promoter's `_<extdistro[:8]>_<extcommit[:8]>`); aggregate: the aggregate hash itself.
 */
export function fullHash(h: DlrnHash): string {
  if (h.kind === 'aggregate') return h.aggregateHash;
  const base = `${h.commitHash}_${h.distroHash.slice(0, 8)}`;
  if (h.extendedHash === null) return base;
  return `${base}_${h.extendedHash.slice(0, 8)}_${h.extendedHash.slice(41, 49)}`;
}

/**
 * The DLRN repo directory, relative to the repo URL: commit `[component/<c>/]ab/cd/<full_hash>`,
 * aggregate `<label>/ab/cd/<aggregate>` (aggregate repos only exist under a label, so the label is required).
 */
export function repoPath(h: DlrnHash, label?: string): string {
  // It builds a path: re-validate in case the hash was not built by make*.
  const hash = toDlrnHash(h);
  if (hash.kind === 'commit') {
    const prefix = hash.component === null ? '' : `component/${hash.component}/`;
    return `${prefix}${hash.commitHash.slice(0, 2)}/${hash.commitHash.slice(2, 4)}/${fullHash(hash)}`;
  }
  if (label === undefined || label === '') {
    throw new PromoterError(ErrorCode.Usage, 'the repo path of an aggregate hash needs a label', {
      context: { field: 'label', value: label, aggregateHash: hash.aggregateHash },
      suggestion: 'pass the label the aggregate hash was promoted to, e.g. tripleo-ci-testing',
    });
  }
  const safeLabel = checkName('label', label);
  const a = hash.aggregateHash;
  return `${safeLabel}/${a.slice(0, 2)}/${a.slice(2, 4)}/${a}`;
}

/**
 * Same build: kind plus the full hashes (not abbreviated). Component is not part of identity: DLRN identifies a build
 * by commit+distro(+extended), and the old promoter decided "already promoted" by full_hash, which has no component.
 */
export function hashEquals(a: DlrnHash, b: DlrnHash): boolean {
  if (a.kind === 'aggregate') return b.kind === 'aggregate' && a.aggregateHash === b.aggregateHash;
  if (b.kind === 'aggregate') return false;
  return a.commitHash === b.commitHash && a.distroHash === b.distroHash && a.extendedHash === b.extendedHash;
}

/**
 * Builds the hash of a DLRN /api/promotions row. As in the old promoter, a row with an aggregate_hash is an aggregate
 * hash (its commit fields describe just one component); otherwise it is a commit hash.
 */
export function hashFromPromotion(record: PromotionHashFields): DlrnHash {
  if (typeof record !== 'object' || record === null) throw malformed('promotion', record, 'must be an object');
  if (record.aggregate_hash !== null && record.aggregate_hash !== undefined) {
    return makeAggregateHash(record.aggregate_hash as string);
  }
  return makeCommitHash({
    commitHash: record.commit_hash as string,
    distroHash: record.distro_hash as string,
    extendedHash: record.extended_hash as string | null,
    component: record.component as string | null,
  });
}

/** Short human form for logs and reasons: `1234abcd_5678abcd[_ext_ext] [(component c)]` or `aggregate 1234abcd`. */
export function describeHash(h: DlrnHash): string {
  if (h.kind === 'aggregate') return `aggregate ${h.aggregateHash.slice(0, 8)}`;
  const ext = h.extendedHash === null ? '' : `_${h.extendedHash.slice(0, 8)}_${h.extendedHash.slice(41, 49)}`;
  const component = h.component === null ? '' : ` (component ${h.component})`;
  return `${h.commitHash.slice(0, 8)}_${h.distroHash.slice(0, 8)}${ext}${component}`;
}
