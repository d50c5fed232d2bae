import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadReleaseConfig } from '../../domain/config-file.js';
import { parseReleaseConfig, qcowHashDir, stageOrder, type ReleaseConfig } from '../../domain/config.js';
import { ErrorCode, isPromoterError, type PromoterError } from '../../domain/errors.js';
import { SCHEMA_FILE, renderReleaseSchema } from '../../scripts/gen-config-schema.js';

const FILE = 'config/sandbox/master.yaml';
const EXAMPLE = new URL('../../config/examples/wallaby-centos8.yaml', import.meta.url);

const HEAD = `release: master
distro_name: centos
distro_version: 9
api_url: https://trunk.example.org/api-centos9-master-uc
`;
/** A valid file with one promotion whose body is `body` (indented under current-tripleo). */
const withPromotion = (body: string, head = HEAD) =>
  `${head}promotions:\n  current-tripleo:\n${body.replace(/^/gm, '    ')}\n`;
const OK_PROMOTION = 'candidate_label: tripleo-ci-testing\ncriteria: [job-a]';

interface Case {
  name: string;
  yaml: string;
  /** Substrings ("<key.path>: <message>"), one per expected problem; absent = the file must parse. */
  problems?: string[];
  check?: (cfg: ReleaseConfig) => void;
}

function configError(yaml: string): PromoterError {
  try {
    parseReleaseConfig(yaml, FILE);
  } catch (err) {
    if (isPromoterError(err, ErrorCode.Config)) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function runCase(c: Case): void {
  if (c.problems === undefined) {
    c.check?.(parseReleaseConfig(c.yaml, FILE));
    return;
  }
  const err = configError(c.yaml);
  const problems = err.context.problems as string[];
  const listing = `problems:\n${problems.join('\n')}`;
  expect(problems, listing).toHaveLength(c.problems.length);
  for (const want of c.problems)
    expect(
      problems.some((p) => p.includes(want)),
      `${want}\n${listing}`,
    ).toBe(true);
  for (const p of problems) expect(p.startsWith(FILE)).toBe(true);
  for (const p of problems) expect(err.message).toContain(p);
  c.check?.({} as ReleaseConfig);
}

const cases: Case[] = [
  {
    name: "the old promoter's example, with the container list it needs, parses",
    yaml: readFileSync(EXAMPLE, 'utf8'),
    check: (cfg) => {
      expect(cfg).toMatchObject({
        release: 'wallaby',
        distro: 'centos8',
        distroVersion: '8',
        apiUrl: 'https://trunk.rdoproject.org/api-centos8-wallaby',
        baseUrl: 'https://trunk.rdoproject.org/centos8-wallaby/',
        sourceNamespace: 'tripleowallabycentos8',
        targetNamespace: 'tripleowallaby',
        allowedClients: ['registries_client', 'dlrn_client'],
        dlrnApi: { host: 'trunk.rdoproject.org', scheme: 'https', port: undefined },
      });
      expect(cfg.promotions.map((p) => [p.targetLabel, p.candidateLabel])).toEqual([
        ['current-tripleo', 'tripleo-ci-testing'],
        ['current-tripleo-rdo', 'current-tripleo'],
      ]);
      expect(cfg.promotions[0]?.criteria).toHaveLength(4);
    },
  },
  {
    name: 'defaults are applied',
    yaml: withPromotion(OK_PROMOTION),
    check: (cfg) => {
      expect(cfg).toMatchObject({
        distro: 'centos9',
        baseUrl: 'https://trunk.example.org/centos9-master/',
        sourceNamespace: 'tripleomaster',
        targetNamespace: 'tripleomaster',
        latestHashesCount: 100,
        // Nothing says what containers or qcow2 images to promote: left out, and said so.
        allowedClients: ['dlrn_client'],
        dryRun: false,
        createPrevious: true,
        schedule: { intervalSeconds: 600, jitterSeconds: 0, paused: false },
        registries: {
          source: { url: 'quay.rdoproject.org', namespace: 'tripleomaster', tlsVerify: true },
          targets: [{ name: 'quay.io', url: 'quay.io', namespace: 'tripleomaster', tlsVerify: true }],
        },
        ignoredKeys: [],
      });
      expect(cfg.warnings).toEqual([
        expect.stringContaining('hash_kind not set'),
        expect.stringContaining('registries_client is left out'),
        expect.stringContaining('qcow_client is left out'),
      ]);
      expect(cfg.containers).toBeUndefined();
      expect(cfg.imageServer).toBeUndefined();
      expect(cfg.promotions[0]).toEqual({
        targetLabel: 'current-tripleo',
        candidateLabel: 'tripleo-ci-testing',
        criteria: ['job-a'],
        alternativeCriteria: {},
        soakSeconds: 0,
        approvalRequired: false,
        windows: [],
        hold: false,
      });
    },
  },
  {
    name: 'allowed_clients as a comma string is normalised to execution order (DLRN last)',
    yaml: withPromotion(
      OK_PROMOTION,
      `${HEAD}allowed_clients: dlrn_client, registries_client\ncontainers: { images: [nova-api] }\n`,
    ),
    check: (cfg) => expect(cfg.allowedClients).toEqual(['registries_client', 'dlrn_client']),
  },
  {
    name: 'allowed_clients as a list',
    yaml: withPromotion(
      OK_PROMOTION,
      `${HEAD}allowed_clients: [qcow_client, dlrn_client, qcow_client]\n` +
        'image_server: { host: images.example.org, user: u, root: /srv, key_file: /k }\n',
    ),
    check: (cfg) => expect(cfg.allowedClients).toEqual(['qcow_client', 'dlrn_client']),
  },
  {
    name: 'allowed_clients with an unknown client',
    yaml: withPromotion(OK_PROMOTION, `${HEAD}allowed_clients: registries_client,ftp_client\n`),
    problems: ['allowed_clients: expected registries_client, qcow_client, dlrn_client as a list or a comma'],
  },
  {
    name: 'distro_version as a string, api_url derived from dlrn_api_host like the old promoter',
    yaml: withPromotion(
      OK_PROMOTION,
      'release: master\ndistro_name: CentOS\ndistro_version: "9"\ndlrn_api_host: trunk.rdoproject.org\n',
    ),
    check: (cfg) => {
      expect(cfg).toMatchObject({ distroName: 'centos', distroVersion: '9', distro: 'centos9' });
      // The old constructor put the version in the endpoint for CentOS 8 only (CentOS 9 files set api_url).
      expect(cfg.apiUrl).toBe('https://trunk.rdoproject.org/api-centos-master-uc');
    },
  },
  {
    name: 'neither api_url nor dlrn_api_host',
    yaml: withPromotion(OK_PROMOTION, 'release: master\ndistro_name: centos\ndistro_version: 9\n'),
    problems: ['api_url: expected an http(s) URL of the DLRN API, or dlrn_api_host to derive it from (got nothing)'],
  },
  {
    name: 'api_url that is not http(s)',
    yaml: withPromotion(OK_PROMOTION, HEAD.replace('https://trunk.example.org/api-centos9-master-uc', 'ftp://trunk')),
    problems: ['api_url: expected an http(s) URL (got "ftp://trunk")'],
  },
  {
    name: 'missing criteria',
    yaml: withPromotion('candidate_label: tripleo-ci-testing'),
    problems: ['promotions.current-tripleo.criteria: expected a non-empty list of job names (got nothing)'],
  },
  {
    name: 'empty criteria',
    yaml: withPromotion('candidate_label: tripleo-ci-testing\ncriteria: []'),
    problems: ['promotions.current-tripleo.criteria: expected a non-empty list of job names (got [])'],
  },
  {
    name: 'unknown keys are reported with their path',
    yaml: withPromotion(`${OK_PROMOTION}\nsoak: 2h`, `${HEAD}relase: master\n`),
    problems: [
      'relase: expected one of the keys release, distro_name,',
      'promotions.current-tripleo.soak: expected one of the keys candidate_label, criteria, alternative_criteria, soak_time',
    ],
  },
  {
    name: "old promoter's environment keys are accepted, ignored and listed",
    yaml: withPromotion(OK_PROMOTION, `${HEAD}log_level: DEBUG\nscenes: [dlrn]\ncreate_previous: false\n`),
    check: (cfg) => {
      expect(cfg.ignoredKeys).toEqual(['log_level', 'scenes']);
      expect(cfg.createPrevious).toBe(false);
    },
  },
  {
    name: 'a literal password is rejected without echoing it',
    yaml: withPromotion(OK_PROMOTION, `${HEAD}registries:\n  source: { url: quay.io, password: hunter2 }\n`),
    problems: ['registries.source.password: expected password_env naming an environment variable'],
    check: () =>
      expect(configError(`${HEAD}registries: { source: { password: hunter2 } }`).message).not.toContain('hunter2'),
  },
  {
    name: 'a literal token is rejected even under an ignored old key',
    yaml: withPromotion(OK_PROMOTION, `${HEAD}dlrn:\n  server:\n    api_token: abc\n`),
    problems: ['dlrn.server.api_token: expected api_token_env'],
  },
  {
    name: 'registries with secrets by reference',
    yaml: withPromotion(
      OK_PROMOTION,
      `${HEAD}registries:\n  source: { url: "localhost:6000", tls_verify: false }\n` +
        '  targets:\n    - { name: quay, url: quay.io, namespace: tripleo, username_env: QUAY_USER, password_env: QUAY_PASSWORD }\n',
    ),
    check: (cfg) =>
      expect(cfg.registries).toEqual({
        source: { name: 'source', url: 'localhost:6000', namespace: 'tripleomaster', tlsVerify: false },
        targets: [
          {
            name: 'quay',
            url: 'quay.io',
            namespace: 'tripleo',
            tlsVerify: true,
            usernameEnv: 'QUAY_USER',
            passwordEnv: 'QUAY_PASSWORD',
          },
        ],
      }),
  },
  {
    name: 'a cycle in candidate labels',
    yaml: `${HEAD}promotions:\n  a-label: { candidate_label: b-label, criteria: [j] }\n  b-label: { candidate_label: a-label, criteria: [j] }\n`,
    problems: [
      'promotions.a-label.candidate_label: expected candidate labels that do not lead back to this target (got the cycle a-label <- b-label <- a-label)',
    ],
  },
  {
    name: 'candidate label equal to the target',
    yaml: withPromotion('candidate_label: current-tripleo\ncriteria: [j]'),
    problems: [
      'promotions.current-tripleo.candidate_label: expected a label other than the target (got "current-tripleo")',
    ],
  },
  {
    name: 'reserved and malformed target labels',
    yaml: `${HEAD}promotions:\n  current: { candidate_label: x, criteria: [j] }\n  consistent: { candidate_label: x, criteria: [j] }\n  a/b: { candidate_label: x, criteria: [j] }\n  a..b: { candidate_label: x, criteria: [j] }\n`,
    problems: [
      'promotions.current: expected a label other than current and consistent (DLRN manages those itself) (got "current")',
      'promotions.consistent: expected a label other than current and consistent',
      'promotions.a/b: expected a DLRN label name',
      'promotions.a..b: expected a DLRN label name (letters, digits, ".", "_", "-"; starting with a letter) without ".."',
    ],
  },
  {
    name: 'durations: soak_time and schedule',
    yaml: withPromotion(
      `${OK_PROMOTION}\nsoak_time: 1h30m`,
      `${HEAD}schedule: { interval: 45, jitter: 30s, paused: true }\n`,
    ),
    check: (cfg) => {
      expect(cfg.promotions[0]?.soakSeconds).toBe(5400);
      expect(cfg.schedule).toEqual({ intervalSeconds: 45, jitterSeconds: 30, paused: true });
    },
  },
  {
    name: 'bad durations',
    yaml: withPromotion(`${OK_PROMOTION}\nsoak_time: 2 hours`, `${HEAD}schedule: { interval: 0s, jitter: -5 }\n`),
    problems: [
      'promotions.current-tripleo.soak_time: expected a duration like "2h", "30m", "1h30m", "0s" or a number of seconds (got "2 hours")',
      'schedule.interval: expected an interval longer than 0s (got "0s")',
      'schedule.jitter: expected a duration like',
    ],
  },
  {
    name: 'promotion windows',
    yaml: withPromotion(`${OK_PROMOTION}\npromotion_windows:\n  - { days: [mon, fri], start: "22:00", end: "06:00" }`),
    check: (cfg) =>
      expect(cfg.promotions[0]?.windows).toEqual([
        { days: ['mon', 'fri'], start: '22:00', end: '06:00', timezone: 'UTC' },
      ]),
  },
  {
    name: 'bad windows: time, day, time zone, empty window',
    yaml: withPromotion(
      `${OK_PROMOTION}\npromotion_windows:\n  - { days: [mon, funday], start: "24:00", end: "9:00", timezone: Mars/Olympus }\n  - { days: [sun], start: "10:00", end: "10:00" }`,
    ),
    problems: [
      'promotions.current-tripleo.promotion_windows[0].days[1]: expected a day: mon, tue, wed, thu, fri, sat, sun (got "funday")',
      'promotion_windows[0].start: expected a time "HH:MM" between 00:00 and 23:59 (got "24:00")',
      'promotion_windows[0].end: expected a time "HH:MM"',
      'promotion_windows[0].timezone: expected an IANA time zone',
      'promotion_windows[1].end: expected an end different from start',
    ],
  },
  {
    name: 'alternative_criteria must name a criteria job',
    yaml: withPromotion(`${OK_PROMOTION}\nalternative_criteria:\n  job-a: [job-a-internal]\n  job-z: [job-z-internal]`),
    problems: ['promotions.current-tripleo.alternative_criteria.job-z: expected a job listed in criteria'],
  },
  {
    name: 'containers and image server',
    yaml: withPromotion(
      OK_PROMOTION,
      `${HEAD}containers: { images: [nova-api, base, keystone], prefix: openstack-, exclude: [base] }\n` +
        'image_server: { host: images.example.org, user: uploader, root: /var/www/html/images/, key_file_env: SSH_KEY }\n',
    ),
    check: (cfg) => {
      expect(cfg.containers).toEqual({ images: ['nova-api', 'keystone'], prefix: 'openstack-', exclude: ['base'] });
      expect(cfg.imageServer).toMatchObject({ port: 22, root: '/var/www/html/images', keyFileEnv: 'SSH_KEY' });
      expect(cfg.imageServer?.images).toEqual([
        'overcloud-full.tar',
        'overcloud-full.tar.md5',
        'ironic-python-agent.tar',
      ]);
      expect(qcowHashDir(cfg, cfg.imageServer?.root ?? '', 'abc_def')).toBe(
        '/var/www/html/images/centos9/master/rdo_trunk/abc_def/',
      );
    },
  },
  {
    name: 'bad containers and image server',
    yaml: withPromotion(
      OK_PROMOTION,
      `${HEAD}containers: { images: [nova-api, nova-api] }\n` +
        'image_server: { host: h, user: u, root: relative, key_file: /k, key_file_env: K }\n',
    ),
    problems: [
      'containers.images: expected each image name once',
      'image_server.root: expected an absolute path (got "relative")',
      'image_server.key_file: expected either key_file_env or key_file, not both',
    ],
  },
  {
    name: 'YAML syntax error names the file and the line',
    yaml: `${HEAD}promotions:\n  current-tripleo:\n    criteria: [a, b\n    candidate_label: x\n`,
    problems: [`${FILE}:8:`],
  },
  {
    name: 'duplicate YAML keys',
    yaml: `${HEAD}release: wallaby\npromotions: {}\n`,
    problems: [`${FILE}:5:1: YAML syntax error: Map keys must be unique`],
  },
  {
    name: 'an empty file',
    yaml: '# nothing yet\n',
    problems: [
      '(top level): expected a mapping of release settings {release, distro_name, ..., promotions} (got an empty document)',
    ],
  },
  {
    name: 'multiple problems are reported together',
    yaml: `release: master\ndistro_name: centos\ndistro_version: [9]\napi_url: nope\ndry_run: "yes"\npromotions:\n  current-tripleo: { candidate_label: current-tripleo, criteria: [] }\n`,
    problems: [
      'distro_version: expected a distro version like 9 (got [9])',
      'api_url: expected an http(s) URL (got "nope")',
      'dry_run: expected true or false (got "yes")',
      'promotions.current-tripleo.criteria: expected a non-empty list of job names (got [])',
      'promotions.current-tripleo.candidate_label: expected a label other than the target',
    ],
  },
];

describe('parseReleaseConfig', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => runCase(c));

  it('throws one ConfigError whose message and context list every problem with the file', () => {
    const err = configError(withPromotion('candidate_label: x\ncriteria: []', `${HEAD}latest_hashes_count: 0\n`));
    expect(err.code).toBe(ErrorCode.Config);
    expect(err.retryable).toBe(false);
    expect(err.context).toMatchObject({ file: FILE });
    expect(err.message).toMatch(/^Invalid release configuration config\/sandbox\/master\.yaml \(2 problems\):/);
    expect(err.context.problems).toEqual([
      `${FILE}: latest_hashes_count: expected a positive whole number (got 0)`,
      `${FILE}: promotions.current-tripleo.criteria: expected a non-empty list of job names (got [])`,
    ]);
  });
});

describe('stageOrder', () => {
  it('keeps file order when it already works and moves a stage after the stage producing its candidate', () => {
    const cfg = parseReleaseConfig(
      `${HEAD}promotions:\n` +
        '  current-tripleo-rdo: { candidate_label: current-tripleo, criteria: [j] }\n' +
        '  component-ci-testing: { candidate_label: consistent, criteria: [j] }\n' +
        '  current-tripleo: { candidate_label: tripleo-ci-testing, criteria: [j] }\n' +
        '  tripleo-ci-testing: { candidate_label: component-ci-testing, criteria: [j] }\n',
      FILE,
    );
    expect(cfg.promotions.map((p) => p.targetLabel)).toEqual([
      'current-tripleo-rdo',
      'component-ci-testing',
      'current-tripleo',
      'tripleo-ci-testing',
    ]);
    expect(stageOrder(cfg)).toEqual([
      'component-ci-testing',
      'tripleo-ci-testing',
      'current-tripleo',
      'current-tripleo-rdo',
    ]);
    expect(stageOrder(parseReleaseConfig(readFileSync(EXAMPLE, 'utf8'), FILE))).toEqual([
      'current-tripleo',
      'current-tripleo-rdo',
    ]);
  });
});

describe('loadReleaseConfig', () => {
  it('reads a file from disk', () => {
    expect(loadReleaseConfig(EXAMPLE.pathname).release).toBe('wallaby');
  });

  it('reports an unreadable file as a ConfigError', () => {
    expect(() => loadReleaseConfig('/nonexistent/release.yaml')).toThrow(/Cannot read release configuration .*ENOENT/);
  });
});

describe('config/release.schema.json', () => {
  it('is up to date (regenerate: npx tsx scripts/gen-config-schema.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderReleaseSchema());
  });
});
