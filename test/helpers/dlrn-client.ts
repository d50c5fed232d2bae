// DlrnClient test helpers: DLRN's own API fixture (dlrn/tests/samples/commits_2.yaml) in the test stack's
// `conformance` DLRN (the only instance tests write to), clients for the test stack, and error assertions.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DlrnClient } from '../../integrations/dlrn.js';
import { expect } from 'vitest';
import { ErrorCode, isPromoterError, PromoterError } from '../../domain/errors.js';
import { requireVar, ROOT } from '../../scripts/sandbox/stack-env.js';
import type { TestStack } from './stack.js';

const run = promisify(execFile);
const VENV = join(ROOT, '.tools', 'venv-dlrn');
export const COMMITS_2_YAML = join(
  VENV,
  'lib',
  'python3.11',
  'site-packages',
  'dlrn',
  'tests',
  'samples',
  'commits_2.yaml',
);

/** The commits of commits_2.yaml, by DLRN commit id. */
export const C2 = {
  /** python-pysaml2, component tripleo: votes consistent (ok) and current-passed-ci (in progress). */
  c5627: {
    commit_hash: '17234e9ab9dfab4cf5600f67f1d24db5064f1025',
    distro_hash: '024e24f0cf4366c2290c22f24e42de714d1addd1',
  },
  /** python-alembic, no component: votes consistent and another-ci (component foo-component); promoted another-ci. */
  c5654: {
    commit_hash: '1c67b1ab8c6fe273d4e175a14f0df5d3cbbd0edc',
    distro_hash: '8170b8686c38bafb6021d998e2fb268ab26ccf65',
  },
  /** python-alembic, flags=2: purged. */
  c5656: {
    commit_hash: '1c67b1ab8c6fe273d4e175a14f0df5d3cbbd0e77',
    distro_hash: '8170b8686c38bafb6021d998e2fb268ab26ccf77',
  },
  /** puppet-stdlib with an extended hash; vote extended-ci; promoted test-ci (aggregate abcdef00). */
  c5623: {
    commit_hash: '93eee77657978547f5fad1cb8cd30b570da83e68',
    distro_hash: '008678d7b0e20fbae185f2bb1bd0d9d167586211',
    extended_hash: '1234567890_1234567890',
  },
} as const;

export type Release = 'master' | 'wallaby' | 'conformance';

/** A client of one test-stack DLRN; `auth: null` for an anonymous one. Close it (see closeAll). */
export function stackClient(
  stack: TestStack,
  release: Release,
  auth: { username: string; password: string } | null = stack.dlrnAuth,
  timeoutMs?: number,
): DlrnClient {
  return new DlrnClient({ baseUrl: stack.dlrnUrl(release), ...(auth ?? {}), timeoutMs });
}

/**
 * Loads commits_2.yaml into the conformance DLRN unless its commit 5627 is there already (the fixture has fixed ids,
 * so a second load would fail); asks the API, so a reset database is reloaded even if files remain.
 */
export async function ensureCommits2(stack: TestStack): Promise<void> {
  const dlrn = stackClient(stack, 'conformance', null);
  try {
    await dlrn.repoStatus(C2.c5627);
    return;
  } catch (err) {
    if (!isPromoterError(err, ErrorCode.DlrnNotFound)) throw err;
  } finally {
    dlrn.close();
  }
  const dir = requireVar(stack.env, 'DLRN_CONFORMANCE_DIR');
  await run(
    join(VENV, 'bin', 'python'),
    [
      join(ROOT, 'scripts', 'dlrn', 'load.py'),
      join(dir, 'projects.ini'),
      `sqlite:///${join(dir, 'dlrn.sqlite')}`,
      COMMITS_2_YAML,
      requireVar(stack.env, 'DLRNAPI_USERNAME'),
      requireVar(stack.env, 'DLRNAPI_PASSWORD_FILE'),
    ],
    { env: { ...process.env, PYTHONPATH: join(ROOT, 'scripts', 'dlrn') } },
  );
}

/** The PromoterError a call fails with; fails the test if it succeeds or throws something else. */
export async function failure(call: Promise<unknown> | (() => unknown)): Promise<PromoterError> {
  try {
    await (typeof call === 'function' ? call() : call);
  } catch (err) {
    expect(err).toBeInstanceOf(PromoterError);
    return err as PromoterError;
  }
  throw new Error('expected a PromoterError, the call succeeded');
}

/**
 * An assertion on DLRN errors: code, retry class, HTTP status (null: no response) and DLRN's message; and that
 * neither the password nor the Authorization header leaked into the message, stack, context or cause.
 */
export function dlrnErrorExpecter(username: string, password: string) {
  const secrets = [password, Buffer.from(`${username}:${password}`).toString('base64')];
  return async (
    call: Promise<unknown> | (() => unknown),
    code: ErrorCode,
    status: number | null,
    message: string | RegExp,
  ): Promise<PromoterError> => {
    const err = await failure(call);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(code === ErrorCode.DlrnUnavailable);
    expect(err.context.status ?? null).toBe(status);
    expect(err.message).toMatch(message);
    const dump = [err.message, err.stack, JSON.stringify(err.context), String(err.cause)].join('\n');
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(dump).not.toMatch(/authorization/i);
    return err;
  };
}
