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

/** One CI vote as DLRN stores it: a job's result, `after` seconds after the build. */
export interface VoteRow {
  job: string;
  result: Vote;
  after: number;
}

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
  /** Build the repo tree's `consistent` symlink points at (a symlink only: DLRN has no promotion rows for it). */
  consistent: string;
  /** label -> build keys, oldest first (the last one is the label's current hash). */
  labels: Record<string, string[]>;
  /** Every CI vote per build key, in the order CI reported them. */
  votes: Record<string, VoteRow[]>;
  /** builds whose container images and qcow2 directories exist. */
  artifacts: string[];
  /** label -> build key it must hold after one promotion pass of the chain. */
  expected: Record<string, string>;
  /** label -> what its stage waits for after that pass (a pattern of the engine's reason). */
  waiting: Record<string, RegExp>;
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

const range = (from: number, to: number, step = 1): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

/**
 * How RDO's labels moved over a release's life: every build reached tripleo-ci-testing (a CI job moves it there from
 * consistent), every second one current-tripleo, every fourth current-tripleo-rdo; each move first put the label's
 * old hash on previous-<label>.
 */
function histories(key: (n: number) => string, builds: number, ctUpTo: number, rdoUpTo: number) {
  const labels: Record<string, string[]> = {
    'tripleo-ci-testing': range(1, builds).map(key),
    'current-tripleo': range(2, ctUpTo, 2).map(key),
    'current-tripleo-rdo': range(4, rdoUpTo, 4).map(key),
  };
  for (const [label, history] of Object.entries(labels)) labels[`previous-${label}`] = history.slice(0, -1);
  return labels;
}

/** The votes that got a build where it is: every criteria job passed (some after a failed first run). */
function historyVotes(labels: Record<string, string[]>, ct: string[], rdo: string[]): Record<string, VoteRow[]> {
  const votes: Record<string, VoteRow[]> = {};
  const passed = (jobs: string[], from: number) =>
    jobs.map((job, i) => ({ job, result: 'pass' as const, after: from + i * 300 }));
  for (const key of labels['tripleo-ci-testing']!) {
    // Builds that never reached current-tripleo failed a job there.
    if (!labels['current-tripleo']!.includes(key)) votes[key] = [{ job: ct[0]!, result: 'fail', after: HOUR }];
  }
  labels['current-tripleo']!.forEach((key, i) => {
    const flaky = i % 5 === 0 ? [{ job: ct[1]!, result: 'fail' as const, after: HOUR - 600 }] : [];
    votes[key] = [...flaky, ...passed(ct, HOUR)];
  });
  for (const key of labels['current-tripleo-rdo']!) votes[key] = [...votes[key]!, ...passed(rdo, 5 * HOUR)];
  return votes;
}

function wallaby(): SandboxRelease {
  const release = 'wallaby';
  const key = (n: number) => `W${String(n).padStart(3, '0')}`;
  const extended = new Set([233, 237, 239]);
  const commits = Array.from({ length: 240 }, (_, i) =>
    commitFor(release, 1000 + i + 1, 'openstack-tripleo-heat-templates', null, extended.has(i + 1)),
  );
  commits[0]!.flags = 2; // an old purged build: promoting it must give 410
  const builds = commits.map((c, i) => ({
    key: key(i + 1),
    fullHash: commitFullHash(c),
    time: c.dt_commit,
    commits: [c],
    aggregateHash: null,
  }));
  const ct = [
    'periodic-tripleo-ci-centos-9-standalone-wallaby',
    'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-wallaby',
    'periodic-tripleo-ci-centos-9-scenario001-standalone-wallaby',
  ];
  const rdo = [
    'tripleo-quickstart-promote-wallaby-current-tripleo-delorean-minimal',
    'weirdo-wallaby-centos9-promote-packstack-scenario001',
  ];
  const [standalone, ovb, scen1] = ct as [string, string, string];
  const [minimal, packstack] = rdo as [string, string];
  const labels = histories(key, 240, 230, 228);
  const votes = historyVotes(labels, ct, rdo);
  Object.assign(votes, {
    // Started, never reported.
    W240: [{ job: standalone, result: 'running', after: 3000 }],
    // ovb failed, its re-run never closed.
    W239: [
      { job: standalone, result: 'pass', after: 3600 },
      { job: ovb, result: 'fail', after: 4000 },
      { job: scen1, result: 'pass', after: 4200 },
      { job: ovb, result: 'running', after: 7000 },
    ],
    W238: [
      { job: standalone, result: 'pass', after: 3600 },
      { job: ovb, result: 'pass', after: 4000 },
      { job: scen1, result: 'fail', after: 4300 },
    ],
    // standalone failed then passed on re-run; scenario001 passed and a re-run is in progress: promotable.
    W237: [
      { job: standalone, result: 'fail', after: 3600 },
      { job: ovb, result: 'pass', after: 4000 },
      { job: scen1, result: 'pass', after: 4200 },
      { job: standalone, result: 'pass', after: 9000 },
      { job: scen1, result: 'running', after: 10000 },
    ],
  });
  // current-tripleo's head: minimal passed, packstack failed and its re-run never closed.
  votes.W230 = [
    ...votes.W230!,
    { job: minimal, result: 'pass', after: 5 * HOUR },
    { job: packstack, result: 'fail', after: 5 * HOUR + 600 },
    { job: packstack, result: 'running', after: 6 * HOUR },
  ];
  return {
    release,
    useComponents: false,
    sourceNamespace: 'tripleowallabycentos9',
    targetNamespace: 'tripleowallaby',
    commits,
    builds,
    consistent: key(240),
    labels,
    votes,
    artifacts: [224, 228, 230, 237, 239, 240].map(key),
    // W237 (extended hash) reaches current-tripleo; current-tripleo-rdo then waits for its jobs (W230, older, has
    // packstack failed and re-running).
    expected: { 'tripleo-ci-testing': 'W240', 'current-tripleo': 'W237', 'current-tripleo-rdo': 'W228' },
    waiting: { 'current-tripleo-rdo': /missing jobs: .*delorean-minimal/ },
  };
}

export const MASTER_COMPONENTS = ['baremetal', 'cinder', 'common', 'compute', 'network', 'tripleo'] as const;

function master(repoBaseUrl: string): SandboxRelease {
  const release = 'master';
  const key = (n: number) => `M${String(n).padStart(2, '0')}`;
  const commits: SandboxCommit[] = [];
  let nextId = 2000;
  const head = new Map<string, SandboxCommit>();
  const advance = (component: string) => {
    const c = commitFor(release, ++nextId, `python-${component}-project`, component, false);
    commits.push(c);
    head.set(component, c);
  };
  MASTER_COMPONENTS.forEach(advance);
  // Each aggregate moves one component forward, round robin: fifty distinct aggregates M01..M50, six promotion
  // rows each (promote-batch writes one per component).
  const builds: SandboxBuild[] = [];
  for (let i = 1; i <= 50; i++) {
    advance(MASTER_COMPONENTS[(i - 1) % MASTER_COMPONENTS.length]!);
    const members = MASTER_COMPONENTS.map((c) => head.get(c)!);
    const agg = md5(aggregateRepoContent(members, repoBaseUrl));
    builds.push({ key: key(i), fullHash: agg, time: BASE_TIME + i * HOUR, commits: members, aggregateHash: agg });
  }
  const ct = [
    'periodic-tripleo-ci-centos-9-standalone-master',
    'periodic-tripleo-ci-centos-9-scenario001-standalone-master',
    'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-master',
  ];
  const ovbInternal = 'periodic-tripleo-ci-centos-9-ovb-3ctlr_1comp-featureset001-internal-master';
  const rdo = [
    'tripleo-quickstart-promote-master-current-tripleo-delorean-minimal',
    'weirdo-master-centos9-promote-packstack-scenario001',
  ];
  const [standalone, scen1, ovb] = ct as [string, string, string];
  const [minimal, packstack] = rdo as [string, string];
  const labels = histories(key, 50, 44, 40);
  const votes = historyVotes(labels, ct, rdo);
  Object.assign(votes, {
    M50: [{ job: standalone, result: 'running', after: 3000 }],
    M49: [
      { job: standalone, result: 'pass', after: 3600 },
      { job: scen1, result: 'fail', after: 4000 },
      { job: ovb, result: 'pass', after: 4200 },
      { job: scen1, result: 'running', after: 8000 },
    ],
    // ovb failed (and is re-running) but its alternative, the internal job, passed: promotable.
    M48: [
      { job: standalone, result: 'pass', after: 3600 },
      { job: scen1, result: 'pass', after: 3900 },
      { job: ovb, result: 'fail', after: 4000 },
      { job: ovbInternal, result: 'pass', after: 5000 },
      { job: ovb, result: 'running', after: 9000 },
    ],
  });
  // current-tripleo's head: minimal failed then passed, packstack passed and a re-run is in progress.
  votes.M44 = [
    ...votes.M44!,
    { job: minimal, result: 'fail', after: 5 * HOUR },
    { job: packstack, result: 'pass', after: 5 * HOUR + 600 },
    { job: minimal, result: 'pass', after: 6 * HOUR + 1800 },
    { job: packstack, result: 'running', after: 7 * HOUR + 1200 },
  ];
  return {
    release,
    useComponents: true,
    sourceNamespace: 'tripleomastercentos9',
    targetNamespace: 'tripleomaster',
    commits,
    builds,
    consistent: key(50),
    labels,
    votes,
    artifacts: [36, 40, 42, 44, 48, 49, 50].map(key),
    // M48 reaches current-tripleo through the alternative; current-tripleo-rdo takes the older M44, whose jobs
    // passed (M48 has no rdo votes yet): the chain moves both stages in one pass.
    expected: { 'tripleo-ci-testing': 'M50', 'current-tripleo': 'M48', 'current-tripleo-rdo': 'M44' },
    waiting: {},
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
