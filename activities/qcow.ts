// qcow2 activities: the overcloud images of a hash live on an image server in
// <root>/<distro>/<release>/rdo_trunk/<full_hash>/, and a label is a relative symlink <label> -> <full_hash> beside
// them, with previous-<label> -> the hash it pointed at before. Each link moves atomically (temp symlink +
// posix-rename), every step compares before it writes so a rerun is harmless, and the promote reports what the links
// pointed at so a saga can put them back. The private key is read here from the file the ImageServerRef names; it
// never travels in inputs, results, errors or logs.
import type { ImageServerRef } from '../domain/promotion.js';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { z } from 'zod';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { throwIfAborted } from '../integrations/abort.js';
import { SftpSession, type SftpConnectOptions } from '../integrations/sftp.js';
import { compensationIncomplete } from './compensation.js';
import { activityContext, heartbeating } from './heartbeat.js';
import { observeQcow } from './metrics.js';

export type { ImageServerRef };

/** The session operations the activities use: SftpSession, or a fake in unit tests. */
export type QcowSftp = Pick<SftpSession, 'kind' | 'list' | 'readlink' | 'replaceSymlink' | 'remove' | 'end'>;

export interface QcowDeps {
  /** Opens a session to the server; the activity ends it. */
  sftpFor(server: ImageServerRef): Promise<QcowSftp>;
}

export interface QcowReleaseInput {
  server: ImageServerRef;
  distro: string;
  release: string;
}

export interface VerifyQcowInput extends QcowReleaseInput {
  fullHash: string;
  /** File names that must be in the hash dir, e.g. overcloud-full.tar, overcloud-full.tar.md5. */
  images: string[];
}

export interface VerifyQcowResult {
  hashDir: string;
  /** The images checked, all present. */
  images: string[];
}

export interface PromoteQcowInput extends QcowReleaseInput {
  fullHash: string;
  label: string;
  createPrevious: boolean;
}

/** Link targets as stored on the server (normally a bare full_hash); null when the link does not exist. */
export interface QcowLinkState {
  label: string | null;
  previousLabel: string | null;
}

export interface PromoteQcowResult {
  changed: boolean;
  /** What <label> and previous-<label> pointed at before this call: the input of restoreQcowLinks. */
  previous: QcowLinkState;
  /** What they point at now. */
  now: QcowLinkState;
}

export interface RestoreQcowInput extends QcowReleaseInput {
  label: string;
  previous: QcowLinkState;
}

export interface QcowLinksAtInput extends QcowReleaseInput {
  labels: string[];
}

const RestoreProgressSchema = z.object({ label: z.string(), settled: z.array(z.string()) });

// ---- pure helpers ----------------------------------------------------------------------------------------------

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,254}$/;

/** A name that becomes one path segment (distro, release, label, full_hash, image): no `/`, no `..`, no dot files. */
export function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME_RE.test(value)) {
    throw new PromoterError(ErrorCode.Usage, `${what} ${JSON.stringify(value)} is not a valid path segment`, {
      context: { [what]: value },
      suggestion: 'use letters, digits, `.`, `_`, `+`, `-`; no `/` and no leading dot',
    });
  }
  return value;
}

/** The server's image root: absolute or relative to the login directory, without `..` segments. */
export function checkRoot(root: unknown): string {
  if (typeof root !== 'string' || root === '' || root.includes('\0') || root.split('/').includes('..')) {
    throw new PromoterError(ErrorCode.Config, `image server root ${JSON.stringify(root)} is not a usable path`, {
      context: { root },
      suggestion: 'set the image server root to a plain directory path, e.g. /var/www/html/images',
    });
  }
  return root.length > 1 ? root.replace(/\/+$/, '') : root;
}

/** `<root>/<distro>/<release>/rdo_trunk`: where the hash dirs and the label links live. */
export function linksDir(root: string, distro: string, release: string): string {
  return posix.join(checkRoot(root), checkName('distro', distro), checkName('release', release), 'rdo_trunk');
}

export function hashDirPath(root: string, distro: string, release: string, fullHash: string): string {
  return posix.join(linksDir(root, distro, release), checkName('fullHash', fullHash));
}

export function linkPath(root: string, distro: string, release: string, label: string): string {
  return posix.join(linksDir(root, distro, release), checkName('label', label));
}

export const previousLabelOf = (label: string) => `previous-${label}`;

/**
 * The hash dir a link target names, when it is one beside the links: `<hash>`, `./<hash>/`, or the absolute
 * `<linksDir>/<hash>` the old Python promoter wrote. null for anything else.
 */
export function hashOfTarget(target: string | null, dir: string): string | null {
  if (target === null) return null;
  let t = target.replace(/\/+$/, '');
  if (t.startsWith('/')) {
    if (posix.dirname(t) !== dir) return null;
    t = posix.basename(t);
  }
  t = t.replace(/^(\.\/)+/, '');
  return NAME_RE.test(t) ? t : null;
}

/** The path of the private key file for a server: keyFile, or the path held by env[keyFileEnv]. */
export function privateKeyPath(server: ImageServerRef, env: Record<string, string | undefined> = process.env): string {
  if (server.keyFileEnv !== undefined) {
    const path = env[server.keyFileEnv];
    if (path === undefined || path === '') {
      throw new PromoterError(ErrorCode.Config, `${server.keyFileEnv} is not set (the image server key file path)`, {
        context: { variable: server.keyFileEnv, server: server.host },
        suggestion: `export ${server.keyFileEnv}=/path/to/private_key in the worker's environment`,
      });
    }
    return path;
  }
  if (server.keyFile !== undefined && server.keyFile !== '') return server.keyFile;
  throw new PromoterError(ErrorCode.Config, `image server ${server.host}: no key file configured`, {
    context: { server: server.host },
    suggestion: 'set keyFileEnv (an environment variable holding the key path) or keyFile on the image server',
  });
}

export function readPrivateKey(server: ImageServerRef, env: Record<string, string | undefined> = process.env): Buffer {
  const path = privateKeyPath(server, env);
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new PromoterError(ErrorCode.Config, `image server key file ${path}: cannot read it (${code})`, {
      context: { file: path, ...(server.keyFileEnv ? { variable: server.keyFileEnv } : {}) },
      suggestion: `make ${path} readable by the worker`,
    });
  }
}

export function connectOptions(
  server: ImageServerRef,
  env: Record<string, string | undefined> = process.env,
): SftpConnectOptions {
  return {
    host: server.host,
    port: server.port,
    user: server.user,
    privateKey: readPrivateKey(server, env),
    hostKeySha256: server.hostKeySha256,
  };
}

export function defaultQcowDeps(env: Record<string, string | undefined> = process.env): QcowDeps {
  return { sftpFor: (server) => SftpSession.connect(connectOptions(server, env)) };
}

// ---- activities --------------------------------------------------------------------------------------------------

/** The target of a label link; null when absent; a real file or dir in its place is a conflict nobody should fix blind. */
async function readLink(s: QcowSftp, path: string): Promise<string | null> {
  throwIfAborted(); // each link step starts only while the activity is not cancelled
  const kind = await s.kind(path);
  throwIfAborted();
  if (kind === null) return null;
  if (kind !== 'link') {
    throw new PromoterError(ErrorCode.QcowLinkConflict, `${path} is a ${kind}, not a symlink`, {
      context: { path, kind },
      suggestion: 'move it away by hand; the promoter only replaces symlinks',
    });
  }
  return s.readlink(path);
}

/** The hash dir exists (a directory, or a link to one); else QcowHashMissing, before any link is touched. */
async function requireHashDir(s: QcowSftp, hashDir: string, context: Record<string, unknown>): Promise<void> {
  throwIfAborted();
  const kind = await s.kind(hashDir);
  if (kind === 'dir' || kind === 'link') return;
  throw new PromoterError(
    ErrorCode.QcowHashMissing,
    `no qcow2 images for ${String(context.fullHash)}: ${hashDir} is ${kind === null ? 'missing' : `a ${kind}`}`,
    {
      context: { hashDir, ...context },
      suggestion: 'wait for the image build job to upload the images, or promote a hash that has them',
    },
  );
}

/** Whether two link targets name the same thing: equal text, or the same hash dir beside the links. */
export function sameTarget(a: string | null, b: string | null, dir: string): boolean {
  if (a === b) return true;
  const h = hashOfTarget(a, dir);
  return h !== null && h === hashOfTarget(b, dir);
}

/** Points a link at target unless it already names it; true when it wrote. */
async function setLink(s: QcowSftp, dir: string, name: string, current: string | null, target: string) {
  if (sameTarget(current, target, dir)) return false;
  throwIfAborted();
  await s.replaceSymlink(posix.join(dir, name), target);
  return true;
}

/** Puts a link back to a recorded target (null: remove it) from where it points now; true when it wrote. */
async function restoreLink(
  s: QcowSftp,
  dir: string,
  name: string,
  current: string | null,
  target: string | null,
): Promise<boolean> {
  const path = posix.join(dir, name);
  if (current === target) return false;
  throwIfAborted();
  if (target === null) {
    await s.remove(path);
    return true;
  }
  await s.replaceSymlink(path, target);
  return true;
}

export function createQcowActivities(deps: QcowDeps = defaultQcowDeps()) {
  /** One session for the call, heartbeating throughout (details: what the call has settled so far). */
  async function withServer<T>(
    server: ImageServerRef,
    fn: (s: QcowSftp, beat: () => void) => Promise<T>,
    details: () => unknown = () => ({ server: server.host }),
  ): Promise<T> {
    return heartbeating(details, async (beat) => {
      const s = await deps.sftpFor(server);
      try {
        return await fn(s, beat);
      } finally {
        await s.end();
      }
    });
  }

  return {
    /** The hash dir exists and holds every listed image; otherwise QcowHashMissing naming what is missing. */
    async verifyQcowImages({ server, distro, release, fullHash, images }: VerifyQcowInput): Promise<VerifyQcowResult> {
      const hashDir = hashDirPath(server.root, distro, release, fullHash);
      images.forEach((name) => checkName('image', name));
      return withServer(server, async (s) => {
        await requireHashDir(s, hashDir, { fullHash, distro, release });
        const present = new Set(await s.list(hashDir));
        const missing = images.filter((name) => !present.has(name));
        if (missing.length > 0) {
          throw new PromoterError(
            ErrorCode.QcowHashMissing,
            `qcow2 images of ${fullHash} incomplete: ${missing.join(', ')} missing in ${hashDir}`,
            {
              context: { hashDir, fullHash, missing },
              suggestion: 'wait for the upload to finish, or promote a hash whose images are complete',
            },
          );
        }
        return { hashDir, images };
      });
    },

    /**
     * Moves <label> to full_hash, and previous-<label> to what <label> pointed at (when createPrevious).
     *
     * Why this order and these checks make "run twice" and "crash then rerun" end alike:
     * - <label> is the commit point and moves last. Once it names full_hash, the promotion is complete and a rerun
     *   changes nothing (changed: false).
     * - previous-<label> moves first, to the hash <label> still names. A crash between the two moves leaves
     *   previous-<label> = <label> = old; the rerun reads old from <label> again, finds previous-<label> already
     *   there (no write) and moves <label>: the same end state as one clean run. Moving <label> first would make
     *   the rerun stop at "already done" with previous-<label> left stale.
     * - The compensation record of such a rerun says previous-<label> was old (its earlier target is gone from the
     *   server); a workflow that needs the exact pre-promotion state snapshots it with qcowLinksAt first.
     */
    async promoteQcowImages({
      server,
      distro,
      release,
      fullHash,
      label,
      createPrevious,
    }: PromoteQcowInput): Promise<PromoteQcowResult> {
      const dir = linksDir(server.root, distro, release);
      const hashDir = hashDirPath(server.root, distro, release, fullHash);
      const prevName = previousLabelOf(checkName('label', label));
      checkName('label', prevName);
      return withServer(server, async (s) => {
        const old = await readLink(s, linkPath(server.root, distro, release, label));
        const oldPrev = await readLink(s, posix.join(dir, prevName));
        const previous = { label: old, previousLabel: oldPrev };
        if (old !== null && hashOfTarget(old, dir) === fullHash) return { changed: false, previous, now: previous };
        // Never leave <label> dangling: the hash dir must be there (verifyQcowImages checks the files).
        await requireHashDir(s, hashDir, { fullHash, label });
        let prevNow = oldPrev;
        if (createPrevious && old !== null) {
          // The relative form of a legacy absolute target, so the tree stays relocatable like RDO's.
          const target = hashOfTarget(old, dir) ?? old;
          if (await setLink(s, dir, prevName, oldPrev, target)) prevNow = target;
        }
        throwIfAborted();
        await s.replaceSymlink(posix.join(dir, label), fullHash);
        observeQcow(label);
        return { changed: true, previous, now: { label: fullHash, previousLabel: prevNow } };
      });
    },

    /**
     * Compensation: puts <label> and previous-<label> back to the recorded targets (null: removes the link), each on
     * its own; what could not be put back is thrown as a retryable CompensationIncomplete. Settled links go out as
     * heartbeat details, so a retry redoes only what is still open.
     */
    async restoreQcowLinks({
      server,
      distro,
      release,
      label,
      previous,
    }: RestoreQcowInput): Promise<{ changed: boolean }> {
      const dir = linksDir(server.root, distro, release);
      const prevName = previousLabelOf(checkName('label', label));
      checkName('label', prevName);
      for (const t of [previous.label, previous.previousLabel]) {
        if (t !== null && (t === '' || t.includes('\0'))) {
          throw new PromoterError(ErrorCode.Usage, `restoreQcowLinks: invalid link target ${JSON.stringify(t)}`);
        }
      }
      const earlier = RestoreProgressSchema.safeParse(activityContext()?.info.heartbeatDetails);
      const progress = earlier.success && earlier.data.label === label ? earlier.data : { label, settled: [] };
      let changed = false;
      const leftAhead: { entry: string; reason: string }[] = [];
      // Reverse of promote: <label> first, so a crash in between is again converged by a rerun.
      const links: [string, string | null][] = [
        [label, previous.label],
        [prevName, previous.previousLabel],
      ];
      await withServer(
        server,
        async (s, beat) => {
          for (const [name, target] of links) {
            if (progress.settled.includes(name)) continue;
            let now: string | null | undefined;
            try {
              now = await readLink(s, posix.join(dir, name));
              changed = (await restoreLink(s, dir, name, now, target)) || changed;
              progress.settled.push(name);
              beat();
            } catch (err) {
              if (activityContext()?.cancellationSignal.aborted) throw err;
              const reason = err instanceof Error ? err.message : String(err);
              leftAhead.push({
                entry: `qcow2 ${name} -> ${now === undefined ? '(unknown)' : (now ?? '(none)')}`,
                reason,
              });
            }
          }
        },
        () => progress,
      ).catch((err: unknown) => {
        // A lost session fails both links; a cancel is a cancel.
        if (activityContext()?.cancellationSignal.aborted) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        for (const [name] of links) {
          if (!progress.settled.includes(name) && !leftAhead.some((l) => l.entry.startsWith(`qcow2 ${name} `))) {
            leftAhead.push({ entry: `qcow2 ${name} -> (unknown)`, reason });
          }
        }
      });
      if (leftAhead.length > 0) {
        throw compensationIncomplete(`restore of qcow2 links ${label}`, {
          leftAhead: leftAhead.map((l) => l.entry),
          unrestorable: [],
          reasons: leftAhead.map((l) => l.reason),
        });
      }
      return { changed };
    },

    /** Where each link points now (target text as stored; null when absent). Read-only. */
    async qcowLinksAt({ server, distro, release, labels }: QcowLinksAtInput): Promise<Record<string, string | null>> {
      const dir = linksDir(server.root, distro, release);
      labels.forEach((l) => checkName('label', l));
      return withServer(server, async (s) => {
        const out: Record<string, string | null> = {};
        for (const l of labels) out[l] = await readLink(s, posix.join(dir, l));
        return out;
      });
    },
  };
}

export type QcowActivities = ReturnType<typeof createQcowActivities>;
