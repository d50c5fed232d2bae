// Reads a release file from disk. Kept apart from config.ts so that module stays free of Node builtins.
import { readFileSync } from 'node:fs';
import { interpolateEnv } from './config-interpolate.js';
import { parseReleaseConfig, type ReleaseConfig } from './config.js';
import { ErrorCode, PromoterError } from './errors.js';

export function loadReleaseConfig(file: string, env: NodeJS.ProcessEnv = process.env): ReleaseConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PromoterError(ErrorCode.Config, `Cannot read release configuration ${file}: ${reason}`, {
      context: { file, problems: [`${file}: cannot read the file (${reason})`] },
      suggestion: 'Check the path given with --release-config.',
      cause: err,
    });
  }
  return parseReleaseConfig(interpolateEnv(text, file, env), file);
}
