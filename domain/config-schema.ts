// The release file schema: the single source of truth for what a release file may contain, its defaults and the
// camelCase shape the rest of the code sees. Pure (no Node builtins): workflow code may import its types.
// Every message reads "expected ..." because the parser appends "(got ...)" from the offending value.
import { z } from 'zod';
import { DEFAULT_HELD_LONG_AFTER, DEFAULT_STALE_AFTER, NOTIFY_EVENTS, type NotifyConfig } from './notify.js';

export const PROMOTER_CLIENTS = ['registries_client', 'qcow_client', 'dlrn_client'] as const;
export type PromoterClient = (typeof PROMOTER_CLIENTS)[number];
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** DLRN manages these itself; promoting to them is refused by the API. */
export const RESERVED_TARGET_LABELS = ['current', 'consistent'] as const;

export const DEFAULT_QCOW_IMAGES = ['overcloud-full.tar', 'overcloud-full.tar.md5', 'ironic-python-agent.tar'];

/**
 * Keys of the old promoter's layered config that a release file may carry. They are accepted so old files parse
 * as they are, and ignored: logging, staging and the qcow/containers blocks are configured differently here.
 */
export const IGNORED_OLD_KEYS = [
  'username',
  'dlrnauth_username',
  'target_registries_push',
  'log_level',
  'log_levels',
  'log_root',
  'container_push_logfile',
  'repo_url',
  'stage_root',
  'default_qcow_server',
  'dockerfile_root',
  'overcloud_images',
  'dlrn',
  'scenes',
  'db_data_file',
  'stage_config_file',
  'stage_info_file',
  'global_config_root',
  'environment_config_root',
] as const;

// --- scalar building blocks ------------------------------------------------------------------------------------

/** A string matching `re`; one message for both the wrong type and the wrong shape. */
const text = (re: RegExp, msg: string) => z.string({ error: msg }).regex(re, { error: msg });
const bool = z.boolean({ error: 'expected true or false' });
const nonEmpty = z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' });
/** Only the fields listed are allowed: a typo must not silently become "use the default". */
function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `expected one of the keys ${keys}` : `expected ${what}`),
  });
}
const unique = (list: readonly string[]) => new Set(list).size === list.length;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
/** Textual, so a password that makes the URL invalid (a "#" in it) is still recognised as one. */
const hasUserInfo = (value: string) => /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value);
const httpUrl = z
  .string({ error: 'expected an http(s) URL' })
  // A URL travels in workflow inputs: credentials in it would be in every history that carries the config.
  .refine((v) => !hasUserInfo(v), {
    error: "expected a URL without user:password@ (credentials belong in the worker's credentials file)",
    abort: true,
  })
  .refine(isHttpUrl, { error: 'expected an http(s) URL' })
  .meta({ format: 'uri' });

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// --- durations -------------------------------------------------------------------------------------------------

const DURATION_RE = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "1h30m" -> 5400; a number is already seconds. undefined when the text is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = DURATION_RE.exec(value.trim());
  if (!m) return undefined;
  const [d, h, min, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number];
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

const DURATION_MSG = 'expected a duration like "2h", "30m", "1h30m", "0s" or a number of seconds';
const duration = z
  .union([z.int({ error: DURATION_MSG }).min(0), text(DURATION_RE, DURATION_MSG)], { error: DURATION_MSG })
  .transform((v) => parseDuration(v) ?? 0);

// A leading letter keeps labels out of JS's integer-key ordering, which would lose the YAML stage order.
const LABEL_RE = /^[A-Za-z][A-Za-z0-9._-]*$/;
const LABEL_MSG = 'expected a DLRN label name (letters, digits, ".", "_", "-"; starting with a letter)';
const label = text(LABEL_RE, LABEL_MSG).refine((v) => !v.includes('..'), { error: `${LABEL_MSG} without ".."` });
const targetLabel = label.refine((v) => !(RESERVED_TARGET_LABELS as readonly string[]).includes(v), {
  error: `expected a label other than ${RESERVED_TARGET_LABELS.join(' and ')} (DLRN manages those itself)`,
});
const jobName = text(/^\S+$/, 'expected a job name (no spaces)');
const ENV_MSG = 'expected the name of an environment variable, like QUAY_PASSWORD';
/**
 * A variable name is words of one case joined by "_", digits only at a word's end (QUAY_PASSWORD, S3_KEY_V2,
 * tripleomaster_PASSWORD). A password pasted in its place rarely is, and would otherwise go to workflow history.
 */
export function looksLikeVariableName(name: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name.length > 64) return false;
  const words = name.split('_').filter((w) => w !== '');
  const digits = name.replace(/[^0-9]/g, '').length;
  return (
    words.length > 0 &&
    words.every((w) => /^([A-Z]+|[a-z]+|[A-Z][a-z]+)[0-9]*$/.test(w)) &&
    digits <= Math.max(2, name.length * 0.2)
  );
}
const envName = z.string({ error: ENV_MSG }).refine(looksLikeVariableName, { error: ENV_MSG });
const filePath = nonEmpty.describe('a path on the worker host');
const namespace = text(/^[a-z0-9][a-z0-9._/-]*$/, 'expected a registry namespace like tripleomaster');
const hhmm = text(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time "HH:MM" between 00:00 and 23:59');

// --- promotions ------------------------------------------------------------------------------------------------

const windowSchema = strict(
  {
    days: z
      .array(z.enum(WEEKDAYS, { error: `expected a day: ${WEEKDAYS.join(', ')}` }), {
        error: 'expected a non-empty list of days',
      })
      .min(1, { error: 'expected a non-empty list of days' })
      .refine(unique, { error: 'expected each day once' }),
    start: hhmm,
    end: hhmm.describe('may be before start: the window then runs past midnight'),
    timezone: z
      .string({ error: 'expected an IANA time zone like "UTC" or "Europe/Prague"' })
      .refine(isTimeZone, { error: 'expected an IANA time zone like "UTC" or "Europe/Prague"' })
      .default('UTC'),
  },
  'a window {days, start, end, timezone}',
).superRefine((w, ctx) => {
  if (w.start === w.end)
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'expected an end different from start' });
});

const CRITERIA_MSG = 'expected a non-empty list of job names';
const promotionSchema = strict(
  {
    candidate_label: label.describe('the label whose hashes are candidates for this target'),
    criteria: z
      .array(jobName, { error: CRITERIA_MSG })
      .min(1, { error: CRITERIA_MSG })
      // The old promoter kept criteria in a set: duplicates are harmless, so drop them instead of failing.
      .transform((jobs) => [...new Set(jobs)]),
    alternative_criteria: z
      .record(jobName, z.array(jobName).min(1, { error: 'expected a non-empty list of alternative job names' }), {
        error: 'expected a mapping {criteria job: [alternative jobs]}',
      })
      .optional()
      .describe('a criteria job is also satisfied by any one of its alternatives'),
    soak_time: duration.optional().describe('how long a candidate must have passed criteria before promotion'),
    approval_required: bool.default(false),
    promotion_windows: z.array(windowSchema, { error: 'expected a list of windows' }).optional(),
    hold: bool.default(false).describe('true: evaluate but never promote'),
  },
  'a promotion {candidate_label, criteria, ...}',
);

export const promotionsSchema = z
  .record(targetLabel, promotionSchema, { error: 'expected a mapping {target label: promotion}' })
  .refine((r) => Object.keys(r).length > 0, { error: 'expected at least one promotion' })
  .describe('target label -> promotion; YAML order is the stage order when candidate labels allow it');
// Promotions stay snake_case here: the cross-field checks read them, and the target label (the key) joins them
// only when the whole file is converted.

// --- artifacts: registries, containers, qcow2 image server -----------------------------------------------------

const registryFields = {
  url: text(/^[A-Za-z0-9.-]+(:\d+)?$/, 'expected a registry host like quay.io or localhost:6000 (no scheme, no path)'),
  namespace: namespace.optional(),
  tls_verify: bool.default(true),
  username_env: envName.optional(),
  password_env: envName.optional(),
  password_file: filePath.optional(),
};
const oneSecretSource = <T extends { password_env?: string; password_file?: string }>(r: T, ctx: z.RefinementCtx) => {
  if (r.password_env !== undefined && r.password_file !== undefined) {
    const message = 'expected either password_env or password_file, not both';
    ctx.addIssue({ code: 'custom', path: ['password_file'], message });
  }
};
const registrySchema = strict(registryFields, 'a registry {url, namespace, ...}').superRefine(oneSecretSource);
const targetRegistrySchema = strict(
  { name: text(/^[A-Za-z0-9._-]+$/, 'expected a short registry name like quay.io'), ...registryFields },
  'a registry {name, url, namespace, ...}',
).superRefine(oneSecretSource);

// Registries stay snake_case too: their namespaces default from the top-level source/target_namespace.
export const registriesSchema = strict(
  {
    source: registrySchema.optional().describe('default quay.rdoproject.org/<source_namespace>'),
    targets: z
      .array(targetRegistrySchema, { error: 'expected a list of registries' })
      .refine((ts) => unique(ts.map((t) => t.name)), { error: 'expected registries with distinct names' })
      .optional()
      .describe(
        'default [quay.io/<target_namespace>]; [] tags in the source registry only (target_registries_push: false)',
      ),
  },
  'a mapping {source, targets}',
);

const imageName = text(/^[a-z0-9][a-z0-9._-]*$/, 'expected a container image name like nova-api');
export const containersSchema = strict(
  {
    images: z
      .array(imageName, { error: 'expected a non-empty list of image names' })
      .min(1, { error: 'expected a non-empty list of image names' })
      .refine(unique, { error: 'expected each image name once' }),
    prefix: text(/^[a-z0-9._-]*$/, 'expected an image name prefix like openstack-').optional(),
    exclude: z.array(imageName, { error: 'expected a list of image names' }).default([]),
  },
  'a mapping {images, prefix, exclude}',
)
  .refine((c) => c.images.some((i) => !c.exclude.includes(i)), { error: 'expected images left after exclude' })
  .transform((c) => ({
    images: c.images.filter((i) => !c.exclude.includes(i)),
    prefix: c.prefix ?? '',
    exclude: c.exclude,
  }));

const fileName = text(/^[^/\s]+$/, 'expected a file name without "/"');
export const imageServerSchema = strict(
  {
    host: text(/^[A-Za-z0-9.-]+$/, 'expected a host name like images.rdoproject.org'),
    port: z.int({ error: 'expected a TCP port 1-65535' }).min(1).max(65535).default(22),
    user: text(/^[A-Za-z0-9._-]+$/, 'expected a user name'),
    root: text(/^\//, 'expected an absolute path').describe(
      'qcow2 dir: <root>/<distro>/<release>/rdo_trunk/<full_hash>/',
    ),
    key_file_env: envName.optional().describe('environment variable holding the SSH private key'),
    key_file: filePath.optional().describe('path of the SSH private key'),
    host_key_sha256: text(
      /^SHA256:[A-Za-z0-9+/]{43}=?$/,
      "expected the SHA256 fingerprint of the server's host key as `ssh-keygen -lf` prints it (SHA256:<43 base64>)",
    )
      .optional()
      .describe('pins the host key; a server presenting another key is refused'),
    images: z
      .array(fileName, { error: 'expected a non-empty list of file names' })
      .min(1, { error: 'expected a non-empty list of file names' })
      .default(DEFAULT_QCOW_IMAGES),
  },
  'a mapping {host, port, user, root, key_file_env | key_file, host_key_sha256, images}',
)
  .superRefine((s, ctx) => {
    if (s.key_file_env !== undefined && s.key_file !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['key_file'],
        message: 'expected either key_file_env or key_file, not both',
      });
    }
  })
  .transform((s) => ({
    host: s.host,
    port: s.port,
    user: s.user,
    root: s.root.length > 1 ? s.root.replace(/\/+$/, '') : s.root,
    keyFileEnv: s.key_file_env,
    keyFile: s.key_file,
    ...(s.host_key_sha256 === undefined ? {} : { hostKeySha256: s.host_key_sha256 }),
    images: s.images,
  }));

export const scheduleSchema = strict(
  {
    interval: duration
      .refine((s) => s > 0, { error: 'expected an interval longer than 0s' })
      .optional()
      .describe('time between evaluations; default 10m (the old promoter slept 600 s)'),
    jitter: duration.optional(),
    paused: bool.default(false),
  },
  'a mapping {interval, jitter, paused}',
).transform((s) => ({ intervalSeconds: s.interval ?? 600, jitterSeconds: s.jitter ?? 0, paused: s.paused }));

// --- notifications ---------------------------------------------------------------------------------------------

const EVENTS_MSG = `expected a non-empty list of events: ${NOTIFY_EVENTS.join(', ')}`;
const notifyEvents = z
  .array(z.enum(NOTIFY_EVENTS, { error: EVENTS_MSG }), { error: EVENTS_MSG })
  .min(1, { error: EVENTS_MSG })
  .transform((list) => NOTIFY_EVENTS.filter((e) => list.includes(e)));
const positiveDuration = duration.refine((s) => s > 0, { error: 'expected a duration longer than 0s' });
const thresholds = {
  stale_after: positiveDuration.optional().describe('a label that keeps its hash this long is stale; default 7d'),
  held_long_after: positiveDuration.optional().describe('an operator hold lasting this long is reported; default 24h'),
};
const webhookSchema = strict(
  {
    name: text(/^[A-Za-z0-9._-]+$/, 'expected a short webhook name like rdo-chat').optional(),
    url: httpUrl.describe('receives a signed JSON POST per event'),
    secret_env: envName.describe(
      'the worker reads the signing secret from this variable, or from the file NAME_FILE names',
    ),
    events: notifyEvents.default([...NOTIFY_EVENTS]),
    labels: z
      .array(label, { error: 'expected a non-empty list of target labels' })
      .min(1, { error: 'expected a non-empty list of target labels' })
      .optional()
      .describe('only events of these target labels; default all'),
  },
  'a webhook {name, url, secret_env, events, labels}',
);

export const notificationsSchema = strict(
  {
    webhooks: z.array(webhookSchema, { error: 'expected a list of webhooks' }),
    ...thresholds,
    labels: z
      .record(label, strict(thresholds, 'a mapping {stale_after, held_long_after}'), {
        error: 'expected a mapping {target label: {stale_after, held_long_after}}',
      })
      .optional()
      .describe('per target label thresholds'),
  },
  'a mapping {webhooks, stale_after, held_long_after, labels}',
).transform((n): NotifyConfig => ({
  webhooks: n.webhooks.map((w) => ({
    name: w.name ?? new URL(w.url).host,
    url: w.url,
    secretEnv: w.secret_env,
    events: w.events,
    ...(w.labels ? { labels: w.labels } : {}),
  })),
  staleAfterSeconds: n.stale_after ?? DEFAULT_STALE_AFTER,
  heldLongAfterSeconds: n.held_long_after ?? DEFAULT_HELD_LONG_AFTER,
  labels: Object.fromEntries(
    Object.entries(n.labels ?? {}).map(([l, t]) => [
      l,
      {
        ...(t.stale_after === undefined ? {} : { staleAfterSeconds: t.stale_after }),
        ...(t.held_long_after === undefined ? {} : { heldLongAfterSeconds: t.held_long_after }),
      },
    ]),
  ),
}));

// --- who may use the controls ---------------------------------------------------------------------------------

const IDENTITY_MSG = 'expected a list of users or user@host client identities';
const identities = z
  .array(text(/^[A-Za-z0-9._-]+(@[A-Za-z0-9._-]+)?$/, IDENTITY_MSG), { error: IDENTITY_MSG })
  .min(1, { error: IDENTITY_MSG });
/** Who may use the controls that let a hash past its criteria; a control left out is open to anyone. */
export const allowedUsersSchema = strict(
  {
    force_promote: identities.optional().describe('may force-promote and roll back'),
    approve: identities.optional().describe('may approve and unapprove'),
    waive: identities.optional().describe('may waive and unwaive'),
  },
  'a mapping {force_promote, approve, waive} of user lists',
).transform((a) => ({ forcePromote: a.force_promote, approve: a.approve, waive: a.waive }));

// --- the release file ------------------------------------------------------------------------------------------

const PORT_MSG = 'expected a TCP port 1-65535 or ""';
const CLIENTS_MSG = `expected ${PROMOTER_CLIENTS.join(', ')} as a list or a comma-separated string`;
const CLIENT_LIST_RE = new RegExp(
  `^\\s*(${PROMOTER_CLIENTS.join('|')})(\\s*,\\s*(${PROMOTER_CLIENTS.join('|')}))*\\s*$`,
);
const allowedClients = z
  .union(
    [
      text(CLIENT_LIST_RE, CLIENTS_MSG).transform((s) => s.split(',').map((c) => c.trim())),
      z.array(z.enum(PROMOTER_CLIENTS, { error: CLIENTS_MSG }), { error: CLIENTS_MSG }).min(1, { error: CLIENTS_MSG }),
    ],
    { error: CLIENTS_MSG },
  )
  // Canonical order is the execution order: DLRN last, so a label never points at content not yet published.
  .transform((list) => PROMOTER_CLIENTS.filter((c) => list.includes(c)));

type IgnoredShape = { [K in (typeof IGNORED_OLD_KEYS)[number]]: z.ZodOptional<z.ZodUnknown> };
const ignoredShape = Object.fromEntries(
  IGNORED_OLD_KEYS.map((k) => [k, z.unknown().optional().describe('old promoter key, accepted and ignored')]),
) as IgnoredShape;

const stringish = (re: RegExp, msg: string) =>
  z
    .union([text(re, msg), z.number()], { error: msg })
    .transform(String)
    .refine((v) => re.test(v), { error: msg });

export const releaseFileShape = {
  release: stringish(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a release name like master or wallaby'),
  distro_name: text(/^[A-Za-z]+$/, 'expected a distro name like centos').transform((s) => s.toLowerCase()),
  distro_version: stringish(/^[A-Za-z0-9._-]+$/, 'expected a distro version like 9'),
  distro: text(/^[a-z0-9._-]+$/, 'expected a distro id like centos9')
    .optional()
    .describe('default <distro_name><distro_version>'),
  api_url: httpUrl.optional().describe('DLRN API; default derived from dlrn_api_host like the old promoter'),
  base_url: httpUrl.optional().describe('DLRN repositories; default <api origin>/<distro>-<release>/'),
  source_namespace: namespace.optional().describe('default tripleo<release>'),
  target_namespace: namespace.optional().describe('default tripleo<release>'),
  latest_hashes_count: z.int({ error: 'expected a positive whole number' }).min(1).default(100),
  allowed_clients: allowedClients.optional().describe('default all three'),
  dry_run: bool.default(false),
  manifest_push: bool.default(false),
  ppc_manifests: bool.default(false),
  create_previous: bool.default(true).describe('also move the old target hash to previous-<target>'),
  log_file: filePath.optional(),
  dlrn_api_host: text(/^[A-Za-z0-9.-]*$/, 'expected a host name').optional(),
  dlrn_api_endpoint: z.string({ error: 'expected a string' }).optional(),
  dlrn_api_scheme: z.enum(['http', 'https'], { error: 'expected http or https' }).optional(),
  dlrn_api_port: z
    .union([z.int({ error: PORT_MSG }).min(1).max(65535), text(/^\d*$/, PORT_MSG)], { error: PORT_MSG })
    .optional(),
  promotions: promotionsSchema,
  registries: registriesSchema.optional(),
  containers: containersSchema.optional(),
  image_server: imageServerSchema.optional(),
  schedule: scheduleSchema.optional(),
  allowed_users: allowedUsersSchema
    .optional()
    .describe('per control, the client identities (user or user@host) allowed to use it; default anyone'),
  in_progress_timeout: duration
    .optional()
    .describe('in-progress votes (last_tested_repo rows) older than this age out; default 24h, 0s: never'),
  hash_kind: z
    .enum(['commit', 'aggregate'], { error: 'expected commit or aggregate' })
    .default('commit')
    .describe('what the labels hold: commit/distro hashes, or aggregate hashes (component pipelines)'),
  notifications: notificationsSchema
    .optional()
    .describe('signed webhooks on promoted, failed, held-long, stale, approval-needed'),
  ...ignoredShape,
};
