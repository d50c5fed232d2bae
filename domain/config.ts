// Release configuration: parse a release file (the old promoter's format plus our keys) into one normalised,
// camelCase ReleaseConfig. Pure (no Node builtins): workflow code imports these types; config-file.ts reads files.
import type { ImageServerRef } from './promotion.js';
import type { NotifyConfig } from './notify.js';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ErrorCode, PromoterError } from './errors.js';
import { parseOldIni, resolveOldLayers, type Settings } from './config-old.js';
import { IGNORED_OLD_KEYS, releaseFileShape, type PromoterClient, type Weekday } from './config-schema.js';

export { PROMOTER_CLIENTS, parseDuration, type PromoterClient, type Weekday } from './config-schema.js';

export interface PromotionWindow {
  days: Weekday[];
  /** "HH:MM"; an end before the start means the window runs past midnight. */
  start: string;
  end: string;
  timezone: string;
}

export interface PromotionConfig {
  targetLabel: string;
  candidateLabel: string;
  /** Deduplicated: the old promoter kept them in a set. */
  criteria: string[];
  /** criteria job -> jobs that may stand in for it. Never mutated (the old promoter's bug). */
  alternativeCriteria: Record<string, string[]>;
  soakSeconds: number;
  approvalRequired: boolean;
  /** Empty: promote at any time. */
  windows: PromotionWindow[];
  hold: boolean;
}

export interface RegistryConfig {
  name: string;
  /** host[:port], no scheme. */
  url: string;
  namespace: string;
  tlsVerify: boolean;
  usernameEnv?: string;
  passwordEnv?: string;
  passwordFile?: string;
}

export interface ReleaseConfig {
  release: string;
  distroName: string;
  distroVersion: string;
  /** e.g. 'centos9'. */
  distro: string;
  /** No trailing slash. */
  apiUrl: string;
  /** Ends with a slash. */
  baseUrl: string;
  sourceNamespace: string;
  targetNamespace: string;
  latestHashesCount: number;
  /** In execution order: registries, qcow, DLRN last. */
  allowedClients: PromoterClient[];
  dryRun: boolean;
  manifestPush: boolean;
  ppcManifests: boolean;
  createPrevious: boolean;
  logFile?: string;
  dlrnApi: { host?: string; endpoint?: string; scheme: 'http' | 'https'; port?: number };
  /** In file order; see stageOrder() for the order to evaluate them in. */
  promotions: PromotionConfig[];
  registries: { source: RegistryConfig; targets: RegistryConfig[] };
  containers?: { images: string[]; prefix: string; exclude: string[] };
  /** The SFTP image server, and the qcow2 files each hash directory must hold. */
  imageServer?: ImageServerRef & { images: string[] };
  schedule: { intervalSeconds: number; jitterSeconds: number; paused: boolean };
  /** Per control, who may use it (user or user@host); a control absent here is open to anyone. */
  allowedUsers?: { forcePromote?: string[]; approve?: string[]; waive?: string[] };
  /** What the labels hold: commit/distro(/extended) hashes, or aggregate hashes of a component pipeline. */
  hashKind: 'commit' | 'aggregate';
  /** In-progress votes older than this (seconds) age out: the run crashed or never reported (in_progress_timeout). */
  inProgressTimeoutSeconds: number;
  /** Webhooks and alarm thresholds (domain/notify.ts); absent: nobody is notified. */
  notifications?: NotifyConfig;
  /** Old-promoter keys present in the file and ignored, so a caller can warn about them. */
  ignoredKeys: string[];
  /** Where hashKind came from: the file's hash_kind, the old component pipeline (dlrn.components), or the default. */
  hashKindFrom: 'hash_kind' | 'dlrn.components' | 'default';
  /** Everything read and not acted on as asked, in words an operator can act on. */
  warnings: string[];
  /** The files read, highest priority first (release file, environment defaults, global defaults). */
  layers: string[];
}

type ReleaseFile = z.output<z.ZodObject<typeof releaseFileShape>>;
type RegistryFile = NonNullable<NonNullable<ReleaseFile['registries']>['source']>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks across fields. Runs even when fields have problems (so every problem is reported at once), hence it
 * reads the partly parsed value defensively.
 */
function crossFieldChecks(value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (value.api_url === undefined && !(typeof value.dlrn_api_host === 'string' && value.dlrn_api_host !== '')) {
    problem(['api_url'], 'expected an http(s) URL of the DLRN API, or dlrn_api_host to derive it from');
  }
  if (!isRecord(value.promotions)) return;
  const candidateOf = new Map<string, string>();
  for (const [target, p] of Object.entries(value.promotions)) {
    if (!isRecord(p)) continue;
    if (p.candidate_label === target) {
      problem(['promotions', target, 'candidate_label'], `expected a label other than the target (got "${target}")`);
    } else if (typeof p.candidate_label === 'string') {
      candidateOf.set(target, p.candidate_label);
    }
    if (isRecord(p.alternative_criteria) && Array.isArray(p.criteria)) {
      for (const job of Object.keys(p.alternative_criteria)) {
        if (!p.criteria.includes(job))
          problem(['promotions', target, 'alternative_criteria', job], 'expected a job listed in criteria');
      }
    }
  }
  notificationLabelChecks(value.notifications, Object.keys(value.promotions), problem);
  // Each target has one candidate label, so a cycle is found by following candidates from each target.
  const inCycle = new Set<string>();
  for (const start of candidateOf.keys()) {
    if (inCycle.has(start)) continue;
    const chain = [start];
    let next = candidateOf.get(start);
    while (next !== undefined && next !== start && candidateOf.has(next) && !chain.includes(next)) {
      chain.push(next);
      next = candidateOf.get(next);
    }
    if (next !== start) continue;
    chain.forEach((t) => inCycle.add(t));
    problem(
      ['promotions', start, 'candidate_label'],
      `expected candidate labels that do not lead back to this target (got the cycle ${[...chain, start].join(' <- ')})`,
    );
  }
}

/** Labels named under notifications must be target labels: a typo would silently notify nobody. */
function notificationLabelChecks(
  n: unknown,
  targets: string[],
  problem: (path: (string | number)[], message: string) => void,
): void {
  if (!isRecord(n)) return;
  const known = `expected a target label of promotions: ${targets.join(', ')}`;
  if (Array.isArray(n.webhooks)) {
    n.webhooks.forEach((w, i) => {
      if (!isRecord(w) || !Array.isArray(w.labels)) return;
      w.labels.forEach((l, j) => {
        if (typeof l === 'string' && !targets.includes(l))
          problem(['notifications', 'webhooks', i, 'labels', j], known);
      });
    });
  }
  if (isRecord(n.labels)) {
    for (const l of Object.keys(n.labels)) if (!targets.includes(l)) problem(['notifications', 'labels', l], known);
  }
}

function toRegistry(name: string, r: RegistryFile | undefined, url: string, namespace: string): RegistryConfig {
  return {
    name,
    url: r?.url ?? url,
    namespace: r?.namespace ?? namespace,
    tlsVerify: r?.tls_verify ?? true,
    usernameEnv: r?.username_env,
    passwordEnv: r?.password_env,
    passwordFile: r?.password_file,
  };
}

function toReleaseConfig(f: ReleaseFile): ReleaseConfig {
  const distro = f.distro ?? `${f.distro_name}${f.distro_version}`;
  const scheme = f.dlrn_api_scheme ?? 'https';
  const port = f.dlrn_api_port === undefined || f.dlrn_api_port === '' ? undefined : Number(f.dlrn_api_port);
  // Like the old promoter's constructor (minus its port probing): master's API is the "-uc" instance.
  const derivedApi = () =>
    `${scheme}://${f.dlrn_api_host}${port ? `:${port}` : ''}/api-${distro}-${f.release === 'master' ? 'master-uc' : f.release}`;
  const apiUrl = (f.api_url ?? derivedApi()).replace(/\/+$/, '');
  const baseUrl = f.base_url ?? `${new URL(apiUrl).origin}/${distro}-${f.release}/`;
  const sourceNamespace = f.source_namespace ?? `tripleo${f.release}`;
  const targetNamespace = f.target_namespace ?? `tripleo${f.release}`;
  return {
    release: f.release,
    distroName: f.distro_name,
    distroVersion: f.distro_version,
    distro,
    apiUrl,
    baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
    sourceNamespace,
    targetNamespace,
    latestHashesCount: f.latest_hashes_count,
    allowedClients: f.allowed_clients ?? ['registries_client', 'qcow_client', 'dlrn_client'],
    dryRun: f.dry_run,
    manifestPush: f.manifest_push,
    ppcManifests: f.ppc_manifests,
    createPrevious: f.create_previous,
    logFile: f.log_file,
    dlrnApi: { host: f.dlrn_api_host, endpoint: f.dlrn_api_endpoint, scheme, port },
    promotions: Object.entries(f.promotions).map(([targetLabel, p]) => ({
      targetLabel,
      candidateLabel: p.candidate_label,
      criteria: p.criteria,
      alternativeCriteria: p.alternative_criteria ?? {},
      soakSeconds: p.soak_time ?? 0,
      approvalRequired: p.approval_required,
      windows: p.promotion_windows ?? [],
      hold: p.hold,
    })),
    // The old promoter's registries: quay.rdoproject.org as the source, quay.io as the only target.
    registries: {
      source: toRegistry('source', f.registries?.source, 'quay.rdoproject.org', sourceNamespace),
      targets: (f.registries?.targets ?? [{ name: 'quay.io', url: 'quay.io', tls_verify: true }]).map((t) =>
        toRegistry(t.name, t, t.url, targetNamespace),
      ),
    },
    containers: f.containers,
    imageServer: f.image_server,
    schedule: f.schedule ?? { intervalSeconds: 600, jitterSeconds: 0, paused: false },
    ...(f.allowed_users ? { allowedUsers: f.allowed_users } : {}),
    hashKind: f.hash_kind,
    inProgressTimeoutSeconds: f.in_progress_timeout ?? 24 * 3600,
    ...(f.notifications ? { notifications: f.notifications } : {}),
    ignoredKeys: IGNORED_OLD_KEYS.filter((k) => f[k] !== undefined),
    hashKindFrom: 'hash_kind',
    warnings: [],
    layers: [],
  };
}

const releaseFileObject = z
  .strictObject(releaseFileShape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `expected one of the keys ${Object.keys(releaseFileShape).join(', ')}`
        : 'expected a mapping of release settings {release, distro_name, ..., promotions}',
  })
  .meta({
    title: 'rdo-promoter release file',
    description: "One release's promotions: the old DLRN API promoter's release file plus rdo-promoter's own keys.",
  });

/** The release file schema: input is the YAML as written, output the normalised ReleaseConfig. */
export const releaseConfigSchema = releaseFileObject
  .superRefine((v, ctx) => crossFieldChecks(v as unknown as Record<string, unknown>, ctx), {
    when: (payload) => isRecord(payload.value),
  })
  .transform(toReleaseConfig);

/** JSON Schema of the file as written (for editors and config/release.schema.json). */
export function releaseConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(releaseFileObject, { io: 'input' }) as Record<string, unknown>;
}

// --- problems --------------------------------------------------------------------------------------------------

type Path = readonly PropertyKey[];
const formatPath = (path: Path) =>
  path.length === 0
    ? '(top level)'
    : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isRecord(node) && typeof key === 'string') node = node[key];
    else return undefined;
  }
  return node;
}

/** Keys whose values may be a secret (a pasted password, a URL with user:password@): never shown back. */
const QUIET_KEY_RE = /(_env|_file|password|passwd|token|secret|key)$/i;
const isQuiet = (path: Path, value: string) => {
  const last = [...path].reverse().find((p) => typeof p === 'string');
  return (typeof last === 'string' && QUIET_KEY_RE.test(last)) || value.includes('@');
};

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
/** Shows scalars, but only the shape of collections: they might hold a secret. */
function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null (an empty value)';
  if (typeof v === 'string') return clip(JSON.stringify(v));
  if (Array.isArray(v)) {
    return v.every((x) => ['string', 'number', 'boolean'].includes(typeof x))
      ? clip(JSON.stringify(v))
      : `a list of ${v.length} items`;
  }
  if (isRecord(v)) return `a mapping with keys ${clip(Object.keys(v).join(', '))}`;
  return String(v);
}

// Used only where a schema has no message of its own.
const fallbackMessage: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${iss.expected}`;
    case 'too_small':
      return `expected at least ${String(iss.minimum)}`;
    case 'too_big':
      return `expected at most ${String(iss.maximum)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
};

const SECRET_KEY_RE = /(^|_)(password|passwd|token|secret|secret_?key|api_?key|private_?key)$/i;

/** Secrets live in the environment or in files, never in a release file that is committed to git. */
function literalSecrets(node: unknown, path: PropertyKey[] = []): { path: PropertyKey[]; key: string }[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => literalSecrets(v, [...path, i]));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, v]) =>
    SECRET_KEY_RE.test(key) && v !== null && typeof v !== 'object'
      ? [{ path: [...path, key], key }]
      : literalSecrets(v, [...path, key]),
  );
}

function problemsOf(issues: readonly z.core.$ZodIssue[], raw: unknown, skip: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys' && iss.keys.length > 5) {
      // One problem for a flood of unknown keys: the list of known keys is long.
      const shown = iss.keys.slice(0, 5).join(', ');
      problems.push(`${formatPath(iss.path)}: ${iss.message} (got ${iss.keys.length} unknown keys: ${shown}, ...)`);
    } else if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        const path = formatPath([...iss.path, key]);
        if (!skip.has(path)) problems.push(`${path}: ${iss.message} (got an unknown key)`);
      }
    } else if (iss.code === 'invalid_key') {
      // A bad mapping key (a target label): show the key itself, not the value under it.
      const key = iss.path[iss.path.length - 1];
      problems.push(
        `${formatPath(iss.path)}: ${iss.issues[0]?.message ?? iss.message} (got ${JSON.stringify(String(key))})`,
      );
    } else {
      const value = valueAt(raw, iss.path);
      const what =
        iss.path.length === 0 && value == null
          ? 'an empty document'
          : typeof value === 'string' && isQuiet(iss.path, value)
            ? 'a value not shown here'
            : describeValue(value);
      const got = iss.message.includes('(got ') ? '' : ` (got ${what})`;
      problems.push(`${formatPath(iss.path)}: ${iss.message}${got}`);
    }
  }
  return problems;
}

/** A release file weighs a few KiB; more is a mistake, and would be refused by Temporal only much later. */
export const MAX_RELEASE_FILE_BYTES = 256 * 1024;
/** Problems listed in one error; the rest are counted. */
export const MAX_PROBLEMS = 50;

export function tooHeavy(file: string, bytes: number): PromoterError {
  const size = bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
  return configError(file, [
    `${file}: (top level): expected a release file of at most ${MAX_RELEASE_FILE_BYTES / 1024} KiB (got ${size}); not parsed`,
  ]);
}

function configError(file: string, all: string[]): PromoterError {
  const n = all.length;
  const problems =
    n > MAX_PROBLEMS ? [...all.slice(0, MAX_PROBLEMS), `${file}: ... and ${n - MAX_PROBLEMS} more problems`] : all;
  return new PromoterError(
    ErrorCode.Config,
    `Invalid release configuration ${file} (${n} problem${n === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`,
    {
      context: { file, problems },
      suggestion: 'Fix the keys listed; config/release.schema.json describes every key, its type and default.',
    },
  );
}

export interface LayerText {
  file: string;
  text: string;
  /** 'ini': the old promoter's INI release file (release layer only). Default 'yaml'. */
  format?: 'yaml' | 'ini';
}

function yamlSettings(l: LayerText): { settings?: Settings; problems: string[] } {
  const doc = parseDocument(l.text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const what = e.message.split(' at line ')[0]?.split('\n')[0] ?? e.code;
        return `${l.file}:${pos ? `${pos.line}:${pos.col}` : '?'}: YAML syntax error: ${what}`;
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { problems: [`${l.file}: (top level): expected plain YAML data (got ${(err as Error).message})`] };
  }
  return { settings: raw as Settings, problems: [] };
}

const CLIENT_NEEDS = {
  registries_client: ['containers', 'containers (a list of images), or the old containers block with images'],
  qcow_client: ['imageServer', 'image_server, or the old overcloud_images.qcow_servers + default_qcow_server'],
} as const;

/**
 * Parses a release file's text. `file` only names it in messages. Throws one PromoterError(ErrorCode.Config)
 * listing every problem as "<file>: <key.path>: expected ... (got ...)" (YAML syntax errors as "<file>:<line>:<col>").
 */
export function parseReleaseConfig(text: string, file: string): ReleaseConfig {
  return parseReleaseLayers([{ file, text }]);
}

/**
 * Parses the old promoter's layers, highest priority first: the release file (YAML or INI), then its
 * environment's defaults.yaml and the global_defaults.yaml. Same errors as parseReleaseConfig, named after the
 * release file.
 */
export function parseReleaseLayers(texts: LayerText[]): ReleaseConfig {
  const file = texts[0]?.file ?? '(none)';
  for (const l of texts) {
    // Characters bound bytes from below; count bytes only when that could matter.
    if (l.text.length > MAX_RELEASE_FILE_BYTES / 4) {
      const bytes = new TextEncoder().encode(l.text).length;
      if (bytes > MAX_RELEASE_FILE_BYTES) throw tooHeavy(l.file, bytes);
    }
  }
  const early: string[] = [];
  const layers = texts.map((l, i) => {
    const r = l.format === 'ini' && i === 0 ? parseOldIni(l.text, l.file) : yamlSettings(l);
    early.push(...r.problems);
    return { file: l.file, settings: r.settings, problems: r.problems };
  });
  if (early.length > 0) throw configError(file, early);
  const releaseRaw = layers[0]?.settings;
  const defaults = layers.slice(1).filter((l) => isRecord(l.settings));
  let raw: unknown = releaseRaw;
  let old: ReturnType<typeof resolveOldLayers> | undefined;
  if (isRecord(releaseRaw)) {
    old = resolveOldLayers([
      { file, settings: releaseRaw },
      ...defaults.map((l) => ({ file: l.file, settings: l.settings as Settings })),
    ]);
    raw = old.raw;
  }
  const secrets = literalSecrets(raw);
  const secretProblems = secrets.map(
    ({ path, key }) =>
      `${formatPath(path)}: expected ${key}_env naming an environment variable that holds it (or ${key}_file, a path); ` +
      'secrets never go in the file (got a literal value)',
  );
  const result = releaseConfigSchema.safeParse(raw, { error: fallbackMessage });
  const skip = new Set(secrets.map((s) => formatPath(s.path)));
  const problems = [
    ...(old?.problems ?? []),
    ...secretProblems,
    ...(result.success ? [] : problemsOf(result.error.issues, raw, skip)),
  ];
  const warnings = [...(old?.warnings ?? [])];
  if (result.success) {
    const cfg = result.data;
    const explicit = isRecord(raw) && raw.allowed_clients !== undefined;
    for (const [client, [field, keys]] of Object.entries(CLIENT_NEEDS)) {
      if (!cfg.allowedClients.includes(client as PromoterClient) || cfg[field] !== undefined) continue;
      if (explicit) problems.push(`allowed_clients: names ${client} but nothing says what it promotes: set ${keys}`);
      else {
        cfg.allowedClients = cfg.allowedClients.filter((c) => c !== client);
        warnings.push(`allowed_clients not set and ${keys} missing: ${client} is left out`);
      }
    }
    if (cfg.ignoredKeys.length > 0) warnings.push(`ignored (old promoter keys): ${cfg.ignoredKeys.join(', ')}`);
    cfg.warnings = warnings;
    cfg.hashKindFrom = old?.hashKindFrom ?? 'default';
    cfg.layers = texts.map((t) => t.file);
  }
  if (problems.length > 0 || !result.success)
    throw configError(
      file,
      [...new Set(problems)].map((p) => (p.startsWith(file) ? p : `${file}: ${p}`)),
    );
  return result.data;
}

// Workflows import stageOrder from stage-order.ts: this file pulls zod and yaml into the workflow bundle.
export { stageOrder } from './stage-order.js';

/** Where the qcow2 images of a hash live on the image server (same layout as the old promoter). */
export function qcowHashDir(cfg: Pick<ReleaseConfig, 'distro' | 'release'>, root: string, fullHash: string): string {
  return `${root}/${cfg.distro}/${cfg.release}/rdo_trunk/${fullHash}/`;
}
