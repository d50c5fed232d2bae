// What integration tests need to reach the test stack.
import { readFileSync } from 'node:fs';
import { readStackEnv, requireVar, type StackEnv } from '../../scripts/sandbox/stack-env.js';

export interface TestStack {
  env: StackEnv;
  temporalAddress: string;
  dlrnUrl(release: 'master' | 'wallaby' | 'conformance'): string;
  dlrnAuth: { username: string; password: string };
}

export function testStack(): TestStack {
  const env = readStackEnv('test');
  return {
    env,
    temporalAddress: requireVar(env, 'TEMPORAL_ADDRESS'),
    dlrnUrl: (release) => requireVar(env, `DLRN_${release.toUpperCase()}_URL`),
    dlrnAuth: {
      username: requireVar(env, 'DLRNAPI_USERNAME'),
      password: readFileSync(requireVar(env, 'DLRNAPI_PASSWORD_FILE'), 'utf8').trim(),
    },
  };
}
