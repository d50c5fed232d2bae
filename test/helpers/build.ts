// The compiled build (dist/, `npm run build`) from a test's point of view: is it there and newer than every source
// it was built from (the rule scripts/build.sh uses), and building it when not.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/sandbox/stack-env.js';

export const BUILD_SOURCES = ['domain', 'workflows', 'activities', 'integrations', 'worker', 'client', 'bin'];
export const BUILT_BUNDLE = join(ROOT, 'dist', 'workflow-bundle.js');
/** A code cache of the CLI bundle: written at the end of the build (scripts/build-cli.ts trains it last). */
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'promoter.cjs.cache');
export const COMPILED_WORKER = join(ROOT, 'dist', 'worker', 'main.js');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when dist/ was built after the last change to any source (false when there is no build). */
export function buildIsFresh(): boolean {
  let built: number;
  try {
    built = Math.min(statSync(BUILT_BUNDLE).mtimeMs, statSync(BUILT_CLI).mtimeMs);
  } catch {
    return false;
  }
  const sources = [
    ...BUILD_SOURCES,
    'scripts/build-cli.ts',
    'tsconfig.json',
    'tsconfig.build.json',
    'package-lock.json',
  ];
  return sources.every((s) => newestMtime(join(ROOT, s)) <= built);
}

/** Runs `npm run build` (incremental; nothing to do when fresh). */
export function ensureBuild(): void {
  if (!buildIsFresh()) execFileSync('bash', [join(ROOT, 'scripts', 'build.sh')], { stdio: 'inherit' });
}
