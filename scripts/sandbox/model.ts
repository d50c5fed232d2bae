// The sandbox's data, as a deterministic model: the same inputs always give the same hashes, labels and votes.
// wallaby/centos9 is a commit/distro pipeline (some extended hashes); master/centos9 is a component pipeline whose
// labels hold aggregate hashes. The model also states which hash each label should hold after one promotion pass,
// so tests can check the promoter against it.
import { createHash } from 'node:crypto';

export const DISTRO = 'centos9';
export const BASE_TIME = 1767225600; // 2026-01-01T00:00:00Z: builds are an hour apart from here
export const HOUR = 3600;

export const IMAGE_NAMES = [
  'nova-api',
  'nova-compute',
  'nova-conductor',
  'nova-scheduler',
  'neutron-server',
  'neutron-dhcp-agent',
  'keystone',
  'glance-api',
  'cinder-api',
  'cinder-volume',
  'heat-api',
  'heat-engine',
  'horizon',
  'swift-proxy-server',
  'ironic-api',
  'ironic-conductor',
  'placement-api',
  'rabbitmq',
  'mariadb',
  'haproxy',
  'memcached',
  'ovn-controller',
] as const;
export const IMAGE_PREFIX = 'openstack-';
/** Images published as multi-arch indexes (x86_64 + ppc64le), like RDO's manifest_push builds. */
export const MULTI_ARCH_IMAGES = new Set(IMAGE_NAMES.filter((_, i) => i % 5 === 1));
export const QCOW_FILES = ['overcloud-full.tar', 'overcloud-full.tar.md5', 'ironic-python-agent.tar'] as const;

export type Vote = 'pass' | 'fail' | 'running';

export interface SandboxCommit {
  id: number;
  commit_hash: string;
  distro_hash: string;
  extended_hash: string | null;
  component: string | null;
  project_name: string;
  dt_commit: number;
  flags: number; // 2 = purged
}

/** One promotable unit: a commit (wallaby) or an aggregate of one commit per component (master). */
export interface SandboxBuild {
  key: string;
  fullHash: string;
  time: number;
  commits: SandboxCommit[];
  aggregateHash: string | null;
}

export interface SandboxRelease {
  release: string;
  useComponents: boolean;
  sourceNamespace: string;
  targetNamespace: string;
  commits: SandboxCommit[];
  builds: SandboxBuild[];
  /** label -> build keys, oldest first (the last one is the label's current hash). */
  labels: Record<string, string[]>;
  /** criteria job votes per build key. */
  votes: Record<string, Record<string, Vote>>;
  /** builds whose container images and qcow2 directories exist. */
  artifacts: string[];
  /** label -> build key it must hold after one promotion pass of the chain. */
  expected: Record<string, string>;
}

export const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** DLRN's repo dir for a commit, relative to the repo root (component prefix included). */
export function commitDir(c: SandboxCommit): string {
  let dir = `${c.commit_hash}_${c.distro_hash.slice(0, 8)}`;
  if (c.extended_hash) dir += `_${c.extended_hash.slice(0, 8)}_${c.extended_hash.slice(41, 49)}`;
  const prefix = c.component ? `component/${c.component}/` : '';
  return `${prefix}${c.commit_hash.slice(0, 2)}/${c.commit_hash.slice(2, 4)}/${dir}`;
}

export function commitFullHash(c: SandboxCommit): string {
  const base = `${c.commit_hash}_${c.distro_hash.slice(0, 8)}`;
  if (!c.extended_hash) return base;
  const [extDistro = '', extCommit = ''] = c.extended_hash.split('_');
  return `${base}_${extDistro.slice(0, 8)}_${extCommit.slice(0, 8)}`;
}

/** The delorean.repo DLRN writes in a commit's directory; aggregates are md5 sums over these. */
export function commitRepoFile(c: SandboxCommit, repoBaseUrl: string): string {
  return [
    `[delorean-component-${c.component}]`,
    `name=delorean-${c.project_name}-${c.commit_hash}`,
    `baseurl=${repoBaseUrl}/${commitDir(c)}`,
    'enabled=1',
    'gpgcheck=0',
    'priority=1',
    '',
  ].join('\n');
}

/** Same algorithm as dlrn.utils.aggregate_repo_files: md5 over the sorted components' repo files, each + '\n'. */
export function aggregateRepoContent(commits: SandboxCommit[], repoBaseUrl: string): string {
  return [...commits]
    .sort((a, b) => (a.component ?? '').localeCompare(b.component ?? ''))
    .map((c) => commitRepoFile(c, repoBaseUrl) + '\n')
    .join('');
}

function commitFor(release: string, id: number, name: string, component: string | null, ext: boolean): SandboxCommit {
  const seed = `${release}/${name}/${id}`;
  return {
    id,
    commit_hash: sha1(`${seed}/commit`),
    distro_hash: sha1(`${seed}/distro`),
    extended_hash: ext ? `${sha1(`${seed}/ext-distro`)}_${sha1(`${seed}/ext-commit`)}` : null,
    component,
    project_name: name,
    dt_commit: BASE_TIME + id * HOUR,
    flags: 0,
  };
}

const keys = (prefix: string, nums: number[]) => nums.map((n) => `${prefix}${String(n).padStart(2, '0')}`);

function wallaby(): SandboxRelease {
  const release = 'wallaby';
  const extended = new Set([7, 8, 11]);
  const commits = Array.from({ length: 12 }, (_, i) =>
    commitFor(release, 1000 + i + 1, 'openstack-tripleo-heat-templates', null, extended.has(i + 1)),
  );
  commits[0]!.flags = 2; // an old purged build: promoting it must give 410
  const builds = commits.map((c, i) => ({
    key: keys('W', [i + 1])[0]!,
    fullHash: commitFullHash(c),
    time: c.dt_commit,
    commits: [c],
    aggregateHash: null,
  }));
  const build = 'periodic-tripleo-ci-build-containers-ubi-9-push-wallaby';
  const [standalone, ovb, scen1] = [
    'periodic-tripleo-ci-centos-9-standalone-wallaby',
    'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-wallaby',
    'periodic-tripleo-ci-centos-9-scenario001-standalone-wallaby',
  ];
  const [minimal, packstack] = [
    'tripleo-quickstart-promote-wallaby-current-tripleo-delorean-minimal',
    'weirdo-wallaby-centos9-promote-packstack-scenario001',
  ];
  return {
    release,
    useComponents: false,
    sourceNamespace: 'tripleowallabycentos9',
    targetNamespace: 'tripleowallaby',
    commits,
    builds,
    labels: {
      consistent: keys('W', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      'tripleo-ci-testing': keys('W', [2, 4, 6, 8, 9]),
      'previous-tripleo-ci-testing': keys('W', [8]),
      'current-tripleo': keys('W', [2, 4]),
      'previous-current-tripleo': keys('W', [2]),
      'current-tripleo-rdo': keys('W', [2]),
    },
    votes: {
      W12: { [build]: 'fail' },
      W11: { [build]: 'pass' },
      W10: { [build]: 'pass' },
      W09: { [standalone]: 'pass', [ovb]: 'running' },
      W08: { [standalone]: 'pass', [ovb]: 'fail', [scen1]: 'pass' },
      W06: { [standalone]: 'pass', [ovb]: 'pass', [scen1]: 'pass', [minimal]: 'pass', [packstack]: 'pass' },
      W04: { [standalone]: 'pass', [ovb]: 'pass', [scen1]: 'pass', [minimal]: 'pass', [packstack]: 'fail' },
    },
    artifacts: keys('W', [2, 4, 6, 8, 9, 10, 11]),
    // W11 (extended hash) passes the build job; W06 passes everything and travels two stages in one pass.
    expected: { 'tripleo-ci-testing': 'W11', 'current-tripleo': 'W06', 'current-tripleo-rdo': 'W06' },
  };
}

export const MASTER_COMPONENTS = ['baremetal', 'cinder', 'common', 'compute', 'network', 'tripleo'] as const;

function master(repoBaseUrl: string): SandboxRelease {
  const release = 'master';
  const commits: SandboxCommit[] = [];
  let nextId = 2000;
  const head = new Map<string, SandboxCommit>();
  const advance = (component: string) => {
    const c = commitFor(release, ++nextId, `python-${component}-project`, component, false);
    commits.push(c);
    head.set(component, c);
  };
  MASTER_COMPONENTS.forEach(advance);
  // Each aggregate moves one component forward, round robin: eight distinct aggregates M01..M08.
  const builds: SandboxBuild[] = [];
  for (let i = 1; i <= 8; i++) {
    advance(MASTER_COMPONENTS[(i - 1) % MASTER_COMPONENTS.length]!);
    const members = MASTER_COMPONENTS.map((c) => head.get(c)!);
    const agg = md5(aggregateRepoContent(members, repoBaseUrl));
    builds.push({
      key: keys('M', [i])[0]!,
      fullHash: agg,
      time: BASE_TIME + i * HOUR,
      commits: members,
      aggregateHash: agg,
    });
  }
  const build = 'periodic-tripleo-ci-build-containers-ubi-9-push-master';
  const [standalone, scen1, ovb, ovbInternal] = [
    'periodic-tripleo-ci-centos-9-standalone-master',
    'periodic-tripleo-ci-centos-9-scenario001-standalone-master',
    'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-master',
    'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-internal-master',
  ];
  const [minimal, packstack] = [
    'tripleo-quickstart-promote-master-current-tripleo-delorean-minimal',
    'weirdo-master-centos9-promote-packstack-scenario001',
  ];
  return {
    release,
    useComponents: true,
    sourceNamespace: 'tripleomastercentos9',
    targetNamespace: 'tripleomaster',
    commits,
    builds,
    labels: {
      consistent: keys('M', [1, 2, 3, 4, 5, 6, 7, 8]),
      'tripleo-ci-testing': keys('M', [2, 4, 6, 7]),
      'previous-tripleo-ci-testing': keys('M', [6]),
      'current-tripleo': keys('M', [2, 4]),
      'previous-current-tripleo': keys('M', [2]),
      'current-tripleo-rdo': keys('M', [2]),
    },
    votes: {
      M08: { [build]: 'running' },
      M07: { [standalone]: 'pass', [scen1]: 'fail' },
      // ovb failed but its alternative (the internal job) passed: M06 is promotable through alternative_criteria.
      M06: { [standalone]: 'pass', [scen1]: 'pass', [ovb]: 'fail', [ovbInternal]: 'pass', [minimal]: 'pass' },
      M04: { [standalone]: 'pass', [scen1]: 'pass', [ovb]: 'pass', [minimal]: 'pass', [packstack]: 'pass' },
    },
    artifacts: keys('M', [2, 4, 6, 7, 8]),
    // M08 is still running its build job; M06 reaches current-tripleo but misses packstack for -rdo, where the
    // older M04 (all passed) is the newest promotable hash.
    expected: { 'tripleo-ci-testing': 'M07', 'current-tripleo': 'M06', 'current-tripleo-rdo': 'M04' },
  };
}

/** repoBaseUrl(release) is the DLRN baseurl of that release, e.g. http://127.0.0.1:7590/centos9-master. */
export function sandboxModel(repoBaseUrl: (release: string) => string): SandboxRelease[] {
  return [master(repoBaseUrl('master')), wallaby()];
}

export function buildByKey(rel: SandboxRelease, key: string): SandboxBuild {
  const b = rel.builds.find((x) => x.key === key);
  if (!b) throw new Error(`sandbox model: no build ${key} in ${rel.release}`);
  return b;
}
