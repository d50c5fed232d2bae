// Pure helpers of the qcow2 activities and the SFTP client: path building, name checks, link target reading, key
// path lookup, host key fingerprints, error classes.
import { describe, expect, it } from 'vitest';
import {
  checkName,
  checkRoot,
  hashDirPath,
  hashOfTarget,
  linkPath,
  linksDir,
  privateKeyPath,
  readPrivateKey,
  sameTarget,
  type ImageServerRef,
} from '../../activities/qcow.js';
import { classify, hostKeyFingerprint, normalizeFingerprint } from '../../integrations/sftp.js';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';

const HASH = '9db0e2146716c024f9b2e36b8cc49053f6de6fca_dded9131';
const DIR = '/srv/images/centos9/master/rdo_trunk';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isPromoterError(err) ? err.code : `not a PromoterError: ${String(err)}`;
  }
}

describe('checkName', () => {
  it.each([
    ['master'],
    ['centos9'],
    ['current-tripleo-rdo'],
    ['previous-tripleo-ci-testing'],
    [HASH],
    ['4e83da9c3ba0971333e2b6e8e9a228c345c0757d_073b0e51_719a7a40_cdce3f0d'],
    ['overcloud-full.tar.md5'],
    ['a..b'],
  ])('accepts %j', (name) => {
    expect(checkName('label', name)).toBe(name);
  });

  it.each([
    ['empty', ''],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['parent prefix', '../master'],
    ['slash', 'master/x'],
    ['absolute', '/etc'],
    ['trailing slash', 'master/'],
    ['dot file', '.hidden'],
    ['space', 'current tripleo'],
    ['NUL', 'a\0b'],
    ['newline', 'a\nb'],
    ['backslash', 'a\\b'],
    ['too long', 'a'.repeat(256)],
    ['not a string', 42],
  ])('rejects %s', (_, name) => {
    expect(codeOf(() => checkName('release', name))).toBe(ErrorCode.Usage);
  });
});

describe('checkRoot', () => {
  it.each([
    ['/srv/images', '/srv/images'],
    ['/srv/images/', '/srv/images'],
    ['images', 'images'],
    ['/', '/'],
  ])('%j -> %j', (root, want) => {
    expect(checkRoot(root)).toBe(want);
  });

  it.each([[''], ['/srv/../etc'], ['..'], ['a\0b']])('rejects %j', (root) => {
    expect(codeOf(() => checkRoot(root))).toBe(ErrorCode.Config);
  });
});

describe('path building', () => {
  it.each([
    ['/srv/images', 'centos9', 'master', DIR],
    ['/srv/images/', 'centos9', 'master', DIR],
    ['images', 'centos9', 'wallaby', 'images/centos9/wallaby/rdo_trunk'],
  ])('linksDir(%j, %j, %j) = %j', (root, distro, release, want) => {
    expect(linksDir(root, distro, release)).toBe(want);
  });

  it('builds the hash dir and the link path beside it', () => {
    expect(hashDirPath('/srv/images', 'centos9', 'master', HASH)).toBe(`${DIR}/${HASH}`);
    expect(linkPath('/srv/images', 'centos9', 'master', 'current-tripleo')).toBe(`${DIR}/current-tripleo`);
  });

  it.each([
    ['distro', () => linksDir('/srv', '../x', 'master')],
    ['release', () => linksDir('/srv', 'centos9', '..')],
    ['release with slash', () => hashDirPath('/srv', 'centos9', 'master/../../etc', HASH)],
    ['full_hash', () => hashDirPath('/srv', 'centos9', 'master', `../${HASH}`)],
    ['full_hash with slash', () => hashDirPath('/srv', 'centos9', 'master', 'ab/cd')],
    ['label', () => linkPath('/srv', 'centos9', 'master', '../current-tripleo')],
    ['label dot-dot', () => linkPath('/srv', 'centos9', 'master', '..')],
  ])('rejects a %s that leaves the tree', (_, fn) => {
    expect(codeOf(fn)).toBe(ErrorCode.Usage);
  });
});

describe('hashOfTarget', () => {
  it.each([
    [HASH, HASH],
    [`${HASH}/`, HASH],
    [`./${HASH}`, HASH],
    [`${DIR}/${HASH}`, HASH],
    [`${DIR}/${HASH}/`, HASH],
    ['/elsewhere/rdo_trunk/abc', null],
    ['../other/abc', null],
    ['a/b', null],
    [null, null],
  ])('%j -> %j', (target, want) => {
    expect(hashOfTarget(target, DIR)).toBe(want);
  });
});

describe('sameTarget', () => {
  it.each([
    [HASH, HASH, true],
    [`${DIR}/${HASH}`, HASH, true],
    [null, null, true],
    [null, HASH, false],
    ['abc', 'abd', false],
    ['../x/abc', '../x/abc', true],
    ['../x/abc', '../y/abc', false],
  ])('%j vs %j -> %j', (a, b, want) => {
    expect(sameTarget(a, b, DIR)).toBe(want);
  });
});

describe('private key lookup', () => {
  const base: ImageServerRef = { host: 'images.example', port: 22, user: 'uploader', root: '/srv' };

  it.each([
    ['keyFileEnv', { keyFileEnv: 'IMAGE_SERVER_KEY_FILE' }, { IMAGE_SERVER_KEY_FILE: '/k/env' }, '/k/env'],
    ['keyFile', { keyFile: '/k/file' }, {}, '/k/file'],
    ['keyFileEnv wins', { keyFileEnv: 'K', keyFile: '/k/file' }, { K: '/k/env' }, '/k/env'],
  ])('%s', (_, ref, env, want) => {
    expect(privateKeyPath({ ...base, ...ref }, env)).toBe(want);
  });

  it.each([
    ['unset variable', { keyFileEnv: 'IMAGE_SERVER_KEY_FILE' }, {}],
    ['empty variable', { keyFileEnv: 'IMAGE_SERVER_KEY_FILE' }, { IMAGE_SERVER_KEY_FILE: '' }],
    ['nothing configured', {}, {}],
  ])('%s is a config error', (_, ref, env) => {
    expect(codeOf(() => privateKeyPath({ ...base, ...ref }, env))).toBe(ErrorCode.Config);
  });

  it('an unreadable key file is a config error naming the path', () => {
    const path = '/nonexistent/qcow-test-key';
    try {
      readPrivateKey({ ...base, keyFile: path }, {});
      expect.unreachable();
    } catch (err) {
      expect(isPromoterError(err, ErrorCode.Config)).toBe(true);
      expect((err as Error).message).toContain(path);
    }
  });
});

describe('host key fingerprints', () => {
  it.each([
    ['SHA256:abcDEF+/x=', 'abcDEF+/x'],
    ['abcDEF+/x', 'abcDEF+/x'],
    [' sha256:abc== ', 'abc'],
  ])('normalizes %j', (fp, want) => {
    expect(normalizeFingerprint(fp)).toBe(want);
  });

  it('matches the unpadded base64 sha256 that ssh-keygen -l prints', () => {
    // sha256("") in base64 is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
    expect(hostKeyFingerprint(Buffer.alloc(0))).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});

describe('classify', () => {
  const where = 'uploader@images.example:22';
  const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

  it.each([
    ['auth level', err('x', { level: 'client-authentication' }), ErrorCode.ImageServerAuth, false],
    [
      'auth message',
      err('getConnection: All configured authentication methods failed'),
      ErrorCode.ImageServerAuth,
      false,
    ],
    ['bad key', err('Cannot parse privateKey: Unsupported key format'), ErrorCode.ImageServerAuth, false],
    ['permission code', err('Permission denied', { code: 3 }), ErrorCode.ImageServerPermission, false],
    [
      'refused',
      err('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }),
      ErrorCode.ImageServerUnavailable,
      true,
    ],
    [
      'timeout',
      err('Timed out while waiting for handshake', { level: 'client-timeout' }),
      ErrorCode.ImageServerUnavailable,
      true,
    ],
    ['sftp failure', err('Failure', { code: 4 }), ErrorCode.ImageServerUnavailable, true],
    ['not an Error', 'boom', ErrorCode.ImageServerUnavailable, true],
  ])('%s', (_, e, code, retryable) => {
    const p = classify(e, where, 'connect');
    expect(p.code).toBe(code);
    expect(p.retryable).toBe(retryable);
    expect(p.message).toContain(where);
  });

  it('does not echo a key parser message', () => {
    const p = classify(err('Cannot parse privateKey: b3BlbnNzaC1rZXktdjEAAAAA'), where, 'connect');
    expect(p.message).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
  });
});
