// `promoter config convert`: the old file as one release file in rdo-promoter's keys, resolving to the same
// configuration, with what changes in behaviour named (issue 9 item 4).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertReport } from '../../domain/config-convert.js';
import { loadReleaseConfig } from '../../domain/config-file.js';
import { parseReleaseConfig, type ReleaseConfig } from '../../domain/config.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'old-configs');
const behaviour = ({ warnings: _w, layers: _l, ignoredKeys: _i, hashKindFrom: _h, ...rest }: ReleaseConfig) => rest;

describe('promoter config convert', () => {
  it.each([
    'ini/master.ini',
    'config_environments/rdo/CentOS-9/master-containers.yaml',
    'config_environments/rdo/CentOS-8/wallaby.yaml',
    'config_environments/components/CentOS-9/zed.yaml',
    'standalone/extended.yaml',
  ])('%s converts to a file that resolves to the same configuration', (file) => {
    const cfg = loadReleaseConfig(join(DIR, file), {});
    const converted = parseReleaseConfig(convertReport(cfg), 'converted.yaml');
    expect(behaviour(converted)).toEqual(behaviour(cfg));
    expect(converted.layers).toEqual(['converted.yaml']);
  });

  it('names every change in behaviour, or says none', () => {
    const ini = convertReport(loadReleaseConfig(join(DIR, 'ini/master.ini'), {}));
    expect(ini).toContain('# Promotes: dlrn.');
    expect(ini).toMatch(/# Behaviour changes against the old promoter:\n# {3}- username: ignored/);
    expect(ini).toContain('registries_client is left out');
    const plain = convertReport(loadReleaseConfig(join(DIR, 'standalone/extended.yaml'), {}));
    expect(plain).toContain('# Behaviour changes against the old promoter: none.');
  });
});
