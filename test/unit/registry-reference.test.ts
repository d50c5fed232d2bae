import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isPromoterError } from '../../domain/errors.js';
import { registryFromRef } from '../../integrations/registry/pool.js';
import {
  formatImageName,
  isDigest,
  isReference,
  isRepository,
  isTag,
  parseImageName,
  repositoryOf,
  type ImageName,
} from '../../integrations/registry/reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const FULL_HASH = '0123456789abcdef0123456789abcdef01234567_d1570000';

describe('parseImageName', () => {
  it.each<{ name: string; input: string; expected: ImageName | null }>([
    {
      name: 'host:port, namespace, tag',
      input: `127.0.0.1:17500/tripleomastercentos9/openstack-nova-api:${FULL_HASH}`,
      expected: { host: '127.0.0.1:17500', repository: 'tripleomastercentos9/openstack-nova-api', tag: FULL_HASH },
    },
    {
      name: 'dotted host without port',
      input: 'quay.io/tripleomaster/openstack-nova-api:current-tripleo',
      expected: { host: 'quay.io', repository: 'tripleomaster/openstack-nova-api', tag: 'current-tripleo' },
    },
    {
      name: 'localhost',
      input: 'localhost/a/b',
      expected: { host: 'localhost', repository: 'a/b', tag: undefined, digest: undefined },
    },
    {
      name: 'first component is not a host',
      input: 'tripleomaster/nova:x',
      expected: { host: undefined, repository: 'tripleomaster/nova', tag: 'x' },
    },
    {
      name: 'digest',
      input: `quay.io/ns/img@${DIGEST}`,
      expected: { host: 'quay.io', repository: 'ns/img', digest: DIGEST },
    },
    {
      name: 'tag and digest',
      input: `ns/img:t@${DIGEST}`,
      expected: { host: undefined, repository: 'ns/img', tag: 't', digest: DIGEST },
    },
    { name: 'uppercase repository', input: 'quay.io/NS/img:t', expected: null },
    { name: 'bad digest', input: 'ns/img@sha256:abc', expected: null },
    { name: 'tag too long', input: `ns/img:${'a'.repeat(129)}`, expected: null },
    { name: 'tag starting with a dot', input: 'ns/img:.x', expected: null },
    { name: 'empty', input: '', expected: null },
    { name: 'double slash', input: 'ns//img', expected: null },
  ])('$name', ({ input, expected }) => {
    const parsed = parseImageName(input);
    if (expected === null) expect(parsed).toBeNull();
    else expect(parsed).toEqual({ tag: undefined, digest: undefined, host: undefined, ...expected });
  });

  it.each([
    `127.0.0.1:17500/tripleomastercentos9/openstack-nova-api:${FULL_HASH}`,
    `quay.io/ns/img@${DIGEST}`,
    'ns/img',
  ])('formatImageName inverts parseImageName: %s', (name) => {
    expect(formatImageName(parseImageName(name)!)).toBe(name);
  });
});

describe('tags, digests, repositories', () => {
  it.each([
    { value: FULL_HASH, tag: true, digest: false, reference: true },
    { value: 'current-tripleo', tag: true, digest: false, reference: true },
    { value: 'previous-current-tripleo-rdo', tag: true, digest: false, reference: true },
    { value: DIGEST, tag: false, digest: true, reference: true },
    { value: 'a/b', tag: false, digest: false, reference: false },
    { value: '', tag: false, digest: false, reference: false },
    { value: '-x', tag: false, digest: false, reference: false },
  ])('$value', ({ value, tag, digest, reference }) => {
    expect(isTag(value)).toBe(tag);
    expect(isDigest(value)).toBe(digest);
    expect(isReference(value)).toBe(reference);
  });

  it.each([
    { repo: 'tripleomaster/openstack-nova-api', ok: true },
    { repo: 'a', ok: true },
    { repo: 'a__b/c.d/e--f', ok: true },
    { repo: 'A/b', ok: false },
    { repo: 'a/', ok: false },
    { repo: '-a', ok: false },
    { repo: 'a_-b', ok: false },
  ])('isRepository($repo) = $ok', ({ repo, ok }) => {
    expect(isRepository(repo)).toBe(ok);
  });

  it.each([
    { ns: 'tripleomaster', image: 'openstack-nova-api', expected: 'tripleomaster/openstack-nova-api' },
    { ns: '/a/b/', image: 'x', expected: 'a/b/x' },
    { ns: '', image: 'x', expected: 'x' },
  ])('repositoryOf($ns, $image)', ({ ns, image, expected }) => {
    expect(repositoryOf(ns, image)).toBe(expected);
  });
});

describe('registryFromRef', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regref-'));
  const file = join(dir, 'pw');
  writeFileSync(file, 'file-secret\n');
  const base = { name: 'quay.io', host: 'quay.io', namespace: 'tripleomaster', tlsVerify: true };

  it.each([
    { name: 'anonymous', ref: base, env: {}, expected: { username: undefined, password: undefined } },
    {
      name: 'password from env',
      ref: { ...base, usernameEnv: 'U', passwordEnv: 'P' },
      env: { U: 'bot', P: 'env-secret' },
      expected: { username: 'bot', password: 'env-secret' },
    },
    {
      name: 'password from NAME_FILE',
      ref: { ...base, usernameEnv: 'U', passwordEnv: 'P' },
      env: { U: 'bot', P_FILE: file },
      expected: { username: 'bot', password: 'file-secret' },
    },
    {
      name: 'password file named in the config',
      ref: { ...base, usernameEnv: 'U', passwordFile: file },
      env: { U: 'bot' },
      expected: { username: 'bot', password: 'file-secret' },
    },
  ])('$name', ({ ref, env, expected }) => {
    expect(registryFromRef(ref, env)).toEqual({ host: 'quay.io', tlsVerify: true, ...expected });
  });

  it.each([
    { name: 'user variable unset', ref: { ...base, usernameEnv: 'U', passwordEnv: 'P' }, env: { P: 'x' } },
    { name: 'password unset', ref: { ...base, usernameEnv: 'U', passwordEnv: 'P' }, env: { U: 'bot' } },
    { name: 'password without user', ref: { ...base, passwordEnv: 'P' }, env: { P: 'sekret-value' } },
    { name: 'unreadable file', ref: { ...base, usernameEnv: 'U', passwordFile: join(dir, 'nope') }, env: { U: 'u' } },
  ])('config error: $name, without the secret in it', ({ ref, env }) => {
    let caught: unknown;
    try {
      registryFromRef(ref, env);
    } catch (err) {
      caught = err;
    }
    expect(isPromoterError(caught, ErrorCode.Config)).toBe(true);
    expect(JSON.stringify({ m: (caught as Error).message, c: (caught as { context: unknown }).context })).not.toMatch(
      /sekret-value|file-secret/,
    );
  });
});
