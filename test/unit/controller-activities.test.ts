// The controller's worker-side activities: release config from the config dir with its content version (item 5), and
// the shared Temporal connection that retries after a failed first attempt (item 9).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigActivities, configVersion } from '../../activities/config.js';
import { once } from '../../activities/index.js';
import { FakeWorld, releaseYaml } from '../helpers/fake-world.js';

describe('controller activities', () => {
  it('a failed first connection is not cached: the next call connects again (item 9)', async () => {
    let calls = 0;
    const connect = once(async () => {
      calls++;
      if (calls === 1) throw new Error('connection refused');
      return 'client';
    });
    await expect(connect()).rejects.toThrow('connection refused');
    await expect(connect()).resolves.toBe('client');
    await expect(connect()).resolves.toBe('client');
    expect(calls).toBe(2);
  });

  it('loads the release file of release/distro with a 12-hex content version, and names the dir when absent (item 5)', async () => {
    const w = new FakeWorld();
    w.writeRelease('alpha');
    writeFileSync(join(w.configDir, 'broken.yaml'), 'release: [');
    const acts = createConfigActivities(w.configDir);
    const { config, version } = await acts.loadReleaseConfig({ release: 'alpha', distro: 'centos9' });
    expect(config.release).toBe('alpha');
    expect(version).toMatchObject({ version: configVersion(releaseYaml('alpha')), file: 'alpha.yaml' });
    expect(version.version).toMatch(/^[0-9a-f]{12}$/);
    await expect(acts.loadReleaseConfig({ release: 'beta', distro: 'centos9' })).rejects.toThrow(
      new RegExp(`no release file for beta/centos9 in ${w.configDir}`),
    );
  });
});
