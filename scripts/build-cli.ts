// `npm run build`'s CLI step: bundles client/main.ts and its dependencies (but @temporalio/*, loaded only after a
// verb's first request) into one CommonJS file, dist/cli/promoter.cjs, lists the sources it came from
// (inputs.json, for bin/promoter.js to tell a stale build), then trains its V8 code cache (promoter.cjs.cache) with
// runs that touch no service: --help, every verb's options, a release file read, and report-result up to its POST
// (to a port nothing listens on). Each run starts from the cache the one before wrote.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './sandbox/stack-env.js';

const OUT = join(ROOT, 'dist', 'cli');
const BUNDLE = join(OUT, 'promoter.cjs');
const NOWHERE = 'http://127.0.0.1:1';
/** What the training runs read: the sandbox's wallaby release file, its variables pointed nowhere. */
const RELEASE = join(ROOT, 'config', 'sandbox', 'wallaby.yaml');
const TRAINING_ENV = {
  PATH: process.env.PATH,
  NO_COLOR: '1',
  DLRN_WALLABY_URL: NOWHERE,
  DLRN_REPO_URL: NOWHERE,
  SOURCE_REGISTRY: '127.0.0.1:1',
  TARGET_REGISTRY: '127.0.0.1:1',
  IMAGE_SERVER_HOST: '127.0.0.1',
  IMAGE_SERVER_PORT: '1',
  IMAGE_SERVER_USER: 'promoter',
  IMAGE_SERVER_ROOT: '/srv',
  DLRNAPI_USERNAME: 'training',
  DLRNAPI_PASSWORD: 'training',
  TEMPORAL_ADDRESS: '127.0.0.1:1',
};
const VOTE = ['--job-id', 'periodic-tripleo-ci-centos-9-standalone-wallaby', '--info-url', 'https://ci.example.org/1'];
VOTE.push('--commit-hash', 'a'.repeat(40), '--distro-hash', 'b'.repeat(40), '--timestamp', '1767225600');
const TRAINING = [
  ['--help'],
  ['completion', 'bash'],
  ['config', 'show', RELEASE],
  ['report-result', '-c', RELEASE, ...VOTE, '--success', 'true'],
  ['report-result', '-c', RELEASE, ...VOTE, '--success', 'maybe'],
];

async function main() {
  const t0 = performance.now();
  rmSync(OUT, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['client/main.ts'],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@temporalio/*'],
    // import() becomes require(): the bundle runs as a vm.Script (bin/cli-bundle.js), which has no module loader.
    supported: { 'dynamic-import': false },
    // The sources are ES modules: import.meta.url is the bundle's own URL (program.ts finds package.json from it).
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    // Smaller to read; names kept for stack traces (and code that reads them); the map is for --enable-source-maps.
    minify: true,
    keepNames: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  if (result.warnings.length > 0) throw new Error('esbuild warnings above: fix them, the bundle must be exact');
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/'));
  writeFileSync(join(OUT, 'inputs.json'), JSON.stringify([...inputs, 'package-lock.json', 'bin/cli-bundle.js']));
  const bundled = performance.now();

  const loader = pathToFileURL(join(ROOT, 'bin', 'cli-bundle.js')).href;
  const next = `${BUNDLE}.cache.next`;
  const train = (args: string[]) => {
    // argv as bin/promoter.js gives it: [node, script, ...args]
    const code = `import { runBundle } from ${JSON.stringify(loader)};
process.argv.splice(1, 0, ${JSON.stringify(BUNDLE)});
runBundle(${JSON.stringify(BUNDLE)}, { cacheOut: ${JSON.stringify(next)} });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, '--', ...args], {
      cwd: ROOT,
      env: TRAINING_ENV,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (!existsSync(next)) throw new Error(`CLI training run ${args.join(' ')} wrote no code cache:\n${r.stderr}`);
    renameSync(next, `${BUNDLE}.cache`);
  };
  for (const args of TRAINING) train(args);
  const check = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { runBundle } from ${JSON.stringify(loader)};
process.argv.splice(1, 0, 'promoter');
const used = runBundle(${JSON.stringify(BUNDLE)});
process.on('exit', () => { if (!used) process.exitCode = 3; });`,
      '--version',
    ],
    { cwd: ROOT, env: TRAINING_ENV, encoding: 'utf8' },
  );
  if (check.status !== 0) throw new Error(`the CLI's code cache is not used (exit ${check.status}):\n${check.stderr}`);
  const kib = (f: string) => Math.round(statSync(f).size / 1024);
  console.log(
    `CLI bundle: ${relative(ROOT, BUNDLE)} (${kib(BUNDLE)} KiB, ${inputs.length} sources, ` +
      `${Math.round(bundled - t0)} ms), code cache ${kib(`${BUNDLE}.cache`)} KiB ` +
      `(${TRAINING.length} runs, ${Math.round(performance.now() - bundled)} ms)`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
