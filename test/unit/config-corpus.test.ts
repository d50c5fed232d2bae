// The old promoter's release files, in its layouts, and the configuration each must resolve to (issue 9).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReleaseConfig } from '../../domain/config-file.js';
import type { ReleaseConfig } from '../../domain/config.js';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';
import { artifactKinds } from '../../domain/promotion.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'old-configs');
const ENV = join(DIR, 'config_environments');

interface Case {
  file: string;
  /** What it must resolve to (a subset), the kinds it promotes, and words every warning list must hold. */
  want?: { config: Partial<ReleaseConfig>; kinds: string[]; warnings: RegExp[]; layers: number };
  /** Or the refusal it must give. */
  refused?: RegExp[];
}

const cases: Case[] = [
  {
    file: 'config_environments/rdo/CentOS-9/master.yaml',
    // The environment's containers block says where the old promoter read the list, not the list.
    refused: [/containers: the old promoter read the image list from tripleo-common at each hash/],
  },
  {
    file: 'config_environments/rdo/CentOS-9/master-containers.yaml',
    want: {
      layers: 3,
      kinds: ['containers', 'images', 'dlrn'],
      config: {
        release: 'master',
        distro: 'centos9',
        apiUrl: 'https://trunk.rdoproject.org/api-centos9-master-uc',
        baseUrl: 'https://trunk.rdoproject.org/centos9-master/',
        hashKind: 'aggregate',
        hashKindFrom: 'hash_kind',
        allowedClients: ['registries_client', 'qcow_client', 'dlrn_client'],
        registries: {
          source: { name: 'source', url: 'quay.rdoproject.org', namespace: 'tripleomastercentos9', tlsVerify: true },
          targets: [{ name: 'quay.io', url: 'quay.io', namespace: 'tripleomastercentos9', tlsVerify: true }],
        } as ReleaseConfig['registries'],
        containers: { images: ['base', 'nova-api', 'nova-compute', 'keystone'], prefix: 'openstack-', exclude: [] },
        imageServer: {
          host: 'images.rdoproject.org',
          port: 22,
          user: 'uploader',
          root: '/var/www/html/images',
          keyFile: '/home/promoter/.ssh/id_rsa_uploader',
          keyFileEnv: undefined,
          images: [
            'ironic-python-agent.tar',
            'ironic-python-agent.tar.md5',
            'overcloud-full.tar',
            'overcloud-full.tar.md5',
          ],
        },
        logFile: '~/web/promoter_logs/centos9_master.log',
        latestHashesCount: 100,
      },
      warnings: [
        /ignored \(old promoter machinery, from the defaults layers\): log_levels, log_root, container_push_logfile, dockerfile_root, dlrn, log_level, global_config_root/,
        /dlrnauth_username: ignored/,
      ],
    },
  },
  {
    file: 'config_environments/rdo/CentOS-8/wallaby.yaml',
    want: {
      layers: 3,
      kinds: ['containers', 'dlrn'],
      config: {
        // No api_url: derived the old way from the environment's dlrn_api_* (CentOS 8 puts the version in it).
        apiUrl: 'http://trunk.rdoproject.org:80/api-centos8-wallaby',
        baseUrl: 'http://trunk.rdoproject.org/centos8-wallaby/',
        hashKind: 'commit',
        allowedClients: ['registries_client', 'dlrn_client'],
        sourceNamespace: 'tripleowallabycentos8',
        targetNamespace: 'tripleowallaby',
      },
      warnings: [/dlrnauth_username: ignored/],
    },
  },
  {
    file: 'config_environments/components/CentOS-9/zed.yaml',
    want: {
      layers: 3,
      kinds: ['dlrn'],
      config: {
        apiUrl: 'https://trunk.rdoproject.org/api-centos9-zed',
        hashKind: 'aggregate',
        hashKindFrom: 'dlrn.components',
        registries: {
          source: { name: 'source', url: 'quay.rdoproject.org', namespace: 'tripleozed', tlsVerify: true },
          targets: [],
        } as ReleaseConfig['registries'],
      },
      warnings: [/target_registries_push: false/],
    },
  },
  {
    file: 'ini/master.ini',
    want: {
      layers: 1,
      kinds: ['dlrn'],
      config: {
        release: 'master',
        distro: 'centos7',
        apiUrl: 'https://trunk.rdoproject.org/api-centos-master-uc',
        dryRun: false,
        latestHashesCount: 10,
        logFile: '/home/centos/dlrnapi_promoter.log',
        allowedClients: ['dlrn_client'],
      },
      warnings: [/username: ignored/, /registries_client is left out/, /qcow_client is left out/, /hash_kind not set/],
    },
  },
  {
    file: 'standalone/extended.yaml',
    want: {
      layers: 1,
      kinds: ['dlrn'],
      config: { hashKind: 'commit', createPrevious: false, allowedClients: ['dlrn_client'], warnings: [] },
      warnings: [],
    },
  },
];

describe('old release files resolve to what they promoted', () => {
  it.each(cases)('$file', ({ file, want, refused }) => {
    const path = join(DIR, file);
    if (refused) {
      let err: unknown;
      try {
        loadReleaseConfig(path, {});
      } catch (e) {
        err = e;
      }
      expect(isPromoterError(err, ErrorCode.Config)).toBe(true);
      for (const re of refused) expect((err as Error).message).toMatch(re);
      // The staging password of the environment layer is never shown.
      expect((err as Error).message).not.toContain('stagingpassword00');
      return;
    }
    const cfg = loadReleaseConfig(path, {});
    expect(cfg).toMatchObject(want!.config);
    expect(artifactKinds(cfg)).toEqual(want!.kinds);
    expect(cfg.layers).toHaveLength(want!.layers);
    for (const re of want!.warnings) expect(cfg.warnings.join('\n')).toMatch(re);
    if (want!.warnings.length === 0) expect(cfg.warnings.filter((w) => !w.startsWith('ignored'))).toEqual([]);
    expect(JSON.stringify(cfg)).not.toContain('stagingpassword00');
  });

  it('promotions of the INI file keep [promote_from] and one criteria section per target', () => {
    const cfg = loadReleaseConfig(join(DIR, 'ini/master.ini'), {});
    expect(cfg.promotions.map((p) => [p.targetLabel, p.candidateLabel, p.criteria])).toEqual([
      [
        'current-tripleo',
        'tripleo-ci-testing',
        [
          'periodic-tripleo-ci-centos-7-ovb-ha-oooq-master',
          'periodic-tripleo-ci-centos-7-multinode-1ctlr-featureset010-master',
        ],
      ],
      [
        'current-tripleo-rdo',
        'current-tripleo',
        ['tripleo-quickstart-promote-master-current-tripleo-delorean-minimal'],
      ],
    ]);
  });

  it('an allowed_clients naming a client without settings is refused, naming it', () => {
    expect(() => loadReleaseConfig(join(ENV, 'rdo/CentOS-9/master.yaml'), {})).toThrow(/registries_client/);
  });
});
