// Runs a `promoter` verb in this process (its module only, as client/main.ts does) and captures what it prints:
// for the CLI's parse and render paths that need no server. Errors before any request are the point here.
import { CommanderError } from 'commander';
import { vi } from 'vitest';
import { buildProgram, verbOf } from '../../client/program.js';

export interface InprocResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runVerb(args: string[]): Promise<InprocResult> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  process.exitCode = 0;
  let code = 0;
  try {
    const verb = verbOf(args);
    const program = await buildProgram(verb ? [verb] : []);
    program.configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
    program.commands.forEach((c) => c.configureOutput(program.configureOutput()));
    await program.parseAsync(['node', 'promoter', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
    process.exitCode = 0;
  }
  return { code, stdout, stderr };
}
