// `promoter`: the operator CLI. Loads only the module of the verb it runs (client/verbs.ts lists them).
import { CommanderError } from 'commander';
import { buildProgram, verbOf } from './program.js';

/** Exit codes, as cli-kit's EXIT (not imported: it would load every dependency of a verb). */
const USAGE = 2;

const verb = verbOf(process.argv.slice(2));
buildProgram(verb ? [verb] : [])
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    // commander's own usage errors (unknown option, missing required option) and --help / --version
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : USAGE;
      return;
    }
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 1;
  });
