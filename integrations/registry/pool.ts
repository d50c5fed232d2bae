// Registry clients from the configuration's registry references: credentials come from the worker's environment
// (the reference only names the variables or the file), so they never travel in workflow inputs or histories.
import { readFileSync } from 'node:fs';
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import type { RegistryRef } from '../../domain/promotion.js';
import { checkBound, loadCredentialBindings, readSecret } from '../credentials.js';
import { type Registry, RegistryClient, type RegistryClientOptions } from './client.js';

type Env = Record<string, string | undefined>;

function configError(ref: RegistryRef, message: string, suggestion: string): PromoterError {
  return new PromoterError(ErrorCode.Config, `registry ${ref.name} (${ref.host}): ${message}`, {
    context: {
      registry: ref.name,
      host: ref.host,
      usernameEnv: ref.usernameEnv ?? null,
      passwordEnv: ref.passwordEnv ?? null,
      passwordFile: ref.passwordFile ?? null,
    },
    suggestion,
  });
}

/**
 * With PROMOTER_CREDENTIALS, the worker's bindings decide: what the reference names must be bound to its host,
 * and a host bound there gets its credentials even when the reference names none.
 */
function boundRef(ref: RegistryRef, env: Env): RegistryRef & { username?: string } {
  const bindings = loadCredentialBindings(env);
  if (!bindings) return ref;
  const entry = checkBound(bindings, ref.host, `registry ${ref.name}`, {
    usernameEnv: ref.usernameEnv,
    passwordEnv: ref.passwordEnv,
    passwordFile: ref.passwordFile,
  });
  const { usernameEnv: _u, passwordEnv: _p, passwordFile: _f, ...rest } = ref;
  return {
    ...rest,
    ...(entry.username === undefined ? {} : { username: entry.username }),
    ...(entry.usernameEnv === undefined ? {} : { usernameEnv: entry.usernameEnv }),
    ...(entry.passwordEnv === undefined ? {} : { passwordEnv: entry.passwordEnv }),
    ...(entry.passwordFile === undefined ? {} : { passwordFile: entry.passwordFile }),
  };
}

/** The registry a reference names, with its credentials read from env (usernameEnv, passwordEnv[_FILE], passwordFile). */
export function registryFromRef(given: RegistryRef, env: Env = process.env): Registry {
  const ref = boundRef(given, env);
  const username = ref.username ?? (ref.usernameEnv ? env[ref.usernameEnv] || undefined : undefined);
  let password: string | undefined;
  if (ref.passwordEnv) {
    password = readSecret(ref.passwordEnv, env);
  } else if (ref.passwordFile) {
    try {
      password = readFileSync(ref.passwordFile, 'utf8').trim() || undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'read error';
      throw configError(ref, `cannot read password file ${ref.passwordFile} (${code})`, 'make it readable');
    }
  }
  if (ref.usernameEnv && !ref.username && username === undefined) {
    throw configError(ref, `${ref.usernameEnv} is not set`, `export ${ref.usernameEnv}=<registry user>`);
  }
  if ((username === undefined) !== (password === undefined)) {
    const which = username === undefined ? 'a password but no user' : 'a user but no password';
    throw configError(
      ref,
      `credentials have ${which}`,
      'set usernameEnv together with passwordEnv (NAME or NAME_FILE) or passwordFile',
    );
  }
  return { host: ref.host, tlsVerify: ref.tlsVerify, username, password };
}

export interface RegistryPool {
  registryFor(ref: RegistryRef): RegistryClient;
  close(): void;
}

/** One client (keep-alive sockets, cached tokens) per registry and credential source, made on first use. */
export function registryPool(env: Env = process.env, options: RegistryClientOptions = {}): RegistryPool {
  const clients = new Map<string, RegistryClient>();
  return {
    registryFor(ref) {
      const key = JSON.stringify([ref.host, ref.tlsVerify, ref.usernameEnv, ref.passwordEnv, ref.passwordFile]);
      let client = clients.get(key);
      if (!client) clients.set(key, (client = new RegistryClient(registryFromRef(ref, env), options)));
      return client;
    },
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
