// Runs the `promoter` CLI as a child process against the test stack, as an operator would: the compiled build when
// it is fresh (scripts/test.sh builds first; no TypeScript compile per run), else the sources through tsx.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { buildIsFresh } from './build.js';
import { testStack } from './stack.js';

let command: string[] | undefined;
/** How the CLI runs, decided once per test file (a build during the run does not switch it). */
export const cliCommand = () =>
  (command ??= buildIsFresh()
    ? [join(ROOT, 'bin', 'promoter.js')]
    : ['--import', 'tsx', join(ROOT, 'client', 'main.ts')]);

export interface CliResult {
  code: number | null;
  /** Wall time of the run, ms. */
  ms: number;
  /** True when the run was killed at timeoutMs. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/** Runs the CLI; a run still going after timeoutMs is killed (timedOut), so a hang fails its test with output. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliResult> {
  const t0 = Date.now();
  let timedOut = false;
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...testStack().env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group: a timeout must end the CLI with any child it started
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, 'SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        ms: Date.now() - t0,
        timedOut,
        stdout,
        stderr,
        json: <T>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`not JSON (exit ${code}):\n${stdout}\n${stderr}`);
          }
        },
      });
    }),
  );
}
