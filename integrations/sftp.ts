// SFTP to an image server (images.rdoproject.org, the stack's OpenSSH sshd), over ssh2-sftp-client, with the few
// operations the qcow2 promotion needs. Every failure is a PromoterError: a refused key or host key is
// ImageServerAuth (non-retryable), a denied operation ImageServerPermission (non-retryable), anything on the way
// (refused connection, timeout, dropped session, a server-side failure) ImageServerUnavailable (retryable).
// Messages name user@host:port and remote paths, never key material: auth errors carry our own text only.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { ErrorCode, PromoterError } from '../domain/errors.js';
import { raceAbort, throwIfAborted } from './abort.js';

export interface SftpConnectOptions {
  host: string;
  port: number;
  user: string;
  /** The private key itself (OpenSSH or PEM), read by the caller from a file; never logged. */
  privateKey: Buffer | string;
  /**
   * The server's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:<base64>`). When unset, any host key is
   * accepted: the sandbox generates its host key at start, and the links we move are public data. Production should
   * set it.
   */
  hostKeySha256?: string;
  /** Connect + SSH handshake timeout; default 15 s. */
  readyTimeoutMs?: number;
}

export type EntryKind = 'file' | 'dir' | 'link' | 'other';

type RawSftp = Awaited<ReturnType<SftpClient['connect']>>;
type RawError = Error & { code?: unknown; level?: string };

/** SSH_FX_PERMISSION_DENIED, as ssh2 reports SFTP status codes. */
const SFTP_PERMISSION_DENIED = 3;

/** `SHA256:abc=` / `abc` -> `abc`, the form we compare. */
export function normalizeFingerprint(fp: string): string {
  return fp
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
}

/** The OpenSSH SHA256 fingerprint of a host key blob (unpadded base64). */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return normalizeFingerprint(createHash('sha256').update(keyBlob).digest('base64'));
}

export class SftpSession {
  readonly where: string;
  private ended = false;

  private constructor(
    private readonly client: SftpClient,
    private readonly raw: RawSftp,
    opts: SftpConnectOptions,
  ) {
    this.where = `${opts.user}@${opts.host}:${opts.port}`;
  }

  /** Opens a session; the caller must end() it (or use withSftp). */
  static async connect(opts: SftpConnectOptions): Promise<SftpSession> {
    const where = `${opts.user}@${opts.host}:${opts.port}`;
    // Quiet global callbacks: every error reaches the caller as a rejected promise instead.
    const client = new SftpClient('rdo-promoter', { error: () => {}, end: () => {}, close: () => {} });
    // ssh2-sftp-client rewraps connect errors and drops ssh2's `level`; keep the raw one to classify it.
    let rawError: RawError | undefined;
    client.on('error', (err: RawError) => (rawError ??= err));
    let hostKeyMismatch = false;
    const wanted = opts.hostKeySha256 === undefined ? undefined : normalizeFingerprint(opts.hostKeySha256);
    try {
      throwIfAborted();
      const raw = await raceAbort(
        () =>
          client.connect({
            host: opts.host,
            port: opts.port,
            username: opts.user,
            privateKey: opts.privateKey,
            readyTimeout: opts.readyTimeoutMs ?? 15_000,
            // A server that stops answering mid-session fails the call (retryable) instead of hanging the activity.
            keepaliveInterval: 10_000,
            keepaliveCountMax: 3,
            hostVerifier: (key: Buffer) => {
              if (wanted === undefined) return true;
              hostKeyMismatch = hostKeyFingerprint(key) !== wanted;
              return !hostKeyMismatch;
            },
          }),
        () => (client as unknown as { client?: { end(): void } }).client?.end(),
      );
      return new SftpSession(client, raw, opts);
    } catch (err) {
      // A failed handshake can leave the socket open (ssh2-sftp-client's end() only closes a ready session).
      (client as unknown as { client?: { end(): void } }).client?.end();
      if (err instanceof Error && (err.name === 'CancelledFailure' || err.name === 'AbortError')) throw err;
      if (hostKeyMismatch) {
        throw new PromoterError(ErrorCode.ImageServerAuth, `image server ${where}: host key does not match`, {
          context: { server: where, expected: `SHA256:${wanted}` },
          suggestion: `compare \`ssh-keyscan -p ${opts.port} ${opts.host} | ssh-keygen -lf -\` with hostKeySha256`,
        });
      }
      throw classify(rawError ?? err, where, 'connect');
    }
  }

  /** What is at path, without following a symlink; null when nothing is. */
  async kind(path: string): Promise<EntryKind | null> {
    const t = await this.call('lstat', path, () => this.client.exists(path));
    if (t === false) return null;
    return t === 'd' ? 'dir' : t === 'l' ? 'link' : t === '-' ? 'file' : 'other';
  }

  /** The names in a directory. */
  async list(dir: string): Promise<string[]> {
    const entries = await this.call('list', dir, () => this.client.list(dir));
    return entries.map((e) => e.name);
  }

  /** The target text of a symlink, as stored (relative or absolute). */
  async readlink(path: string): Promise<string> {
    return this.call(
      'readlink',
      path,
      () =>
        new Promise<string>((resolve, reject) =>
          this.raw.readlink(path, (err, target) => (err ? reject(err) : resolve(target))),
        ),
    );
  }

  /**
   * Points linkPath at target without a moment where linkPath is missing: a temporary symlink beside it, renamed over
   * it with posix-rename@openssh.com (rename(2): atomic, and it replaces a symlink without following it). The
   * temporary name is fixed per link, so one left by a crash is cleared by the next attempt.
   */
  async replaceSymlink(linkPath: string, target: string): Promise<void> {
    const tmp = posix.join(posix.dirname(linkPath), `.${posix.basename(linkPath)}.promoter-tmp`);
    await this.remove(tmp);
    await this.call(
      'symlink',
      tmp,
      () =>
        new Promise<void>((resolve, reject) =>
          // ssh2 swaps the arguments for OpenSSH's reversed SSH_FXP_SYMLINK itself.
          this.raw.symlink(target, tmp, (err) => (err ? reject(err) : resolve())),
        ),
    );
    try {
      await this.call('posix-rename', `${tmp} -> ${linkPath}`, () => this.client.posixRename(tmp, linkPath));
    } catch (err) {
      await this.remove(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** Removes a file or symlink; a missing one is fine. */
  async remove(path: string): Promise<void> {
    await this.call('remove', path, () => this.client.delete(path, true));
  }

  /** Closes the session; never throws (it runs in finally blocks). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.client.end().catch(() => undefined);
  }

  /** One operation; cancellation ends the session, so the pending operation stops and no further one starts. */
  private async call<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      try {
        return await fn();
      } catch (err) {
        throw classify(err, this.where, op, path);
      }
    };
    return raceAbort(run, () => void this.end());
  }
}

/** Runs fn in one session and always ends it. */
export async function withSftp<T>(opts: SftpConnectOptions, fn: (s: SftpSession) => Promise<T>): Promise<T> {
  const session = await SftpSession.connect(opts);
  try {
    return await fn(session);
  } finally {
    await session.end();
  }
}

/** Maps an ssh2 / ssh2-sftp-client error to a PromoterError with a retry class. */
export function classify(err: unknown, where: string, op: string, path?: string): PromoterError {
  if (err instanceof PromoterError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as RawError;
  const context: Record<string, unknown> = { server: where, operation: op, ...(path ? { path } : {}) };
  if (e.level === 'client-authentication' || /authentication methods failed/i.test(e.message)) {
    return new PromoterError(ErrorCode.ImageServerAuth, `image server ${where} refused the key`, {
      context,
      suggestion:
        "add the key's public half to the server's authorized_keys, or point the key file variable at the right key",
    });
  }
  if (/privateKey|private key/i.test(e.message)) {
    // ssh2's parse errors could echo part of the input: say what is wrong in our own words.
    return new PromoterError(
      ErrorCode.ImageServerAuth,
      `image server ${where}: the private key file is not a usable key`,
      {
        context,
        suggestion: 'use an unencrypted OpenSSH or PEM private key (ssh-keygen -t ed25519 -N "")',
      },
    );
  }
  const target = path ? ` ${path}` : '';
  if (e.code === SFTP_PERMISSION_DENIED || e.code === 'EACCES' || /permission denied/i.test(e.message)) {
    return new PromoterError(
      ErrorCode.ImageServerPermission,
      `image server ${where}: ${op}${target}: permission denied`,
      {
        context,
        suggestion: `give ${where.split('@')[0]} write access to the release's rdo_trunk directory`,
        cause: err,
      },
    );
  }
  return new PromoterError(ErrorCode.ImageServerUnavailable, `image server ${where}: ${op}${target}: ${e.message}`, {
    context: { ...context, ...(e.code !== undefined ? { errorCode: e.code } : {}) },
    suggestion: 'check that the image server is up and reachable; the activity retries',
    cause: err,
  });
}
