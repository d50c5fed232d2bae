// The link moves of the qcow2 activities against an in-memory image tree: every interleaving of "run twice",
// "crash between the two moves, then rerun" and "restore" ends in the state one clean run gives.
import { describe, expect, it } from 'vitest';
import { createQcowActivities, type ImageServerRef, type QcowSftp } from '../../activities/qcow.js';
import { ErrorCode, PromoterError } from '../../domain/errors.js';

const server: ImageServerRef = { host: 'fake', port: 22, user: 'u', root: '/srv', keyFile: '/unused' };
const DIR = '/srv/centos9/master/rdo_trunk';
const [A, B, X] = ['aaaa_1111', 'bbbb_2222', 'cccc_3333'];
const LABEL = 'current-tripleo';
const PREV = `previous-${LABEL}`;

/** A tree of dirs and symlinks; `failOnWrite` makes the nth replaceSymlink throw as a crash would. */
function fakeTree(links: Record<string, string>, failOnWrite?: number) {
  const dirs = new Set([A, B, X].map((h) => `${DIR}/${h}`));
  const tree = new Map(Object.entries(links).map(([k, v]) => [`${DIR}/${k}`, v]));
  let writes = 0;
  let sessions = 0;
  const session: QcowSftp = {
    kind: async (p) => (dirs.has(p) ? 'dir' : tree.has(p) ? 'link' : null),
    list: async () => [],
    readlink: async (p) => tree.get(p)!,
    replaceSymlink: async (p, t) => {
      if (++writes === failOnWrite) throw new PromoterError(ErrorCode.ImageServerUnavailable, 'connection lost');
      tree.set(p, t);
    },
    remove: async (p) => void tree.delete(p),
    end: async () => void sessions--,
  };
  const qcow = createQcowActivities({
    sftpFor: async () => {
      sessions++;
      return session;
    },
  });
  const state = () => [tree.get(`${DIR}/${LABEL}`) ?? null, tree.get(`${DIR}/${PREV}`) ?? null];
  return { qcow, state, open: () => sessions, writes: () => writes };
}

const input = (fullHash: string, createPrevious = true) => ({
  server,
  distro: 'centos9',
  release: 'master',
  fullHash,
  label: LABEL,
  createPrevious,
});

describe('promoteQcowImages on a fake tree', () => {
  it.each([
    ['both links exist', { [LABEL]: A, [PREV]: X }, [B, A]],
    ['no previous link yet', { [LABEL]: A }, [B, A]],
    ['no links yet', {}, [B, null]],
    ['crash left previous = old', { [LABEL]: A, [PREV]: A }, [B, A]],
    ['already promoted', { [LABEL]: B, [PREV]: A }, [B, A]],
  ])('%s: one run, then a second run, end in the same state', async (_, links, want) => {
    const t = fakeTree(links);
    await t.qcow.promoteQcowImages(input(B));
    expect(t.state()).toEqual(want);
    const writes = t.writes();
    expect((await t.qcow.promoteQcowImages(input(B))).changed).toBe(false);
    expect(t.writes()).toBe(writes);
    expect(t.open()).toBe(0);
  });

  it('a crash between the two moves, then a rerun, ends like a clean run', async () => {
    const t = fakeTree({ [LABEL]: A, [PREV]: X }, 2);
    await expect(t.qcow.promoteQcowImages(input(B))).rejects.toThrow('connection lost');
    expect(t.state()).toEqual([A, A]);
    expect(t.open()).toBe(0);
    const r = await t.qcow.promoteQcowImages(input(B));
    expect(r).toMatchObject({ changed: true, now: { label: B, previousLabel: A } });
    expect(t.state()).toEqual([B, A]);
  });

  it('restore after a promotion puts both links back, and is idempotent', async () => {
    const t = fakeTree({ [LABEL]: A });
    const { previous } = await t.qcow.promoteQcowImages(input(B));
    const where = { server, distro: 'centos9', release: 'master', label: LABEL, previous };
    expect(await t.qcow.restoreQcowLinks(where)).toEqual({ changed: true });
    expect(t.state()).toEqual([A, null]);
    expect(await t.qcow.restoreQcowLinks(where)).toEqual({ changed: false });
  });

  it('a crash during restore, then a rerun, ends restored', async () => {
    const t = fakeTree({ [LABEL]: B, [PREV]: A }, 2);
    const where = { server, distro: 'centos9', release: 'master', label: LABEL };
    const previous = { label: A, previousLabel: X };
    await expect(t.qcow.restoreQcowLinks({ ...where, previous })).rejects.toThrow('connection lost');
    await t.qcow.restoreQcowLinks({ ...where, previous });
    expect(t.state()).toEqual([A, X]);
  });
});
