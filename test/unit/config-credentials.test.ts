// Credentials are bound to hosts on the worker's side (PROMOTER_CREDENTIALS): a release file can name a registry
// host, but it cannot make the worker send a secret bound to one host to another (issue 8 item 17).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundImageServer, dlrnCredentialsFor } from '../../integrations/credentials.js';
import { registryFromRef } from '../../integrations/registry/pool.js';
import type { RegistryRef } from '../../domain/promotion.js';

const dir = mkdtempSync(join(tmpdir(), 'creds-'));
const CREDS = join(dir, 'credentials.yaml');
writeFileSync(
  CREDS,
  'hosts:\n  "registry.example.org:5000":\n    username_env: TARGET_REGISTRY_USERNAME\n    password_env: TARGET_REGISTRY_PASSWORD\n',
);
const env = {
  PROMOTER_CREDENTIALS: CREDS,
  TARGET_REGISTRY_USERNAME: 'pusher',
  TARGET_REGISTRY_PASSWORD: 's3cret-value',
};
const ref = (host: string, extra: Partial<RegistryRef> = {}): RegistryRef => ({
  name: 'target',
  host,
  namespace: 'tripleomaster',
  tlsVerify: true,
  ...extra,
});

describe('credentials bound to hosts on the worker side', () => {
  it('gives a bound host its credentials, even when the release file names none', () => {
    expect(registryFromRef(ref('registry.example.org:5000'), env)).toMatchObject({
      username: 'pusher',
      password: 's3cret-value',
    });
  });

  it('refuses a release file that names a bound secret for another host, without the secret', () => {
    const evil = ref('evil.example.com', {
      usernameEnv: 'TARGET_REGISTRY_USERNAME',
      passwordEnv: 'TARGET_REGISTRY_PASSWORD',
    });
    expect(() => registryFromRef(evil, env)).toThrow(
      /evil\.example\.com.*binds TARGET_REGISTRY_\w+ to registry\.example\.org:5000 only; refused/s,
    );
    try {
      registryFromRef(evil, env);
    } catch (err) {
      expect(JSON.stringify({ m: (err as Error).message, c: (err as { context?: unknown }).context })).not.toContain(
        's3cret-value',
      );
    }
  });

  it('sends nothing to a host the file does not bind', () => {
    expect(registryFromRef(ref('quay.io'), env)).toMatchObject({ username: undefined, password: undefined });
  });
});

describe('DLRN credentials', () => {
  const dlrnCreds = join(dir, 'dlrn.yaml');
  writeFileSync(dlrnCreds, 'hosts:\n  trunk.example.org:\n    username: ciuser\n    password_env: DLRNAPI_PASSWORD\n');
  const denv = { PROMOTER_CREDENTIALS: dlrnCreds, DLRNAPI_USERNAME: 'ciuser', DLRNAPI_PASSWORD: 'dlrn-secret' };

  it('go to the bound DLRN host only, whatever api_url a release file gives', () => {
    expect(dlrnCredentialsFor('https://trunk.example.org/api-centos9-master-uc', denv)).toEqual({
      username: 'ciuser',
      password: 'dlrn-secret',
    });
    expect(dlrnCredentialsFor('https://evil.example.com/api-centos9-master-uc', denv)).toEqual({
      username: undefined,
      password: undefined,
    });
  });
});

describe('image server key', () => {
  const sshCreds = join(dir, 'ssh.yaml');
  writeFileSync(sshCreds, 'hosts:\n  "images.example.org:22":\n    key_file: /home/promoter/.ssh/id_uploader\n');
  const senv = { PROMOTER_CREDENTIALS: sshCreds };
  const server = { host: 'images.example.org', port: 22, user: 'uploader', root: '/srv/images' };

  it('is the one bound to the host, and a key named for another host is refused', () => {
    expect(boundImageServer(server, senv).keyFile).toBe('/home/promoter/.ssh/id_uploader');
    expect(() =>
      boundImageServer({ ...server, host: 'evil.example.com', keyFile: '/home/promoter/.ssh/id_uploader' }, senv),
    ).toThrow(/evil\.example\.com:22.*binds \/home\/promoter\/.ssh\/id_uploader to images\.example\.org:22 only/);
  });
});
