// Builds the `promoter` program: the global options (--address, --namespace beside the TEMPORAL_* variables, as the
// temporal CLI has them; --version) and the verbs. Only the modules of the verbs asked for are loaded; the others
// are listed by name and one line, so `promoter --help` loads no verb at all.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABOUT, isVerb, VERBS, type Verb } from './verbs.js';

/** Global options that take a value: skipped when looking for the verb in argv. */
const VALUED = new Set(['--address', '--namespace']);

/** The verb an argv (without node and script) runs, if it names one (`help <verb>` counts as that verb). */
export function verbOf(args: string[]): Verb | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUED.has(a)) i++;
    else if (a === 'help') return verbOf(args.slice(i + 1));
    else if (!a.startsWith('-')) return isVerb(a) ? a : null;
  }
  return null;
}

/** The project's version, from the package.json above this file (client/ in source, dist/client/ compiled). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      if (dirname(dir) === dir) return 'unknown';
    }
  }
}

/**
 * verbs: the verbs whose modules are loaded (their commands with every option); every other verb is a stub with
 * its one-line description, enough for the top-level help and for commander to say "unknown command".
 */
export async function buildProgram(verbs: Verb[] | 'all'): Promise<Command> {
  const program = new Command('promoter')
    .description('RDO promotion system on Temporal: status, promotions, manual controls, schedules')
    .version(version(), '-V, --version', 'print the version')
    .option('--address <host:port>', 'Temporal frontend address (default $TEMPORAL_ADDRESS or 127.0.0.1:7233)')
    .option('--namespace <namespace>', 'Temporal namespace (default $TEMPORAL_NAMESPACE or default)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // The flags win over the variables; connection.ts reads both through Temporal's envconfig.
  program.hook('preAction', () => {
    const g = program.opts<{ address?: string; namespace?: string }>();
    if (g.address) process.env.TEMPORAL_ADDRESS = g.address;
    if (g.namespace) process.env.TEMPORAL_NAMESPACE = g.namespace;
  });
  const wanted = verbs === 'all' ? (Object.keys(VERBS) as Verb[]) : verbs;
  const loaders = [...new Set(wanted.map((v) => VERBS[v]))];
  for (const mod of await Promise.all(loaders.map((load) => load()))) mod.register(program);
  for (const name of Object.keys(ABOUT) as Verb[]) {
    if (!program.commands.some((c) => c.name() === name)) program.command(name).description(ABOUT[name]);
  }
  program.commands.forEach(function override(c: Command) {
    c.exitOverride();
    c.commands.forEach(override);
  });
  return program;
}
