// The CLI as `npm run build` ships it (scripts/build-cli.ts): dist/cli/promoter.cjs (the program and its verbs'
// one-line help, with commander) and dist/cli/verbs.cjs (every verb's module and its dependencies but @temporalio/*),
// which promoter.cjs requires only when a verb runs; beside each, the V8 code cache of that file (.cache), and the
// sources both came from (inputs.json). Node 20 keeps no compile cache of its own, and compiling the modules was most
// of the CLI's start-up: with the cache V8 skips parsing and compiling every function the build's training runs used.
// V8 rejects a cache made by another Node version or under other V8 flags (NODE_OPTIONS=--max-old-space-size=… is
// one): the file then compiles as usual (slower, same result).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export const BUNDLE = join('dist', 'cli', 'promoter.cjs');

/**
 * The bundle under root, and whether a source it was built from changed since (stale). Null without a build. Sources
 * that are gone are not counted (a production install may ship dist/ alone).
 */
export function bundleState(root) {
  const file = join(root, BUNDLE);
  const built = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return null;
  let inputs = [];
  try {
    inputs = JSON.parse(readFileSync(join(dirname(file), 'inputs.json'), 'utf8'));
  } catch {
    return { file, stale: true };
  }
  const stale = inputs.some((f) => (statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0) > built);
  return { file, stale };
}

/** Each script run in this process: its exports, and whether V8 took its code cache. */
const scripts = new Map();

/**
 * Runs a bundle in this process, as Node runs a CommonJS file, with its code cache; a `require('./<name>.cjs')` in it
 * runs that script the same way. train: when the process exits, write each script's code cache to <file>.cache.next
 * (the build's training runs).
 */
export function runBundle(file, { train = false } = {}) {
  const known = scripts.get(file);
  if (known) return known.module.exports;
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (train) process.once('exit', () => writeFileSync(`${file}.cache.next`, script.createCachedData()));
  const module = { exports: {}, filename: file, id: file };
  scripts.set(file, { module, cached: cachedData !== undefined && !script.cachedDataRejected });
  const base = createRequire(file);
  const require = Object.assign(
    (id) => (/^\.\/[\w-]+\.cjs$/.test(id) ? runBundle(join(dirname(file), id), { train }) : base(id)),
    { resolve: base.resolve, cache: base.cache },
  );
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  return module.exports;
}

/** The scripts run so far whose code cache V8 did not take (none read, or rejected). */
export const uncached = () => [...scripts].filter(([, s]) => !s.cached).map(([file]) => file);
