// `promoter`: the operator CLI. This file only builds the program; each verb lives in client/commands/.
import { Command, CommanderError } from 'commander';
import { register as config } from './commands/config.js';
import { register as controls } from './commands/controls.js';
import { register as dlrnReads } from './commands/dlrn-reads.js';
import { register as explain } from './commands/explain.js';
import { register as forcePromote } from './commands/force-promote.js';
import { register as promote } from './commands/promote.js';
import { register as reportResult } from './commands/report-result.js';
import { register as schedule } from './commands/schedule.js';
import { register as shadow } from './commands/shadow.js';
import { register as status } from './commands/status.js';
import { EXIT } from './cli-kit.js';

export function buildProgram(): Command {
  const program = new Command('promoter')
    .description('RDO promotion system on Temporal: status, promotions, manual controls, schedules')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const verbs = [status, explain, promote, forcePromote, controls, schedule, reportResult, dlrnReads, shadow, config];
  for (const reg of verbs) reg(program);
  program.commands.forEach(function override(c: Command) {
    c.exitOverride();
    c.commands.forEach(override);
  });
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    // commander's own usage errors (unknown option, missing required option) and --help
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = EXIT.failed;
  });
