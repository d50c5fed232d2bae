// Reads a release file from disk. Kept apart from config.ts so that module stays free of Node builtins.
import { readFileSync, statSync } from 'node:fs';
import { interpolateEnv } from './config-interpolate.js';
import { MAX_RELEASE_FILE_BYTES, parseReleaseConfig, tooHeavy, type ReleaseConfig } from './config.js';
import { ErrorCode, PromoterError } from './errors.js';

export function loadReleaseConfig(file: string, env: NodeJS.ProcessEnv = process.env): ReleaseConfig {
  let text: string;
  try {
    // Weighed before it is read: a huge file must fail at once, not after minutes of parsing.
    const { size } = statSync(file);
    if (size > MAX_RELEASE_FILE_BYTES) throw tooHeavy(file, size);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof PromoterError) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PromoterError(ErrorCode.Config, `Cannot read release configuration ${file}: ${reason}`, {
      context: { file, problems: [`${file}: cannot read the file (${reason})`] },
      suggestion: 'Check the path given with --release-config.',
      cause: err,
    });
  }
  return parseReleaseConfig(interpolateEnv(text, file, env), file);
}
