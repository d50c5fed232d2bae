// Reads the stack.env that scripts/stack.sh writes, so scripts and tests find ports, paths and secret files.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type StackEnv = Record<string, string>;

export function stackEnvFile(profile = process.env.STACK_PROFILE ?? 'sandbox'): string {
  return join(ROOT, '.stack', profile, 'stack.env');
}

export function readStackEnv(profile?: string): StackEnv {
  const file = stackEnvFile(profile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: not found; start the stack first (bash scripts/stack.sh start)`);
  }
  const env: StackEnv = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

export function requireVar(env: StackEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`stack.env: ${name} is not set`);
  return v;
}

/** Makes the stack's variables visible to code that reads process.env (config interpolation, credentials). */
export function applyStackEnv(env: StackEnv): void {
  for (const [k, v] of Object.entries(env)) if (process.env[k] === undefined) process.env[k] = v;
}

export const dlrnVarName = (release: string) => `DLRN_${release.toUpperCase().replace(/-/g, '_')}`;
