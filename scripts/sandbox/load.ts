// Fills a running stack with the sandbox data: DLRN databases and repo trees, container images in the registries,
// qcow2 directories on the image server. Idempotent: each part keeps a marker with the digest of what it loaded.
//   npx tsx scripts/sandbox/load.ts            (STACK_PROFILE=sandbox|test)
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { stringify } from 'yaml';
import { dlrnFixture, packagesJson, writeRepoTree } from './dlrn-data.js';
import {
  buildByKey,
  DISTRO,
  IMAGE_NAMES,
  IMAGE_PREFIX,
  MULTI_ARCH_IMAGES,
  QCOW_FILES,
  sandboxModel,
  type SandboxRelease,
} from './model.js';
import { copyImage, registryFromRef, RegistryClient } from '../../integrations/registry.js';
import { OciLayout, skopeoCopyAll } from './oci.js';
import { dlrnVarName, readStackEnv, requireVar, ROOT, type StackEnv } from './stack-env.js';

const run = promisify(execFile);
/** Labels whose artifacts the promoter moves, so the registries and the image server hold them today. */
export const ARTIFACT_LABELS = ['tripleo-ci-testing', 'current-tripleo', 'current-tripleo-rdo'];

/** A second DLRN user that moves labels beside the promoter, as the old promoter or a person does (shadow mode). */
export const OTHER_DLRN_USER = 'old-promoter';

function otherUserPasswordFile(env: StackEnv): string {
  const file = join(requireVar(env, 'STACK_STATE_DIR'), 'secrets', 'dlrn-old-promoter');
  if (!existsSync(file)) writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return file;
}

/** Credentials of the other DLRN user (created on every load). */
export function otherDlrnUser(env: StackEnv): { username: string; password: string } {
  return { username: OTHER_DLRN_USER, password: readFileSync(otherUserPasswordFile(env), 'utf8').trim() };
}

const digestOf = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
const marked = (file: string, digest: string) => existsSync(file) && readFileSync(file, 'utf8') === digest;

async function loadDlrn(env: StackEnv, rel: SandboxRelease, repoBaseUrl: string, reset = false): Promise<boolean> {
  const dir = requireVar(env, `${dlrnVarName(rel.release)}_DIR`);
  const fixture = dlrnFixture(rel);
  const digest = digestOf({ fixture, repoBaseUrl });
  const marker = join(dir, '.sandbox-loaded');
  if (existsSync(marker) && !reset) {
    if (marked(marker, digest)) return false;
    throw new Error(`${dir} holds other sandbox data; reset it with: bash scripts/sandbox.sh --reset`);
  }
  if (reset) rmSync(join(dir, 'data', 'repos'), { recursive: true, force: true });
  writeFileSync(join(dir, 'data', 'packages.json'), JSON.stringify(packagesJson(rel)));
  writeRepoTree(rel, join(dir, 'data', 'repos'), repoBaseUrl);
  const fixtureFile = join(dir, 'sandbox-fixture.yaml');
  writeFileSync(fixtureFile, stringify(fixture));
  await run(
    join(ROOT, '.tools', 'venv-dlrn', 'bin', 'python'),
    [
      join(ROOT, 'scripts', 'dlrn', 'load.py'),
      join(dir, 'projects.ini'),
      `sqlite:///${join(dir, 'dlrn.sqlite')}`,
      fixtureFile,
      requireVar(env, 'DLRNAPI_USERNAME'),
      requireVar(env, 'DLRNAPI_PASSWORD_FILE'),
      OTHER_DLRN_USER,
      otherUserPasswordFile(env),
      ...(reset ? ['--reset'] : []),
    ],
    { env: { ...process.env, PYTHONPATH: join(ROOT, 'scripts', 'dlrn') } },
  );
  writeFileSync(marker, digest);
  return true;
}

/** A docker-style auth file, so registry passwords never appear on a command line. */
export function registryAuthFile(env: StackEnv): string {
  const file = join(requireVar(env, 'STACK_STATE_DIR'), 'secrets', 'registry-auth.json');
  const password = readFileSync(requireVar(env, 'TARGET_REGISTRY_PASSWORD_FILE'), 'utf8').trim();
  const auth = Buffer.from(`${requireVar(env, 'TARGET_REGISTRY_USERNAME')}:${password}`).toString('base64');
  writeFileSync(file, JSON.stringify({ auths: { [requireVar(env, 'TARGET_REGISTRY')]: { auth } } }), { mode: 0o600 });
  return file;
}

async function loadImages(env: StackEnv, rel: SandboxRelease): Promise<number> {
  const state = requireVar(env, 'STACK_STATE_DIR');
  const src = requireVar(env, 'SOURCE_REGISTRY');
  const current = Object.fromEntries(ARTIFACT_LABELS.map((l) => [l, rel.labels[l]!.at(-1)!]));
  const digest = digestOf({ artifacts: rel.artifacts.map((k) => buildByKey(rel, k).fullHash), current, IMAGE_NAMES });
  const marker = join(state, 'registry', `.sandbox-${rel.release}`);
  if (marked(marker, digest)) return 0;

  // skopeo pushes each image from the OCI layout once, tagged <full_hash>; the label tags and what earlier
  // promotions pushed to the target registry are then set in-process (resetLabelTags), which is much faster.
  const layout = new OciLayout(join(state, 'oci', rel.release));
  const copies: [string, string][] = [];
  for (const key of rel.artifacts) {
    const tag = buildByKey(rel, key).fullHash;
    for (const name of IMAGE_NAMES) {
      const ref = `${name}-${key}`;
      layout.add(ref, name, tag, MULTI_ARCH_IMAGES.has(name) ? ['amd64', 'ppc64le'] : ['amd64']);
      copies.push([`oci:${layout.dir}:${ref}`, `docker://${src}/${rel.sourceNamespace}/${IMAGE_PREFIX}${name}:${tag}`]);
    }
  }
  layout.save();
  const authfile = registryAuthFile(env);
  await skopeoCopyAll(copies, authfile);
  await resetLabelTags(env, rel);
  writeFileSync(marker, digest);
  return copies.length;
}

function loadQcow(env: StackEnv, rel: SandboxRelease): void {
  const base = join(requireVar(env, 'IMAGE_SERVER_ROOT'), DISTRO, rel.release, 'rdo_trunk');
  for (const key of rel.artifacts) {
    const hash = buildByKey(rel, key).fullHash;
    mkdirSync(join(base, hash), { recursive: true });
    for (const f of QCOW_FILES) writeFileSync(join(base, hash, f), `${f} for ${rel.release} ${hash}\n`);
  }
  for (const label of ARTIFACT_LABELS) {
    const history = rel.labels[label]!;
    const links: [string, string | undefined][] = [
      [label, history.at(-1)],
      [`previous-${label}`, rel.labels[`previous-${label}`]?.at(-1)],
    ];
    for (const [name, key] of links) {
      rmSync(join(base, name), { force: true });
      if (key) symlinkSync(buildByKey(rel, key).fullHash, join(base, name));
    }
  }
}

/** Points every label tag back at the model's holder, in the source and the target registry (after a test moved them). */
async function resetLabelTags(env: StackEnv, rel: SandboxRelease): Promise<void> {
  const src = new RegistryClient({ host: requireVar(env, 'SOURCE_REGISTRY'), tlsVerify: false });
  const dst = new RegistryClient(
    registryFromRef(
      {
        name: 'target',
        host: requireVar(env, 'TARGET_REGISTRY'),
        namespace: rel.targetNamespace,
        tlsVerify: false,
        usernameEnv: 'TARGET_REGISTRY_USERNAME',
        passwordEnv: 'TARGET_REGISTRY_PASSWORD',
      },
      env,
    ),
  );
  const limit = pLimit(8);
  const jobs: Promise<unknown>[] = [];
  for (const label of ARTIFACT_LABELS) {
    const hash = buildByKey(rel, rel.labels[label]!.at(-1)!).fullHash;
    for (const name of IMAGE_NAMES) {
      const image = `${IMAGE_PREFIX}${name}`;
      const from = { client: src, repo: `${rel.sourceNamespace}/${image}`, reference: hash };
      jobs.push(
        limit(async () => {
          await copyImage(from, { ...from, reference: label });
          await copyImage(
            from,
            { client: dst, repo: `${rel.targetNamespace}/${image}`, reference: hash },
            { alsoTag: [label] },
          );
        }),
      );
    }
  }
  await Promise.all(jobs);
}

/** Puts one release of the sandbox back as the model has it: DLRN rows and repo tree, label tags, qcow2 links. */
export async function resetSandbox(env: StackEnv, release: string): Promise<SandboxRelease> {
  const repoUrl = requireVar(env, 'DLRN_REPO_URL');
  const rel = sandboxModel((r) => `${repoUrl}/${DISTRO}-${r}`).find((r) => r.release === release);
  if (!rel) throw new Error(`sandbox has no release ${release}`);
  await loadDlrn(env, rel, `${repoUrl}/${DISTRO}-${rel.release}`, true);
  await resetLabelTags(env, rel);
  loadQcow(env, rel);
  return rel;
}

export async function loadSandbox(env: StackEnv): Promise<SandboxRelease[]> {
  const repoUrl = requireVar(env, 'DLRN_REPO_URL');
  const model = sandboxModel((r) => `${repoUrl}/${DISTRO}-${r}`);
  for (const rel of model) {
    if (!env[`${dlrnVarName(rel.release)}_URL`]) continue;
    const t0 = Date.now();
    const dlrn = await loadDlrn(env, rel, `${repoUrl}/${DISTRO}-${rel.release}`);
    const images = await loadImages(env, rel);
    loadQcow(env, rel);
    const what = dlrn || images ? `DLRN ${dlrn ? 'loaded' : 'kept'}, ${images} image copies` : 'already loaded';
    console.error(`sandbox ${rel.release}/${DISTRO}: ${what} (${Date.now() - t0} ms)`);
  }
  return model;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  loadSandbox(readStackEnv()).catch((err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
