import { describe, expect, it } from 'vitest';

import { ErrorCode, PromoterError } from '../../domain/errors.js';
import {
  type CommitHashFields,
  type DlrnHash,
  describeHash,
  fullHash,
  hashEquals,
  hashFromPromotion,
  makeAggregateHash,
  makeCommitHash,
  repoPath,
  toDlrnHash,
} from '../../domain/hash.js';

/** A 40-char lowercase hex hash made by repeating `seed`. */
const sha = (seed: string): string => seed.repeat(Math.ceil(40 / seed.length)).slice(0, 40);
const COMMIT = sha('c0ffee12');
const DISTRO = sha('d1570000');
const EXT_DISTRO = sha('e1d1');
const EXT_COMMIT = sha('e2c2');
const EXTENDED = `${EXT_DISTRO}_${EXT_COMMIT}`;
const AGG = '0123456789abcdef0123456789abcdef';

const commit = (over: Partial<CommitHashFields> = {}) =>
  makeCommitHash({ commitHash: COMMIT, distroHash: DISTRO, ...over });

describe('fullHash', () => {
  it.each([
    { name: 'commit without extended hash', hash: commit(), expected: `${COMMIT}_d1570000` },
    { name: 'extended hash null', hash: commit({ extendedHash: null }), expected: `${COMMIT}_d1570000` },
    { name: "extended hash 'None' is absent", hash: commit({ extendedHash: 'None' }), expected: `${COMMIT}_d1570000` },
    { name: 'empty extended hash is absent', hash: commit({ extendedHash: '' }), expected: `${COMMIT}_d1570000` },
    {
      name: 'extended hash of <= 40 chars is absent',
      hash: commit({ extendedHash: sha('ab') }),
      expected: `${COMMIT}_d1570000`,
    },
    {
      name: 'commit with extended hash',
      hash: commit({ extendedHash: EXTENDED }),
      expected: `${COMMIT}_d1570000_e1d1e1d1_e2c2e2c2`,
    },
    { name: 'component does not change it', hash: commit({ component: 'tripleo' }), expected: `${COMMIT}_d1570000` },
    { name: 'aggregate hash is itself', hash: makeAggregateHash(AGG), expected: AGG },
  ])('$name', ({ hash, expected }) => {
    expect(fullHash(hash)).toBe(expected);
  });

  it("extended form follows DLRN's repo dir rule _<ext[:8]>_<ext[41:49]>", () => {
    const h = commit({ extendedHash: EXTENDED });
    expect(fullHash(h)).toBe(`${COMMIT}_${DISTRO.slice(0, 8)}_${EXTENDED.slice(0, 8)}_${EXTENDED.slice(41, 49)}`);
  });
});

describe('repoPath', () => {
  it.each([
    { name: 'commit', hash: commit(), label: undefined, expected: `c0/ff/${COMMIT}_d1570000` },
    {
      name: 'component commit',
      hash: commit({ component: 'baremetal' }),
      label: undefined,
      expected: `component/baremetal/c0/ff/${COMMIT}_d1570000`,
    },
    {
      name: "component 'None' is no component",
      hash: commit({ component: 'None' }),
      label: undefined,
      expected: `c0/ff/${COMMIT}_d1570000`,
    },
    {
      name: 'extended commit',
      hash: commit({ extendedHash: EXTENDED }),
      label: undefined,
      expected: `c0/ff/${COMMIT}_d1570000_e1d1e1d1_e2c2e2c2`,
    },
    {
      name: 'aggregate under its label',
      hash: makeAggregateHash(AGG),
      label: 'tripleo-ci-testing',
      expected: `tripleo-ci-testing/01/23/${AGG}`,
    },
  ])('$name', ({ hash, label, expected }) => {
    expect(repoPath(hash, label)).toBe(expected);
  });

  it.each([
    { name: 'aggregate without label', label: undefined },
    { name: 'aggregate with empty label', label: '' },
    { name: 'aggregate with label escaping the repo', label: '../etc' },
  ])('$name throws', ({ label }) => {
    expect(() => repoPath(makeAggregateHash(AGG), label)).toThrow(PromoterError);
  });

  it('re-validates a hash that was not built by makeCommitHash', () => {
    const forged = { kind: 'commit', commitHash: COMMIT, distroHash: DISTRO, extendedHash: null, component: '../../x' };
    expect(() => repoPath(forged as DlrnHash)).toThrow(/component/);
  });
});

describe('validation', () => {
  it.each([
    {
      name: 'uppercase commit_hash',
      build: () => commit({ commitHash: COMMIT.toUpperCase() }),
      field: 'commit_hash',
      message: /lowercase/,
    },
    {
      name: 'commit_hash too short',
      build: () => commit({ commitHash: COMMIT.slice(0, 39) }),
      field: 'commit_hash',
      message: /40 hex characters, got 39/,
    },
    {
      name: 'commit_hash too long',
      build: () => commit({ commitHash: `${COMMIT}a` }),
      field: 'commit_hash',
      message: /got 41/,
    },
    {
      name: 'non-hex distro_hash',
      build: () => commit({ distroHash: sha('g1') }),
      field: 'distro_hash',
      message: /must be hex/,
    },
    {
      name: 'null distro_hash',
      build: () => commit({ distroHash: null as unknown as string }),
      field: 'distro_hash',
      message: /must be a string/,
    },
    {
      name: 'distro_hash with ../',
      build: () => commit({ distroHash: `../${DISTRO.slice(3)}` }),
      field: 'distro_hash',
      message: /'\/', '\.\.'/,
    },
    { name: 'component ../x', build: () => commit({ component: '../x' }), field: 'component', message: /'\.\.'/ },
    { name: 'component with /', build: () => commit({ component: 'a/b' }), field: 'component', message: /'\/'/ },
    {
      name: 'component with whitespace',
      build: () => commit({ component: 'a b' }),
      field: 'component',
      message: /whitespace/,
    },
    {
      name: 'component with other characters',
      build: () => commit({ component: 'a$b' }),
      field: 'component',
      message: /letters, digits/,
    },
    {
      name: 'extended hash without separator',
      build: () => commit({ extendedHash: `${EXT_DISTRO}${EXT_COMMIT}` }),
      field: 'extended_hash',
      message: /<40 hex distro hash>_<40 hex commit hash>/,
    },
    {
      name: 'uppercase extended hash',
      build: () => commit({ extendedHash: EXTENDED.toUpperCase() }),
      field: 'extended_hash',
      message: /lowercase/,
    },
    {
      name: 'aggregate hash too short',
      build: () => makeAggregateHash(AGG.slice(0, 31)),
      field: 'aggregate_hash',
      message: /32 to 64/,
    },
    {
      name: 'aggregate hash with /',
      build: () => makeAggregateHash(`${AGG}/x`),
      field: 'aggregate_hash',
      message: /'\/'/,
    },
  ])('$name', ({ build, field, message }) => {
    let caught: unknown;
    try {
      build();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PromoterError);
    const err = caught as PromoterError;
    expect(err.code).toBe(ErrorCode.MalformedHash);
    expect(err.context.field).toBe(field);
    expect(err.message).toContain(field);
    expect(err.message).toMatch(message);
  });
});

describe('hashEquals', () => {
  const agg = makeAggregateHash(AGG);
  it.each([
    { name: 'same commit hash', a: commit(), b: commit(), expected: true },
    { name: 'component is not identity', a: commit({ component: 'a' }), b: commit({ component: 'b' }), expected: true },
    { name: 'different distro hash', a: commit(), b: commit({ distroHash: sha('d2') }), expected: false },
    { name: 'extended vs none', a: commit({ extendedHash: EXTENDED }), b: commit(), expected: false },
    { name: 'same aggregate', a: agg, b: makeAggregateHash(AGG), expected: true },
    { name: 'aggregate vs commit', a: agg, b: commit(), expected: false },
    { name: 'commit vs aggregate', a: commit(), b: agg, expected: false },
  ])('$name', ({ a, b, expected }) => {
    expect(hashEquals(a, b)).toBe(expected);
  });
});

describe('hashFromPromotion', () => {
  const row = { commit_hash: COMMIT, distro_hash: DISTRO, extended_hash: null, aggregate_hash: null, component: null };
  it.each([
    { name: 'commit row', record: row, expected: commit() },
    {
      name: 'commit row with component',
      record: { ...row, component: 'tripleo' },
      expected: commit({ component: 'tripleo' }),
    },
    { name: "commit row with 'None' extended hash", record: { ...row, extended_hash: 'None' }, expected: commit() },
    {
      name: 'aggregate row wins over its commit fields',
      record: { ...row, aggregate_hash: AGG },
      expected: makeAggregateHash(AGG),
    },
  ])('$name', ({ record, expected }) => {
    expect(hashFromPromotion(record)).toEqual(expected);
  });

  it('rejects a row without hashes', () => {
    expect(() => hashFromPromotion({ ...row, commit_hash: null })).toThrow(/commit_hash/);
  });
});

describe('serialisation and description', () => {
  it.each([
    { name: 'commit', hash: commit({ extendedHash: EXTENDED, component: 'x' }) },
    { name: 'aggregate', hash: makeAggregateHash(AGG) },
  ])('$name survives a JSON round trip', ({ hash }) => {
    const back = toDlrnHash(JSON.parse(JSON.stringify(hash)));
    expect(back).toEqual(hash);
    expect(hashEquals(back, hash)).toBe(true);
  });

  it.each([
    { name: 'commit', hash: commit(), expected: 'c0ffee12_d1570000' },
    {
      name: 'extended with component',
      hash: commit({ extendedHash: EXTENDED, component: 'ui' }),
      expected: 'c0ffee12_d1570000_e1d1e1d1_e2c2e2c2 (component ui)',
    },
    { name: 'aggregate', hash: makeAggregateHash(AGG), expected: 'aggregate 01234567' },
  ])('describes $name', ({ hash, expected }) => {
    expect(describeHash(hash)).toBe(expected);
  });
});
