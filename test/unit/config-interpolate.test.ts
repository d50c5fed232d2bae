import { describe, expect, it } from 'vitest';
import { interpolateEnv } from '../../domain/config-interpolate.js';
import { isPromoterError } from '../../domain/errors.js';

const env = { HOST: '127.0.0.1', PORT: '7580', EMPTY: '' };

describe('interpolateEnv', () => {
  it.each([
    ['plain text is kept', 'release: master', 'release: master'],
    ['a variable', 'api_url: http://${HOST}:${PORT}', 'api_url: http://127.0.0.1:7580'],
    ['a default when unset', 'port: ${NOPE:-22}', 'port: 22'],
    ['a default when empty', 'port: ${EMPTY:-22}', 'port: 22'],
    ['the value wins over the default', 'port: ${PORT:-22}', 'port: 7580'],
    ['$$ is a literal $', 'note: cost $$5', 'note: cost $5'],
    ['a lone $ is kept', 'note: $HOME', 'note: $HOME'],
    ['comment lines are not touched', '  # uses ${UNDEFINED}\nx: 1', '  # uses ${UNDEFINED}\nx: 1'],
  ])('%s', (_name, text, expected) => {
    expect(interpolateEnv(text, 'f.yaml', env)).toBe(expected);
  });

  it.each([
    [
      'an unset variable names file, line and variable',
      'a: 1\nb: ${MISSING}',
      ['f.yaml:2: environment variable MISSING'],
    ],
    ['an empty variable without default', 'a: ${EMPTY}', ['f.yaml:1: environment variable EMPTY is not set']],
    ['a malformed reference', 'a: ${1BAD}', ['f.yaml:1: expected ${NAME}']],
    [
      'every problem at once',
      'a: ${X}\nb: ${Y}',
      ['f.yaml:1: environment variable X', 'f.yaml:2: environment variable Y'],
    ],
  ])('%s', (_name, text, expected) => {
    let err: unknown;
    try {
      interpolateEnv(text, 'f.yaml', env);
    } catch (e) {
      err = e;
    }
    expect(isPromoterError(err)).toBe(true);
    const problems = (err as { context: { problems: string[] } }).context.problems;
    expect(problems).toHaveLength(expected.length);
    expected.forEach((p, i) => expect(problems[i]).toContain(p));
  });
});
