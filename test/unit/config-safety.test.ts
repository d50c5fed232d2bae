// What a release file may weigh and what it may say about secrets, checked before anything reaches Temporal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReleaseConfig } from '../../domain/config-file.js';
import { MAX_RELEASE_FILE_BYTES, parseReleaseConfig } from '../../domain/config.js';
import { ErrorCode, isPromoterError, type PromoterError } from '../../domain/errors.js';
import { imageServerRef } from '../../domain/promotion.js';

const HEAD = `release: master
distro_name: centos
distro_version: 9
api_url: https://trunk.example.org/api-centos9-master-uc
`;
const PROMOTIONS = 'promotions:\n  current-tripleo: { candidate_label: tripleo-ci-testing, criteria: [job-a] }\n';

function refusal(fn: () => unknown): PromoterError {
  try {
    fn();
  } catch (err) {
    if (isPromoterError(err, ErrorCode.Config)) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const problemsOf = (err: PromoterError) => err.context.problems as string[];
const tmpFile = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), name);
  writeFileSync(file, text);
  return file;
};

describe('release file weight', () => {
  it('refuses a file over the limit at once, naming the file, without parsing it', () => {
    // 12 MB of unknown keys hung the CLI for more than 15 minutes.
    const big = HEAD + PROMOTIONS + Array.from({ length: 400_000 }, (_, i) => `unknown_key_${i}: 1\n`).join('');
    const file = tmpFile('huge.yaml', big);
    const started = performance.now();
    const err = refusal(() => loadReleaseConfig(file, {}));
    expect(performance.now() - started).toBeLessThan(500);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/at most 256 KiB/);
    expect(problemsOf(err)).toHaveLength(1);
  }, 30_000);

  it('refuses text over the limit passed straight to the parser', () => {
    const err = refusal(() => parseReleaseConfig(HEAD + PROMOTIONS + '#'.repeat(MAX_RELEASE_FILE_BYTES), 'x.yaml'));
    expect(err.message).toMatch(/x\.yaml.*at most 256 KiB/s);
  });

  it('caps the problems it reports and says how many it left out', () => {
    const stages = Array.from({ length: 300 }, (_, i) => `  stage-${i}: { candidate_label: c, criteria: [] }\n`);
    const err = refusal(() => parseReleaseConfig(`${HEAD}promotions:\n${stages.join('')}`, 'many.yaml'));
    const problems = problemsOf(err);
    expect(problems).toHaveLength(51);
    expect(problems.at(-1)).toBe('many.yaml: ... and 250 more problems');
    expect(err.message.length).toBeLessThan(20_000);
  }, 30_000);

  it('reports a flood of unknown keys as one problem', () => {
    const text = HEAD + PROMOTIONS + Array.from({ length: 3000 }, (_, i) => `unknown_key_${i}: 1\n`).join('');
    const problems = problemsOf(refusal(() => parseReleaseConfig(text, 'many.yaml')));
    expect(problems).toEqual([expect.stringContaining('(got 3000 unknown keys: unknown_key_0, unknown_key_1,')]);
  }, 30_000);
});

describe('secrets never reach workflow history', () => {
  const SECRET = 'Xq7#kP2wLm9vZ';
  it.each([
    [
      'api_url',
      `release: master\ndistro_name: centos\ndistro_version: 9\napi_url: https://ciuser:${SECRET}@trunk.example.org/api\n${PROMOTIONS}`,
    ],
    ['base_url', `${HEAD}base_url: https://u:${SECRET}@trunk.example.org/centos9-master/\n${PROMOTIONS}`],
  ])('refuses user:password@ in %s without echoing it', (key, text) => {
    const err = refusal(() => parseReleaseConfig(text, 'r.yaml'));
    expect(problemsOf(err).join('\n')).toContain(`${key}: expected a URL without user:password@`);
    expect(JSON.stringify({ m: err.message, c: err.context })).not.toContain(SECRET);
  });

  it.each(['Sup3rS3cretPassw0rd', 'aB3dE6gH9jK2', 'xK9mP2qLz7Wn4', 'hQ8vN3tR6yB1uD5s'])(
    'refuses password_env %s: a pasted password, not the name of a variable, and never echoes it',
    (pasted) => {
      const text = `${HEAD}${PROMOTIONS}registries:\n  targets:\n    - { name: q, url: quay.io, username_env: QUAY_USER, password_env: ${pasted} }\n`;
      const err = refusal(() => parseReleaseConfig(text, 'r.yaml'));
      expect(problemsOf(err).join('\n')).toContain(
        'registries.targets[0].password_env: expected the name of an environment variable',
      );
      expect(JSON.stringify({ m: err.message, c: err.context })).not.toContain(pasted);
    },
  );

  it('never echoes the value of a secret-naming key even when it fails for another reason', () => {
    const text = `${HEAD}${PROMOTIONS}registries:\n  source: { url: quay.io, password_env: "my secret words" }\n`;
    const err = refusal(() => parseReleaseConfig(text, 'r.yaml'));
    expect(err.message).toContain('registries.source.password_env');
    expect(err.message).not.toContain('my secret words');
  });

  it.each([
    'QUAY_PASSWORD',
    'TARGET_REGISTRY_PASSWORD',
    'tripleomastercentos9_PASSWORD',
    'DLRNAPI_PASSWORD',
    'S3_KEY_V2',
  ])('accepts %s, a variable name', (name) => {
    const text = `${HEAD}${PROMOTIONS}registries:\n  source: { url: quay.io, username_env: U, password_env: ${name} }\n`;
    expect(parseReleaseConfig(text, 'r.yaml').registries.source.passwordEnv).toBe(name);
  });
});

describe('image server host key', () => {
  const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
  it('is carried from the release file to the SFTP connection options', () => {
    const text = `${HEAD}${PROMOTIONS}image_server: { host: images.example.org, user: uploader, root: /srv/images, key_file: /k, host_key_sha256: "${FP}" }\n`;
    const cfg = parseReleaseConfig(text, 'r.yaml');
    expect(imageServerRef(cfg)?.hostKeySha256).toBe(FP);
  });

  it('must look like ssh-keygen -l prints it', () => {
    const text = `${HEAD}${PROMOTIONS}image_server: { host: h, user: u, root: /srv, key_file: /k, host_key_sha256: "MD5:aa:bb" }\n`;
    expect(refusal(() => parseReleaseConfig(text, 'r.yaml')).message).toContain(
      'image_server.host_key_sha256: expected the SHA256 fingerprint',
    );
  });
});
