// The one authority for a release's configuration: the worker's config dir (PROMOTER_CONFIG_DIR). The controller
// loads its release file here at every pass and job; the content hash is the version it records and audits.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ReleaseConfig } from '../domain/config.js';
import { configVersion, isReleaseFileName, loadReleaseConfig } from '../domain/config-file.js';

export { configVersion };
import { ErrorCode, PromoterError } from '../domain/errors.js';
import type { ConfigVersion } from '../workflows/contract.js';

export interface ReleaseRef {
  release: string;
  distro: string;
}

const RELEASE_FILE = /\.(ya?ml|ini)$/;

export function createConfigActivities(configDir: string) {
  return {
    /** The release file of release/distro in the config dir, parsed, with its content version. */
    async loadReleaseConfig({
      release,
      distro,
    }: ReleaseRef): Promise<{ config: ReleaseConfig; version: ConfigVersion }> {
      const dir = resolve(configDir);
      let names: string[];
      try {
        // Environment layers (defaults.yaml, global_defaults.yaml) are not release files.
        names = readdirSync(dir).filter(isReleaseFileName);
      } catch (err) {
        throw new PromoterError(
          ErrorCode.Config,
          `PROMOTER_CONFIG_DIR ${dir} cannot be read: ${(err as Error).message}`,
          {
            context: { dir },
            suggestion: 'Set PROMOTER_CONFIG_DIR on the worker to the directory of the release files.',
          },
        );
      }
      // The file named after the release first: usually the only one parsed.
      const first = (f: string) => (f.replace(RELEASE_FILE, '') === release ? 0 : 1);
      names.sort((a, b) => first(a) - first(b) || a.localeCompare(b));
      const problems: string[] = [];
      for (const name of names) {
        const file = join(dir, name);
        let config: ReleaseConfig;
        let content: Buffer;
        try {
          content = readFileSync(file);
          config = loadReleaseConfig(file);
        } catch (err) {
          problems.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
          continue;
        }
        if (config.release !== release || config.distro !== distro) continue;
        const version = { version: configVersion(content), file: name, loadedAt: Math.floor(Date.now() / 1000) };
        return { config, version };
      }
      throw new PromoterError(ErrorCode.Config, `no release file for ${release}/${distro} in ${dir}`, {
        context: { dir, problems },
        suggestion:
          problems.length > 0
            ? `Fix the release files the worker could not read: ${problems.join('; ')}`
            : `Put the release file of ${release}/${distro} in ${dir}.`,
      });
    },
  };
}
