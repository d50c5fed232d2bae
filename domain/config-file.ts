// Reads a release file from disk with the old promoter's layers. Kept apart from config.ts so that module stays
// free of Node builtins.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { interpolateEnv } from './config-interpolate.js';
import { MAX_RELEASE_FILE_BYTES, parseReleaseLayers, tooHeavy, type LayerText, type ReleaseConfig } from './config.js';
import { ErrorCode, PromoterError } from './errors.js';

/** Files of the old layout that are layers, not releases: a config dir listing skips them. */
export const LAYER_FILE_NAMES = ['defaults.yaml', 'global_defaults.yaml'];
/** A release file's version: sha256 of its content, 12 hex (what the worker records and `status` compares). */
export const configVersion = (content: Buffer | string) =>
  createHash('sha256').update(content).digest('hex').slice(0, 12);

export const isReleaseFileName = (name: string) =>
  (name.endsWith('.yaml') || name.endsWith('.ini')) && !LAYER_FILE_NAMES.includes(name);

function readLimited(file: string): string {
  try {
    // Weighed before it is read: a huge file must fail at once, not after minutes of parsing.
    const { size } = statSync(file);
    if (size > MAX_RELEASE_FILE_BYTES) throw tooHeavy(file, size);
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof PromoterError) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new PromoterError(ErrorCode.Config, `Cannot read release configuration ${file}: ${reason}`, {
      context: { file, problems: [`${file}: cannot read the file (${reason})`] },
      suggestion: 'Check the path given with --release-config.',
      cause: err,
    });
  }
}

/**
 * The old layout, config_environments/<env>/<Distro>/<release>.yaml: the environment's defaults.yaml one level up,
 * global_defaults.yaml one level above that. Only files that exist are layers.
 */
export function layerFiles(file: string): string[] {
  const envDefaults = join(dirname(dirname(file)), 'defaults.yaml');
  if (!existsSync(envDefaults)) return [file];
  const global = join(dirname(dirname(envDefaults)), 'global_defaults.yaml');
  return existsSync(global) ? [file, envDefaults, global] : [file, envDefaults];
}

export function loadReleaseConfig(file: string, env: NodeJS.ProcessEnv = process.env): ReleaseConfig {
  const ini = file.endsWith('.ini');
  const files = ini ? [file] : layerFiles(file);
  const texts: LayerText[] = files.map((f) => ({
    file: f,
    text: interpolateEnv(readLimited(f), f, env),
    ...(ini ? { format: 'ini' as const } : {}),
  }));
  return parseReleaseLayers(texts);
}
