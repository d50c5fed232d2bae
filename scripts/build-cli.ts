// `npm run build`'s CLI step: bundles the CLI and its dependencies (but @temporalio/*, loaded only after a verb's
// first request) into two CommonJS scripts, dist/cli/promoter.cjs (client/main.ts: the program, commander) and
// dist/cli/verbs.cjs (client/commands/index.ts: every verb's module), which bin/cli-bundle.js runs; lists the sources
// they came from (inputs.json, for bin/promoter.js to tell a stale build); then trains their V8 code caches
// (<script>.cache) with runs that touch no service: --help, every verb's options, a release file read, and
// report-result up to its POST (to a port nothing listens on). Each run starts from the caches the one before wrote.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'cli');
const BUNDLE = join(OUT, 'promoter.cjs');
/** What the training runs read: a release file shaped like the sandbox's wallaby.yaml, every address nowhere. */
const RELEASE = `release: training
distro_name: centos
distro_version: 9
api_url: \${TRAINING_DLRN_URL:-http://127.0.0.1:1/api-centos9-training}
base_url: http://127.0.0.1:1/centos9-training/
source_namespace: tripleotrainingcentos9
target_namespace: tripleotraining
latest_hashes_count: 100
allowed_clients: registries_client,qcow_client,dlrn_client
dry_run: false
promotions:
  current-tripleo:
    candidate_label: tripleo-ci-testing
    criteria: [periodic-job-a, periodic-job-b]
  current-tripleo-rdo:
    candidate_label: current-tripleo
    criteria: [periodic-job-c]
hash_kind: commit
in_progress_timeout: 0s
registries:
  source: { url: 127.0.0.1:1, tls_verify: false }
  targets:
    - { name: t, url: 127.0.0.1:1, tls_verify: false, username_env: TARGET_USERNAME, password_env: TARGET_PASSWORD }
containers: { prefix: openstack-, images: [nova-api, nova-compute, keystone] }
image_server: { host: 127.0.0.1, port: 1, user: promoter, root: /srv, key_file_env: IMAGE_SERVER_KEY_FILE }
schedule: { interval: 10m }
`;
const TRAINING_ENV = {
  PATH: process.env.PATH,
  NO_COLOR: '1',
  DLRNAPI_USERNAME: 'training',
  DLRNAPI_PASSWORD: 'training',
  TEMPORAL_ADDRESS: '127.0.0.1:1',
};
const training = (release: string) => {
  const vote = ['report-result', '-c', release, '--job-id', 'periodic-job-a', '--info-url', 'https://ci.example.org/1'];
  vote.push('--commit-hash', 'a'.repeat(40), '--distro-hash', 'b'.repeat(40), '--timestamp', '1767225600');
  return [
    ['--help'],
    ['completion', 'bash'],
    ['config', 'show', release],
    [...vote, '--success', 'true'],
    [...vote, '--success', 'maybe'],
  ];
};

/** In promoter.cjs, client/verbs.ts loads the verbs' modules from the other script, verbs.cjs. */
const verbsScript: Plugin = {
  name: 'verbs-script',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/index\.js$/ }, (args) =>
      args.importer.endsWith(join('client', 'verbs.ts')) ? { path: './verbs.cjs', external: true } : undefined,
    );
  },
};

/** Runs the CLI in a fresh node as bin/promoter.js does (argv: node, script, ...args), then `after` at its exit. */
function runCli(args: string[], options: string, after = '') {
  const loader = pathToFileURL(join(ROOT, 'bin', 'cli-bundle.js')).href;
  const code = `import { runBundle, uncached } from ${JSON.stringify(loader)};
process.argv.splice(1, 0, ${JSON.stringify(BUNDLE)});
runBundle(${JSON.stringify(BUNDLE)}, ${options});
process.on('exit', () => { ${after} });`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', code, '--', ...args], {
    cwd: ROOT,
    env: TRAINING_ENV,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

async function main() {
  const t0 = performance.now();
  rmSync(OUT, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { promoter: 'client/main.ts', verbs: 'client/commands/index.ts' },
    outdir: OUT,
    outExtension: { '.js': '.cjs' },
    plugins: [verbsScript],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@temporalio/*'],
    // import() becomes require(): the bundle runs as a vm.Script (bin/cli-bundle.js), which has no module loader.
    supported: { 'dynamic-import': false },
    // The sources are ES modules: import.meta.url is the script's own URL (program.ts finds package.json from it).
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    // Smaller to read; names kept for stack traces (and code that reads them); the maps are for --enable-source-maps.
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

  const scripts = Object.keys(result.metafile.outputs)
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => join(ROOT, f));
  const scratch = mkdtempSync(join(tmpdir(), 'cli-training-'));
  const runs = training(join(scratch, 'training.yaml'));
  try {
    writeFileSync(join(scratch, 'training.yaml'), RELEASE);
    for (const args of runs) {
      const r = runCli(args, '{ train: true }');
      const written = scripts.filter((f) => existsSync(`${f}.cache.next`));
      if (written.length === 0) throw new Error(`CLI training run ${args.join(' ')} wrote no code cache:\n${r.stderr}`);
      for (const f of written) renameSync(`${f}.cache.next`, `${f}.cache`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // Both scripts, each with its cache: V8 must take them (else the training was for nothing).
  const check = runCli(['help', 'report-result'], '{}', 'if (uncached().length) process.exitCode = 3;');
  if (check.status !== 0) throw new Error(`the CLI's code cache is not used (exit ${check.status}):\n${check.stderr}`);
  const kib = (f: string) => Math.round(statSync(f).size / 1024);
  const sizes = scripts.map((f) => `${relative(ROOT, f)} ${kib(f)} KiB + cache ${kib(`${f}.cache`)} KiB`);
  console.log(
    `CLI bundle: ${sizes.join(', ')} (${inputs.length} sources, ${Math.round(bundled - t0)} ms; ` +
      `${runs.length} training runs, ${Math.round(performance.now() - bundled)} ms)`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
