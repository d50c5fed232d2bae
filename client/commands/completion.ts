// promoter completion bash: a bash completion script for every verb, sub-verb and option, generated from the
// program itself, so it never drifts from the commands. Static: completing runs no node process.
import type { Command } from 'commander';
import { buildProgram } from '../program.js';
import { ABOUT } from '../verbs.js';

/** Each command path ("", "schedule", "schedule create") with the words that may follow it. */
export function completionWords(program: Command): Map<string, string[]> {
  const words = new Map<string, string[]>();
  const walk = (c: Command, path: string[]) => {
    const opts = c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
    words.set(path.join(' '), [...c.commands.map((s) => s.name()), ...opts, '--help']);
    for (const s of c.commands) walk(s, [...path, s.name()]);
  };
  walk(program, []);
  return words;
}

export function bashScript(program: Command): string {
  const cases = [...completionWords(program)].map(([path, w]) => `    "${path}") words="${w.join(' ')}" ;;`).join('\n');
  return `# promoter completion for bash: source <(promoter completion bash)
_promoter() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${[...completionWords(program).keys()]
  .filter(Boolean)
  .map((p) => `      "${p}") path="${p}" ;;`)
  .join('\n')}
    esac
  done
  local words
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _promoter promoter
`;
}

export function register(program: Command): void {
  program
    .command('completion')
    .description(ABOUT.completion)
    .argument('<shell>', 'bash')
    .action(async (shell: string) => {
      if (shell !== 'bash') {
        program.error(`<shell>: only bash is supported (got ${JSON.stringify(shell).slice(0, 40)})`, {
          exitCode: 2,
        });
      }
      process.stdout.write(bashScript(await buildProgram('all')));
    });
}
