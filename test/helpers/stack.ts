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
  // The cluster test (npm run test:cluster) runs the same helpers against its own stack profile.
  const env = readStackEnv(process.env.TEST_STACK_PROFILE ?? 'test');
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
