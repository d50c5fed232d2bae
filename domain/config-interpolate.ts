// ${NAME} and ${NAME:-default} in a release file are replaced from the environment before parsing, so one file
// serves every deployment (ports, hosts and paths differ; secrets stay out of the file). $$ is a literal $.
// Comment lines are left alone. Pure: the caller passes the environment.
import { ErrorCode, PromoterError } from './errors.js';

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

export function interpolateEnv(text: string, file: string, env: Readonly<Record<string, string | undefined>>): string {
  const problems: string[] = [];
  const lines = text.split('\n').map((line, i) => {
    if (/^\s*#/.test(line)) return line;
    return line.replace(REF, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      if (name === undefined) {
        problems.push(`${file}:${i + 1}: expected \${NAME} or \${NAME:-default} (got ${match})`);
        return match;
      }
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      problems.push(`${file}:${i + 1}: environment variable ${name} is not set (referenced as ${match})`);
      return match;
    });
  });
  if (problems.length > 0) {
    throw new PromoterError(ErrorCode.Config, `Invalid release configuration ${file}:\n  ${problems.join('\n  ')}`, {
      context: { file, problems },
      suggestion: 'Export the variables, or give a default with ${NAME:-value}.',
    });
  }
  return lines.join('\n');
}
