// The CLI as `npm run build` ships it: one CommonJS file, dist/cli/promoter.cjs (client/ and its dependencies but
// @temporalio/*), and beside it the V8 code cache of that file (promoter.cjs.cache) and the sources it was built from
// (inputs.json). Node 20 keeps no compile cache of its own, and compiling the modules was most of the CLI's start-up:
// with the cache V8 skips parsing and compiling every function the build's training runs used. A cache made by
// another Node version is rejected by V8 and the file compiles as usual (slower, same result).
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

/**
 * Runs the bundle in this process, as Node runs a CommonJS file, with its code cache. cacheOut: write the code cache
 * there when the process exits (the build's training runs). Returns whether V8 used the code cache.
 */
export function runBundle(file, { cacheOut } = {}) {
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
  if (cacheOut) process.once('exit', () => writeFileSync(cacheOut, script.createCachedData()));
  const module = { exports: {}, filename: file, id: file };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return cachedData !== undefined && !script.cachedDataRejected;
}
