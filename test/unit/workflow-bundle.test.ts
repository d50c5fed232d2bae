// The worker evaluates every module of the workflow bundle again for each workflow it starts and keeps it while the
// workflow is cached: a parser pulled in by one value import costs CPU per workflow and memory per cached workflow
// (a fleet keeps hundreds cached).
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../helpers/temporal.js';

const ACTIVITY_SIDE_ONLY = ['zod', 'yaml', 'ini', 'axios', 'commander', 'p-limit'];

describe('workflow bundle', () => {
  it('carries no parser or client library, only the workflow code and the SDK', async () => {
    const { code } = await workflowBundle();
    const packages = new Set([...code.matchAll(/node_modules\/((?:@[^/]+\/)?[^/ ]+)\//g)].map((m) => m[1]!));
    expect([...packages].filter((p) => ACTIVITY_SIDE_ONLY.includes(p))).toEqual([]);
    expect(code.length).toBeLessThan(3_000_000);
  }, 180_000);
});
