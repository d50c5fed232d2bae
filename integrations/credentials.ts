// Secrets come from the environment: NAME holds the value, or NAME_FILE names a file holding it (Kubernetes/Docker
// secrets, the stack's secret files). Errors and logs name the variables and the file path, never the value.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import type { ImageServerRef } from '../domain/promotion.js';

type Env = Record<string, string | undefined>;

/** The value of env NAME, else the trimmed content of the file named by NAME_FILE, else undefined. */
export function readSecret(name: string, env: Env = process.env): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new PromoterError(ErrorCode.Config, `${name}_FILE: cannot read ${file} (${code})`, {
      context: { variable: `${name}_FILE`, file },
      suggestion: `make ${file} readable by the promoter, or set ${name} instead`,
    });
  }
  const value = text.trim();
  return value === '' ? undefined : value;
}

/** Like readSecret, but a missing secret is a configuration error naming both variables. */
export function requireSecret(name: string, env: Env = process.env): string {
  const value = readSecret(name, env);
  if (value === undefined) {
    throw new PromoterError(ErrorCode.Config, `secret ${name} is not set: set ${name} or ${name}_FILE`, {
      context: { variables: [name, `${name}_FILE`] },
      suggestion: `export ${name}_FILE=/path/to/secret (preferred: keeps the value out of the process environment)`,
    });
  }
  return value;
}

// ---- credentials bound to hosts ----------------------------------------------------------------------------------
// PROMOTER_CREDENTIALS names a YAML file on the worker: `hosts: { <host[:port]>: { username | username_env,
// password_env | password_file, key_file | key_file_env } }`. A secret goes only to the host it is bound to there;
// a release file (which anyone who can change the configuration controls) can name hosts, never move secrets.

export interface HostCredentials {
  username?: string;
  usernameEnv?: string;
  passwordEnv?: string;
  passwordFile?: string;
  keyFile?: string;
  keyFileEnv?: string;
}
export interface CredentialBindings {
  file: string;
  hosts: Map<string, HostCredentials>;
}

const FIELDS: Record<string, keyof HostCredentials> = {
  username: 'username',
  username_env: 'usernameEnv',
  password_env: 'passwordEnv',
  password_file: 'passwordFile',
  key_file: 'keyFile',
  key_file_env: 'keyFileEnv',
};

/** The worker's bindings, or null when PROMOTER_CREDENTIALS is not set. */
export function loadCredentialBindings(env: Env = process.env): CredentialBindings | null {
  const file = env.PROMOTER_CREDENTIALS;
  if (file === undefined || file === '') return null;
  const fail = (why: string) =>
    new PromoterError(ErrorCode.Config, `PROMOTER_CREDENTIALS ${file}: ${why}`, {
      context: { file },
      suggestion: 'hosts: { "<host[:port]>": { username_env, password_env | password_file, key_file } }',
    });
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? 'not YAML'})`);
  }
  const hosts = new Map<string, HostCredentials>();
  const list = (doc as { hosts?: unknown } | null)?.hosts;
  if (typeof list !== 'object' || list === null) throw fail('expected a mapping `hosts`');
  for (const [host, entry] of Object.entries(list as Record<string, unknown>)) {
    if (typeof entry !== 'object' || entry === null) throw fail(`hosts.${host}: expected a mapping`);
    const creds: HostCredentials = {};
    for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
      const field = FIELDS[k];
      // The value is never shown: a password may have been pasted anywhere.
      if (field === undefined || typeof v !== 'string')
        throw fail(`hosts.${host}.${k}: expected one of ${Object.keys(FIELDS).join(', ')} with a string`);
      creds[field] = v;
    }
    hosts.set(host.toLowerCase(), creds);
  }
  return { file, hosts };
}

/** The credentials bound to host[:port]: an entry for host:port, else one for the bare host. */
export function bindingFor(b: CredentialBindings, host: string): HostCredentials | undefined {
  const h = host.toLowerCase();
  return b.hosts.get(h) ?? b.hosts.get(h.replace(/:\d+$/, ''));
}

/** Refuses names of secrets that the bindings do not give to `host`; names the host they do belong to. */
export function checkBound(
  b: CredentialBindings,
  host: string,
  what: string,
  named: Partial<Record<keyof HostCredentials, string | undefined>>,
): HostCredentials {
  const entry = bindingFor(b, host) ?? {};
  for (const [field, name] of Object.entries(named) as [keyof HostCredentials, string | undefined][]) {
    if (name === undefined || entry[field] === name) continue;
    const owners = [...b.hosts].filter(([, c]) => c[field] === name).map(([h]) => h);
    throw new PromoterError(
      ErrorCode.Config,
      `${what} (${host}): the release configuration names ${name} for it, but ${b.file} ` +
        (owners.length ? `binds ${name} to ${owners.join(', ')} only` : `binds ${name} to no host`) +
        '; refused, nothing was sent',
      {
        context: { host, variable: name, boundTo: owners, credentials: b.file },
        suggestion: `bind the credentials of ${host} in ${b.file}, or fix the host in the release file`,
      },
    );
  }
  return entry;
}

/**
 * DLRN credentials for an API URL. With PROMOTER_CREDENTIALS only the URL's host[:port] binding counts (the
 * old DLRNAPI_* variables are used only if that binding names them); without it, the DLRNAPI_* variables as before.
 */
export function dlrnCredentialsFor(apiUrl: string, env: Env = process.env): { username?: string; password?: string } {
  const bindings = loadCredentialBindings(env);
  if (!bindings) {
    const username = env.DLRNAPI_USERNAME || undefined;
    return { username, password: readSecret('DLRNAPI_PASSWORD', env) };
  }
  const entry = bindingFor(bindings, new URL(apiUrl).host) ?? {};
  const username = entry.username ?? (entry.usernameEnv ? env[entry.usernameEnv] || undefined : undefined);
  const password = entry.passwordEnv
    ? readSecret(entry.passwordEnv, env)
    : entry.passwordFile
      ? readFileSync(entry.passwordFile, 'utf8').trim() || undefined
      : undefined;
  return { username, password };
}

/** With PROMOTER_CREDENTIALS, the image server's key is the one bound to its host[:port] there. */
export function boundImageServer(server: ImageServerRef, env: Env = process.env): ImageServerRef {
  const bindings = loadCredentialBindings(env);
  if (!bindings) return server;
  const entry = checkBound(bindings, `${server.host}:${server.port}`, 'image server', {
    keyFile: server.keyFile,
    keyFileEnv: server.keyFileEnv,
  });
  const { keyFile: _k, keyFileEnv: _e, ...rest } = server;
  return {
    ...rest,
    ...(entry.keyFile === undefined ? {} : { keyFile: entry.keyFile }),
    ...(entry.keyFileEnv === undefined ? {} : { keyFileEnv: entry.keyFileEnv }),
  };
}
