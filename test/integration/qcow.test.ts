// qcow2 activities against the test stack's real OpenSSH sshd (internal-sftp). Each test works in its own fresh
// release dir <root>/centos9/qcowtest-<random>/rdo_trunk, never in the sandbox's master/wallaby trees, and checks the
// links both through the activities and directly on the local tree with fs.readlinkSync.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createQcowActivities, defaultQcowDeps, type ImageServerRef, type QcowSftp } from '../../activities/qcow.js';
import { ErrorCode, isPromoterError, PromoterError } from '../../domain/errors.js';
import { readStackEnv, requireVar, ROOT } from '../../scripts/sandbox/stack-env.js';

const env = readStackEnv('test');
const DISTRO = 'centos9';
const IMAGES = ['overcloud-full.tar', 'overcloud-full.tar.md5', 'ironic-python-agent.tar'];
const LABEL = 'current-tripleo';
const PREV = `previous-${LABEL}`;
const HASH_A = 'aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111_a1a1a1a1';
const HASH_B = 'bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222_b2b2b2b2';
const HASH_X = 'cccc3333cccc3333cccc3333cccc3333';

const server: ImageServerRef = {
  host: requireVar(env, 'IMAGE_SERVER_HOST'),
  port: Number(requireVar(env, 'IMAGE_SERVER_PORT')),
  user: requireVar(env, 'IMAGE_SERVER_USER'),
  root: requireVar(env, 'IMAGE_SERVER_ROOT'),
  keyFileEnv: 'IMAGE_SERVER_KEY_FILE',
};

// Sessions opened by the activities, to check that every one is ended.
const opened: { ended: boolean }[] = [];
const realDeps = defaultQcowDeps(env);
const qcow = createQcowActivities({
  sftpFor: async (s) => {
    const session = await realDeps.sftpFor(s);
    const rec = { ended: false };
    opened.push(rec);
    const counted: QcowSftp = {
      kind: (p) => session.kind(p),
      list: (p) => session.list(p),
      readlink: (p) => session.readlink(p),
      replaceSymlink: (p, t) => session.replaceSymlink(p, t),
      remove: (p) => session.remove(p),
      end: async () => {
        rec.ended = true;
        await session.end();
      },
    };
    return counted;
  },
});

const releasesMade: string[] = [];
let release = '';
let dir = '';

/** A fresh release dir with complete image dirs for HASH_A, HASH_B and HASH_X. */
function freshRelease(): void {
  release = `qcowtest-${randomBytes(4).toString('hex')}`;
  releasesMade.push(release);
  dir = join(server.root, DISTRO, release, 'rdo_trunk');
  for (const h of [HASH_A, HASH_B, HASH_X]) {
    mkdirSync(join(dir, h), { recursive: true });
    for (const f of IMAGES) writeFileSync(join(dir, h, f), `${f} ${h}\n`);
  }
}

const link = (name: string, target: string) => symlinkSync(target, join(dir, name));
const readLinkLocal = (name: string): string | null => {
  try {
    return readlinkSync(join(dir, name));
  } catch {
    return null;
  }
};
const where = () => ({ server, distro: DISTRO, release });

async function rejection(p: Promise<unknown>): Promise<PromoterError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPromoterError(err)) throw new Error(`expected a PromoterError, got ${String(err)}`);
  return err;
}

beforeEach(() => {
  freshRelease();
  opened.length = 0;
});
afterAll(() => {
  for (const r of releasesMade) rmSync(join(server.root, DISTRO, r), { recursive: true, force: true });
});

describe('verifyQcowImages', () => {
  it('passes when the hash dir holds every image', async () => {
    const r = await qcow.verifyQcowImages({ ...where(), fullHash: HASH_A, images: IMAGES });
    expect(r).toEqual({ hashDir: join(dir, HASH_A), images: IMAGES });
    expect(opened).toEqual([{ ended: true }]);
  });

  it('fails non-retryably when the hash dir is missing, and ends the session', async () => {
    const err = await rejection(qcow.verifyQcowImages({ ...where(), fullHash: 'dddd_missing', images: IMAGES }));
    expect(err.code).toBe(ErrorCode.QcowHashMissing);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(join(dir, 'dddd_missing'));
    expect(opened).toEqual([{ ended: true }]);
  });

  it('names the missing file', async () => {
    rmSync(join(dir, HASH_A, 'overcloud-full.tar.md5'));
    const err = await rejection(qcow.verifyQcowImages({ ...where(), fullHash: HASH_A, images: IMAGES }));
    expect(err.code).toBe(ErrorCode.QcowHashMissing);
    expect(err.message).toContain('overcloud-full.tar.md5');
    expect(err.context.missing).toEqual(['overcloud-full.tar.md5']);
  });

  it('refuses a release that would leave the tree, before connecting', async () => {
    const err = await rejection(
      qcow.verifyQcowImages({ server, distro: DISTRO, release: '../master', fullHash: HASH_A, images: IMAGES }),
    );
    expect(err.code).toBe(ErrorCode.Usage);
    expect(opened).toEqual([]);
  });
});

describe('promoteQcowImages', () => {
  const promote = (fullHash: string, createPrevious = true) =>
    qcow.promoteQcowImages({ ...where(), fullHash, label: LABEL, createPrevious });

  it('moves previous-<label> to the old hash and <label> to the new one; a second run changes nothing', async () => {
    link(LABEL, HASH_A);
    link(PREV, HASH_X);
    const first = await promote(HASH_B);
    expect(first).toEqual({
      changed: true,
      previous: { label: HASH_A, previousLabel: HASH_X },
      now: { label: HASH_B, previousLabel: HASH_A },
    });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, HASH_A]);

    const second = await promote(HASH_B);
    expect(second).toEqual({
      changed: false,
      previous: { label: HASH_B, previousLabel: HASH_A },
      now: { label: HASH_B, previousLabel: HASH_A },
    });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, HASH_A]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(opened.every((o) => o.ended)).toBe(true);
  });

  it('creates previous-<label> when it did not exist', async () => {
    link(LABEL, HASH_A);
    const r = await promote(HASH_B);
    expect(r.previous).toEqual({ label: HASH_A, previousLabel: null });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, HASH_A]);
  });

  it('creates <label> when it did not exist, and no previous-<label>', async () => {
    const r = await promote(HASH_B);
    expect(r).toMatchObject({ changed: true, previous: { label: null, previousLabel: null } });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, null]);
  });

  it('leaves previous-<label> alone when createPrevious is false', async () => {
    link(LABEL, HASH_A);
    link(PREV, HASH_X);
    await promote(HASH_B, false);
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, HASH_X]);
  });

  it('ends like a clean run after a crash between the two link moves', async () => {
    link(LABEL, HASH_A);
    link(PREV, HASH_X);
    // What the first attempt did before dying: previous-<label> already moved to the old hash.
    rmSync(join(dir, PREV));
    link(PREV, HASH_A);
    const r = await promote(HASH_B);
    expect(r).toEqual({
      changed: true,
      previous: { label: HASH_A, previousLabel: HASH_A },
      now: { label: HASH_B, previousLabel: HASH_A },
    });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, HASH_A]);
    expect((await promote(HASH_B)).changed).toBe(false);
  });

  it('rewrites a legacy absolute target as a relative previous-<label>', async () => {
    link(LABEL, join(dir, HASH_A));
    expect((await promote(HASH_A)).changed).toBe(false);
    await promote(HASH_B);
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_B, HASH_A]);
  });

  it('touches no link when the hash dir is missing', async () => {
    link(LABEL, HASH_A);
    link(PREV, HASH_X);
    const err = await rejection(promote('eeee_missing'));
    expect(err.code).toBe(ErrorCode.QcowHashMissing);
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_A, HASH_X]);
  });

  it('refuses to replace a real directory in place of the label link', async () => {
    mkdirSync(join(dir, LABEL));
    const err = await rejection(promote(HASH_B));
    expect(err.code).toBe(ErrorCode.QcowLinkConflict);
    expect(err.retryable).toBe(false);
  });

  it('never lets the label link go missing while it moves', async () => {
    link(LABEL, HASH_A);
    const target = join(dir, LABEL);
    const stop = join(dir, 'stop-watch');
    // A separate process polls with lstat the whole time: rename(2) over the link must never expose a gap.
    const watcher = spawn('bash', [
      '-c',
      `n=0; until [ -e "$2" ]; do [ -L "$1" ] || { echo gap; exit 1; }; n=$((n+1)); done; echo $n`,
      'w',
      target,
      stop,
    ]);
    let out = '';
    watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
    for (let i = 0; i < 10; i++) await promote(i % 2 === 0 ? HASH_B : HASH_A);
    writeFileSync(stop, '');
    expect(await done).toBe(0);
    expect(Number(out.trim())).toBeGreaterThan(0);
  });
});

describe('restoreQcowLinks', () => {
  it('puts both links back, and a second run changes nothing', async () => {
    link(LABEL, HASH_A);
    link(PREV, HASH_X);
    const { previous } = await qcow.promoteQcowImages({
      ...where(),
      fullHash: HASH_B,
      label: LABEL,
      createPrevious: true,
    });
    expect(await qcow.restoreQcowLinks({ ...where(), label: LABEL, previous })).toEqual({ changed: true });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_A, HASH_X]);
    expect(await qcow.restoreQcowLinks({ ...where(), label: LABEL, previous })).toEqual({ changed: false });
  });

  it('removes links that did not exist before the promotion', async () => {
    link(LABEL, HASH_A);
    const { previous } = await qcow.promoteQcowImages({
      ...where(),
      fullHash: HASH_B,
      label: LABEL,
      createPrevious: true,
    });
    expect(previous.previousLabel).toBeNull();
    await qcow.restoreQcowLinks({ ...where(), label: LABEL, previous });
    expect([readLinkLocal(LABEL), readLinkLocal(PREV)]).toEqual([HASH_A, null]);
    expect(existsSync(join(dir, HASH_B, IMAGES[0]!))).toBe(true);
  });
});

describe('qcowLinksAt', () => {
  it('reports each link target, null when absent', async () => {
    link(LABEL, HASH_A);
    expect(await qcow.qcowLinksAt({ ...where(), labels: [LABEL, PREV] })).toEqual({ [LABEL]: HASH_A, [PREV]: null });
  });
});

describe('connection errors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'qcow-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a key the server does not know is a non-retryable auth error without key material', async () => {
    const keyFile = join(tmp, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'wrong', '-f', keyFile]);
    const err = await rejection(
      qcow.qcowLinksAt({ ...where(), server: { ...server, keyFileEnv: undefined, keyFile }, labels: [LABEL] }),
    );
    expect(err.code).toBe(ErrorCode.ImageServerAuth);
    expect(err.retryable).toBe(false);
    const text = `${err.message} ${JSON.stringify(err.context)} ${err.suggestion ?? ''}`;
    const keyLines = readFileSync(keyFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 20 && !l.startsWith('-----'));
    const pubBlob = readFileSync(`${keyFile}.pub`, 'utf8').split(' ')[1]!;
    for (const secret of [...keyLines, pubBlob, 'PRIVATE KEY']) expect(text).not.toContain(secret);
  });

  it('an unreachable port is a retryable unavailable error', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    const err = await rejection(qcow.qcowLinksAt({ ...where(), server: { ...server, port }, labels: [LABEL] }));
    expect(err.code).toBe(ErrorCode.ImageServerUnavailable);
    expect(err.retryable).toBe(true);
  });

  it('a missing key file variable is a config error naming the variable', async () => {
    const err = await rejection(createQcowActivities(defaultQcowDeps({})).qcowLinksAt({ ...where(), labels: [LABEL] }));
    expect(err.code).toBe(ErrorCode.Config);
    expect(err.message).toContain('IMAGE_SERVER_KEY_FILE');
  });

  const hostPub = join(ROOT, '.stack', 'test', 'ssh', 'host_ed25519.pub');
  it.runIf(existsSync(hostPub))('checks the host key when a fingerprint is configured', async () => {
    const fp = execFileSync('ssh-keygen', ['-lf', hostPub]).toString().split(' ')[1]!;
    link(LABEL, HASH_A);
    expect(await qcow.qcowLinksAt({ ...where(), server: { ...server, hostKeySha256: fp }, labels: [LABEL] })).toEqual({
      [LABEL]: HASH_A,
    });
    const wrong = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;
    const err = await rejection(
      qcow.qcowLinksAt({ ...where(), server: { ...server, hostKeySha256: wrong }, labels: [LABEL] }),
    );
    expect(err.code).toBe(ErrorCode.ImageServerAuth);
    expect(err.message).toContain('host key');
  });
});
