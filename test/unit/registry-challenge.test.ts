import { describe, expect, it } from 'vitest';
import {
  parseChallenges,
  parseTokenAnswer,
  pickChallenge,
  repoScope,
  scopeKey,
  tokenQuery,
  type Challenge,
} from '../../integrations/registry/challenge.js';

describe('parseChallenges', () => {
  it.each<{ name: string; header: string | string[] | undefined; expected: Challenge[] }>([
    { name: 'no header', header: undefined, expected: [] },
    { name: 'empty', header: '', expected: [] },
    {
      name: 'distribution htpasswd',
      header: 'Basic realm="rdo-promoter"',
      expected: [{ scheme: 'basic', params: { realm: 'rdo-promoter' } }],
    },
    {
      name: 'quay.io bearer with a scope holding a comma',
      header:
        'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:tripleomaster/nova:pull,push"',
      expected: [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://quay.io/v2/auth',
            service: 'quay.io',
            scope: 'repository:tripleomaster/nova:pull,push',
          },
        },
      ],
    },
    {
      name: 'spaces after commas, scheme in other case, unquoted value',
      header: 'BEARER realm="https://auth.docker.io/token", service=registry.docker.io',
      expected: [
        { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' } },
      ],
    },
    {
      name: 'two challenges in one value (Node joins repeated headers)',
      header: 'Basic realm="a", Bearer realm="https://t/x",service="s"',
      expected: [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } },
      ],
    },
    {
      name: 'repeated headers as an array',
      header: ['Basic realm="a"', 'Bearer realm="b"'],
      expected: [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'b' } },
      ],
    },
    {
      name: 'escaped quote inside a quoted value',
      header: 'Basic realm="say \\"hi\\""',
      expected: [{ scheme: 'basic', params: { realm: 'say "hi"' } }],
    },
    {
      name: 'error parameters of RFC 6750',
      header: 'Bearer realm="r",error="insufficient_scope",scope="repository:a:pull repository:b:pull"',
      expected: [
        {
          scheme: 'bearer',
          params: { realm: 'r', error: 'insufficient_scope', scope: 'repository:a:pull repository:b:pull' },
        },
      ],
    },
    { name: 'scheme without parameters', header: 'Negotiate', expected: [{ scheme: 'negotiate', params: {} }] },
  ])('$name', ({ header, expected }) => {
    expect(parseChallenges(header)).toEqual(expected);
  });
});

describe('pickChallenge', () => {
  const basic = { scheme: 'basic', params: {} };
  const bearer = { scheme: 'bearer', params: { realm: 'r' } };
  it.each([
    { name: 'none', challenges: [], expected: null },
    { name: 'basic only', challenges: [basic], expected: basic },
    { name: 'bearer preferred over basic', challenges: [basic, bearer], expected: bearer },
    { name: 'unknown schemes ignored', challenges: [{ scheme: 'negotiate', params: {} }], expected: null },
  ])('$name', ({ challenges, expected }) => {
    expect(pickChallenge(challenges)).toEqual(expected);
  });
});

describe('scopes and token requests', () => {
  it.each([
    { name: 'one scope', scopes: [repoScope('ns/a', 'pull')], expected: 'repository:ns/a:pull' },
    {
      name: 'sorted and deduplicated',
      scopes: [repoScope('ns/b', 'pull,push'), repoScope('ns/a', 'pull'), repoScope('ns/a', 'pull')],
      expected: 'repository:ns/a:pull repository:ns/b:pull,push',
    },
    {
      name: 'space separated challenge scopes split',
      scopes: ['repository:x:pull repository:y:pull', 'repository:x:pull'],
      expected: 'repository:x:pull repository:y:pull',
    },
    { name: 'none', scopes: [], expected: '' },
  ])('scopeKey: $name', ({ scopes, expected }) => {
    expect(scopeKey(scopes)).toBe(expected);
  });

  it('tokenQuery sends service and one scope parameter per scope', () => {
    const q = tokenQuery({ scheme: 'bearer', params: { realm: 'r', service: 'quay.io' } }, [
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
    expect(q.toString()).toBe('service=quay.io&scope=repository%3Aa%3Apull%2Cpush&scope=repository%3Ab%3Apull');
  });
});

describe('parseTokenAnswer', () => {
  const now = 1_000_000;
  it.each([
    {
      name: 'docker token',
      body: { token: 't1', expires_in: 300 },
      expected: { token: 't1', expiresAt: now + 290_000 },
    },
    { name: 'OAuth access_token', body: { access_token: 't2' }, expected: { token: 't2', expiresAt: now + 50_000 } },
    {
      name: 'short lifetime keeps half',
      body: { token: 't3', expires_in: 10 },
      expected: { token: 't3', expiresAt: now + 5_000 },
    },
    { name: 'empty token', body: { token: '' }, expected: null },
    { name: 'no token', body: { expires_in: 60 }, expected: null },
    { name: 'not an object', body: 'token', expected: null },
  ])('$name', ({ body, expected }) => {
    expect(parseTokenAnswer(body, now)).toEqual(expected);
  });
});
