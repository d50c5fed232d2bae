// Secrets come from the environment: NAME holds the value, or NAME_FILE names a file holding it (Kubernetes/Docker
// secrets, the stack's secret files). Errors and logs name the variables and the file path, never the value.
import { readFileSync } from 'node:fs';
import { ErrorCode, PromoterError } from '../domain/errors.js';

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
