// The old promoter's configuration, read the way it read it: layers (release file > config_environments/<env>/
// defaults.yaml > global_defaults.yaml) looked up per top-level key, `{{ name }}` templates in top-level strings,
// its constructors for api_url and the namespaces, and its keys for where containers and qcow2 images go,
// translated to this promoter's keys. Pure: config-file.ts finds and reads the files.
export type Settings = Record<string, unknown>;
export interface Layer {
  file: string;
  settings: Settings;
}
export interface OldResolution {
  /** Keys of this promoter's schema (old keys that the schema also knows stay as they are). */
  raw: Settings;
  warnings: string[];
  /** Refusals: the file asks for something this promoter cannot do as asked. */
  problems: string[];
  hashKindFrom: 'hash_kind' | 'dlrn.components' | 'default';
}

const isRecord = (v: unknown): v is Settings => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys of the staging tooling and of the environment layer that only the old promoter's machinery read. */
const LAYER_ONLY_KEYS = new Set([
  'dlrn',
  'scenes',
  'db_data_file',
  'stage_config_file',
  'stage_info_file',
  'global_config_root',
  'environment_config_root',
  'dockerfile_root',
  'log_level',
  'log_levels',
  'log_root',
  'container_push_logfile',
]);

const TEMPLATE_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The old ConfigCore: the first layer holding a key wins, whole (no deep merge). */
function lookup(layers: Layer[], key: string): unknown {
  for (const l of layers) if (Object.hasOwn(l.settings, key)) return l.settings[key];
  return undefined;
}

function oldApiUrl(get: (k: string) => unknown): string | undefined {
  const host = get('dlrn_api_host');
  const port = get('dlrn_api_port');
  const scheme = get('dlrn_api_scheme') ?? 'https';
  const release = String(get('release') ?? '');
  const version = String(get('distro_version') ?? '');
  // Only CentOS 8 put the version in the endpoint ("api-centos8-wallaby"); master used its "-uc" instance.
  const distroEndpoint = `${String(get('distro_name') ?? '').toLowerCase()}${version === '8' ? version : ''}`;
  const endpoint = get('dlrn_api_endpoint');
  const path =
    typeof endpoint === 'string'
      ? endpoint.replace(/^\/+/, '')
      : `api-${distroEndpoint}-${release === 'master' ? 'master-uc' : release}`;
  if (typeof host !== 'string' || host === '') return undefined;
  const withPort = port === undefined || port === null || port === '' || Number(port) === 443 ? '' : `:${String(port)}`;
  return `${String(scheme)}://${host}${withPort}/${path}`;
}

/** Resolves the layers into one set of settings this promoter's schema reads. */
export function resolveOldLayers(layers: Layer[]): OldResolution {
  const warnings: string[] = [];
  const problems: string[] = [];
  const [release, ...defaults] = layers;
  const merged: Settings = {};
  // Keys the environment or global defaults set for the old machinery only: dropped before anything reads them
  // (the rdo environment's `dlrn` block holds the staging DLRN's password in clear).
  for (const l of [...defaults].reverse()) {
    for (const [k, v] of Object.entries(l.settings)) {
      if (LAYER_ONLY_KEYS.has(k)) continue;
      merged[k] = v;
    }
  }
  Object.assign(merged, release?.settings ?? {});
  const dropped = [...new Set(defaults.flatMap((l) => Object.keys(l.settings).filter((k) => LAYER_ONLY_KEYS.has(k))))];
  if (dropped.length > 0)
    warnings.push(`ignored (old promoter machinery, from the defaults layers): ${dropped.join(', ')}`);

  // The old global default of distro was "{{ distro_name }}{{ distro_version }}".
  const get = (k: string): unknown =>
    k === 'distro' && merged.distro === undefined ? '{{ distro_name }}{{ distro_version }}' : merged[k];
  // `{{ name }}` in top-level strings, rendered against the merged settings like the old ConfigCore did.
  const render = (value: string, depth = 0): string =>
    value.replace(TEMPLATE_RE, (match, name: string) => {
      let v = name === 'distro_name' ? String(get(name) ?? '').toLowerCase() : get(name);
      if (v === undefined && name === 'api_url') v = oldApiUrl(get);
      if (v === undefined || depth > 5 || isRecord(v) || Array.isArray(v)) {
        problems.push(`${name}: referenced as ${match} but set in no layer`);
        return match;
      }
      return typeof v === 'string' ? render(v, depth + 1) : String(v);
    });
  const raw: Settings = {};
  for (const [k, v] of Object.entries(merged)) raw[k] = typeof v === 'string' ? render(v) : v;

  if (raw.api_url === undefined) {
    const url = oldApiUrl((k) => raw[k]);
    if (url !== undefined) raw.api_url = url;
  }
  if (raw.base_url === undefined && typeof raw.repo_url === 'string')
    raw.base_url = `${raw.repo_url.replace(/\/+$/, '')}/`;
  delete raw.repo_url;

  translateImages(raw, problems);
  translateContainers(raw, problems);
  if (raw.registries === undefined && raw.target_registries_push === false) raw.registries = { targets: [] };
  if (raw.target_registries_push === false)
    warnings.push('target_registries_push: false: containers are tagged in the source registry only');
  delete raw.target_registries_push;
  for (const k of ['manifest_push', 'ppc_manifests'] as const) {
    if (raw[k] === true)
      warnings.push(
        `${k}: true is read but not acted on: each tag's manifest (a list stays a list) is copied as it is`,
      );
  }
  for (const k of ['username', 'dlrnauth_username'] as const) {
    if (raw[k] !== undefined) {
      warnings.push(`${k}: ignored: the DLRN user is the worker's (DLRNAPI_USERNAME), never a release file's`);
      delete raw[k];
    }
  }

  let hashKindFrom: OldResolution['hashKindFrom'] = raw.hash_kind === undefined ? 'default' : 'hash_kind';
  const components = lookup(layers, 'dlrn');
  if (
    raw.hash_kind === undefined &&
    isRecord(components) &&
    Array.isArray(components.components) &&
    components.components.length > 0
  ) {
    // A component pipeline: the old promoter's labels then hold aggregate hashes.
    raw.hash_kind = 'aggregate';
    hashKindFrom = 'dlrn.components';
  }
  if (hashKindFrom === 'default')
    warnings.push(
      'hash_kind not set: labels are read as commit hashes; set hash_kind: aggregate for a component pipeline',
    );
  return { raw, warnings, problems, hashKindFrom };
}

/** overcloud_images.qcow_servers[default_qcow_server] + stage_root -> image_server. */
function translateImages(raw: Settings, problems: string[]): void {
  const oi = raw.overcloud_images;
  const serverName = raw.default_qcow_server;
  const stageRoot = typeof raw.stage_root === 'string' ? raw.stage_root : '';
  delete raw.overcloud_images;
  delete raw.default_qcow_server;
  delete raw.stage_root;
  if (raw.image_server !== undefined || !isRecord(oi)) return;
  const servers = isRecord(oi.qcow_servers) ? oi.qcow_servers : {};
  if (typeof serverName !== 'string' || !isRecord(servers[serverName])) {
    problems.push(
      `default_qcow_server: expected the name of one of overcloud_images.qcow_servers (${Object.keys(servers).join(', ') || 'none'}) (got ${JSON.stringify(serverName ?? null)})`,
    );
    return;
  }
  const s = servers[serverName];
  if (s.client !== undefined && s.client !== 'sftp') {
    problems.push(
      `overcloud_images.qcow_servers.${serverName}.client: expected sftp (got ${JSON.stringify(s.client)})`,
    );
  }
  // The old promoter joined stage_root and the server's root: /var/www/html/ + images/.
  const root = `/${`${stageRoot}/${String(s.root ?? '')}`.split('/').filter(Boolean).join('/')}`;
  raw.image_server = {
    host: s.host,
    user: s.user,
    root,
    ...(s.port === undefined ? {} : { port: s.port }),
    ...(s.keypath === undefined ? {} : { key_file: s.keypath }),
    ...(Array.isArray(oi.qcow_images) ? { images: oi.qcow_images } : {}),
  };
}

const OLD_CONTAINER_KEYS = [
  'containers_list_base_url',
  'containers_list_path',
  'containers_list_exclude_config',
  'container_preffix',
  'build_method',
];

/** The old containers block named where to read the list; this promoter needs the list itself (images). */
function translateContainers(raw: Settings, problems: string[]): void {
  const c = raw.containers;
  if (!isRecord(c) || !OLD_CONTAINER_KEYS.some((k) => k in c)) return;
  const images = c.images;
  const prefix = c.prefix ?? c.container_preffix;
  if (images === undefined) {
    delete raw.containers;
    const clients = raw.allowed_clients;
    const asked = clients === undefined || String(clients).includes('registries_client');
    if (asked)
      problems.push(
        'containers: the old promoter read the image list from tripleo-common at each hash ' +
          '(containers_list_base_url + containers_list_path); rdo-promoter promotes a list given here: add ' +
          'containers.images (the names without the prefix), or leave registries_client out of allowed_clients',
      );
    return;
  }
  raw.containers = {
    images,
    ...(prefix === undefined ? {} : { prefix }),
    ...(c.exclude === undefined ? {} : { exclude: c.exclude }),
  };
}

/** The old INI release file ([main], [promote_from], one section of criteria jobs per target) as settings. */
export function parseOldIni(text: string, file: string): { settings: Settings; problems: string[] } {
  const sections = new Map<string, [string, string | undefined][]>();
  const problems: string[] = [];
  let current: [string, string | undefined][] | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const section = /^\[([^\]]+)\]$/.exec(t);
    if (section) {
      current = [];
      sections.set(section[1]!.trim(), current);
      return;
    }
    if (!current) {
      problems.push(`${file}:${i + 1}: expected a [section] before any key`);
      return;
    }
    // configparser accepts "key = value", "key: value" and, with allow_no_value, a bare key.
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(t);
    current.push(m ? [m[1]!, m[2]!] : [t, undefined]);
  });
  const main = Object.fromEntries((sections.get('main') ?? []).map(([k, v]) => [k, v ?? '']));
  const bool = (v: unknown) =>
    typeof v === 'string' && /^(yes|true|on|1|no|false|off|0)$/i.test(v) ? /^(yes|true|on|1)$/i.test(v) : v;
  const settings: Settings = { ...main };
  for (const k of ['dry_run', 'manifest_push', 'target_registries_push'])
    if (k in settings) settings[k] = bool(settings[k]);
  if (typeof settings.latest_hashes_count === 'string' && /^\d+$/.test(settings.latest_hashes_count))
    settings.latest_hashes_count = Number(settings.latest_hashes_count);
  if (!sections.has('main')) problems.push(`${file}: expected a [main] section`);
  const promotions: Settings = {};
  for (const [target, candidate] of sections.get('promote_from') ?? []) {
    const jobs = sections.get(target);
    if (!jobs)
      problems.push(`${file}: [promote_from] ${target}: expected a [${target}] section listing its criteria jobs`);
    promotions[target] = { candidate_label: candidate ?? '', criteria: (jobs ?? []).map(([job]) => job) };
  }
  if (!sections.has('promote_from')) problems.push(`${file}: expected a [promote_from] section (target: candidate)`);
  for (const name of sections.keys()) {
    if (name !== 'main' && name !== 'promote_from' && !(name in promotions))
      problems.push(`${file}: [${name}]: expected a target named in [promote_from]`);
  }
  settings.promotions = promotions;
  return { settings, problems };
}
