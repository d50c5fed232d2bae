// One real DLRN API (PyPI dlrn 0.26.1, scripts/dlrn/serve.py) per release, each loaded with production-shaped data
// (a long candidate history, several votes per job with re-runs, every target label already at an older hash), and a
// counting proxy in front of each, so a benchmark knows every request the promoter sent and when a label moved.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { stringify } from 'yaml';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { httpOk, startProc, waitFor, type Proc } from './procs.js';

const run = promisify(execFile);
export const DLRN_PY = join(ROOT, '.tools', 'venv-dlrn', 'bin', 'python');
export const USER = 'ciuser';

/** The chain every benchmark release runs: three DLRN-only stages, each after the one before. */
export const CHAIN = [
  { target: 'current-tripleo', candidate: 'tripleo-ci-testing' },
  { target: 'current-tripleo-rdo', candidate: 'current-tripleo' },
  { target: 'current-tripleo-rdo-internal', candidate: 'current-tripleo-rdo' },
] as const;
export const jobsOf = (release: string, stage: number) =>
  [`periodic-${release}-stage${stage + 1}-standalone`, `periodic-${release}-stage${stage + 1}-scenario001`] as const;

export const FLEET_COMMITS = 30;
const hex = (seed: string, n: number) => {
  let h = '';
  for (let i = 0; h.length < 40; i++)
    h += ((n * 2654435761 + i * 40503 + seed.charCodeAt(i % seed.length)) >>> 0).toString(16);
  return h.slice(0, 40);
};

/** A release's DLRN state: COMMITS builds on tripleo-ci-testing, the newest passing every criteria job. */
export function fleetFixture(release: string, passwordHash: string, now = Math.floor(Date.now() / 1000)) {
  const COMMITS = FLEET_COMMITS;
  const t0 = now - COMMITS * 3600;
  const commits = Array.from({ length: COMMITS }, (_, i) => ({
    id: i + 1,
    type: 'rpm',
    commit_hash: hex(`c${release}`, i),
    distro_hash: hex(`d${release}`, i),
    extended_hash: 'None',
    component: null,
    project_name: `openstack-pkg-${i % 7}`,
    repo_dir: `/home/dlrn/data/openstack-pkg-${i % 7}`,
    distgit_dir: `/home/dlrn/data/openstack-pkg-${i % 7}_distro`,
    commit_branch: 'master',
    dt_commit: t0 + i * 3600,
    dt_distro: t0 + i * 3600 - 60,
    dt_extended: 0,
    dt_build: t0 + i * 3600 + 600,
    status: 'SUCCESS',
    flags: 0,
    notes: 'OK',
  }));
  const newest = COMMITS;
  const civotes: unknown[] = [];
  const vote = (commitId: number, job: string, ok: boolean, at: number, inProgress = false) =>
    civotes.push({
      commit_id: commitId,
      ci_name: job,
      ci_url: `https://logserver.rdoproject.org/${release}/${job}/${commitId}/${at}`,
      ci_vote: ok,
      ci_in_progress: inProgress,
      timestamp: at,
      notes: '',
      user: USER,
      component: null,
    });
  for (let c = COMMITS - 12; c <= newest; c++) {
    const at = t0 + (c - 1) * 3600 + 1800;
    CHAIN.forEach((_, s) => {
      const [a, b] = jobsOf(release, s);
      if (c === newest) {
        vote(c, a, false, at); // a failed run, then its re-run passed
        vote(c, a, true, at + 600);
        vote(c, b, true, at + 300);
      } else {
        vote(c, a, c % 3 !== 0, at);
        if (c % 4 === 0) vote(c, b, false, at + 200, true); // in progress, never closed
      }
    });
  }
  const promotions: unknown[] = [];
  const promote = (commitId: number, label: string, at: number) =>
    promotions.push({
      id: promotions.length + 1,
      commit_id: commitId,
      promotion_name: label,
      timestamp: at,
      user: USER,
      component: null,
      aggregate_hash: null,
    });
  // Label histories in time order: every build reached tripleo-ci-testing, some went further.
  for (let c = 1; c <= newest; c++) {
    const at = t0 + (c - 1) * 3600 + 900;
    promote(c, 'tripleo-ci-testing', at);
    if (c % 5 === 0 && c < newest) promote(c, 'current-tripleo', at + 100);
    if (c % 10 === 0 && c < newest) promote(c, 'current-tripleo-rdo', at + 200);
    if (c === 10) promote(c, 'current-tripleo-rdo-internal', at + 300);
  }
  return { users: [{ username: USER, password: passwordHash }], commits, civotes, promotions };
}

/** A sha512_crypt hash of the password as DLRN's own dlrn-user makes it (656,000 rounds unless told). */
export async function passwordHash(password: string, rounds?: number): Promise<string> {
  const use = rounds ? `.using(rounds=${Number(rounds)})` : '';
  const code = `import os; from passlib.hash import sha512_crypt; print(sha512_crypt${use}.hash(os.environ['PW']))`;
  const { stdout } = await run(DLRN_PY, ['-c', code], { env: { ...process.env, PW: password } });
  return stdout.trim();
}

export interface DlrnInstance {
  release: string;
  port: number;
  dir: string;
  proc?: Proc;
}

/** Writes DLRN's config for one release and loads its fixture into a fresh sqlite database. */
export async function prepareDlrn(inst: DlrnInstance, fixture: unknown): Promise<void> {
  const { dir } = inst;
  mkdirSync(join(dir, 'data', 'repos'), { recursive: true });
  writeFileSync(
    join(dir, 'projects.ini'),
    `[DEFAULT]\ndatadir=${dir}/data\nscriptsdir=${dir}\nbaseurl=http://127.0.0.1:1/${inst.release}\n` +
      `distro=master\nsource=master\ntarget=centos\nreponame=delorean\n` +
      `database_connection=sqlite:///${dir}/dlrn.sqlite\npkginfo_driver=sandbox_pkginfo.SandboxPkgInfo\n` +
      `use_components=false\n`,
  );
  writeFileSync(
    join(dir, 'api.cfg'),
    `DB_PATH = 'sqlite:///${dir}/dlrn.sqlite'\nREPO_PATH = '${dir}/data/repos'\nCONFIG_FILE = '${dir}/projects.ini'\n`,
  );
  writeFileSync(join(dir, 'fixture.yaml'), stringify(fixture));
  await run(
    DLRN_PY,
    [
      join(ROOT, 'scripts/dlrn/load.py'),
      join(dir, 'projects.ini'),
      `sqlite:///${dir}/dlrn.sqlite`,
      join(dir, 'fixture.yaml'),
    ],
    { env: { ...process.env, PYTHONPATH: join(ROOT, 'scripts/dlrn') } },
  );
}

export function startDlrn(inst: DlrnInstance): Proc {
  return (inst.proc = startProc(
    `dlrn-${inst.release}`,
    DLRN_PY,
    [join(ROOT, 'scripts/dlrn/serve.py'), String(inst.port)],
    { ...process.env, CONFIG_FILE: join(inst.dir, 'api.cfg'), PYTHONPATH: join(ROOT, 'scripts/dlrn') },
    join(inst.dir, 'api.log'),
  ));
}

/** Prepares and starts every instance, a few at a time (DLRN's import is CPU-heavy), and waits for their health. */
export async function startFleet(insts: DlrnInstance[], fixtureOf: (i: DlrnInstance) => unknown): Promise<void> {
  const limit = pLimit(2);
  await Promise.all(
    insts.map((i) =>
      limit(async () => {
        await prepareDlrn(i, fixtureOf(i));
        startDlrn(i);
      }),
    ),
  );
  for (const i of insts)
    await waitFor(`DLRN ${i.release}`, () => httpOk(`http://127.0.0.1:${i.port}/api/health`), 60_000);
}

export interface Seen {
  /** When the request arrived at the proxy, and when DLRN's answer ended (epoch ms). */
  start: number;
  at: number;
  method: string;
  /** /api/<endpoint> without the query. */
  endpoint: string;
  status: number;
  /** The label a promote moved: a promote-batch's last item (previous-<label> goes first in the same batch). */
  promoteName?: string;
  /** Every label a promote or promote-batch moved, in order. */
  promoteNames?: string[];
}

/** The labels a promote (one object) or promote-batch (an array, the moved label last) body moves. */
export function promoteNamesOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as unknown;
    return [parsed]
      .flat()
      .map((i) => (i as { promote_name?: unknown } | null)?.promote_name)
      .filter((n): n is string => typeof n === 'string');
  } catch {
    return []; // not JSON: counted without a label
  }
}

/**
 * A counting proxy per DLRN: forwards everything, records every request (method, endpoint, status, and for POST
 * /api/promote and /api/promote-batch the labels), and calls onPromote after DLRN answered a promote.
 */
export function countingProxy(listenPort: number, upstreamPort: number, seen: Seen[], onPromote?: (s: Seen) => void) {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const start = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = http.request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
          ur.on('end', () => {
            const s: Seen = {
              start,
              at: Date.now(),
              method: req.method ?? '?',
              endpoint: (req.url ?? '').split('?')[0]!,
              status: ur.statusCode ?? 0,
            };
            if (s.method === 'POST' && s.endpoint.startsWith('/api/promote')) {
              s.promoteNames = promoteNamesOf(body.toString());
              s.promoteName = s.promoteNames.at(-1);
            }
            seen.push(s);
            if (s.promoteName) onPromote?.(s);
          });
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  return new Promise<http.Server>((resolve) => server.listen(listenPort, '127.0.0.1', () => resolve(server)));
}
