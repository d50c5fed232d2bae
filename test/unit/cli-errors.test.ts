// How the CLI reports a failure: the chain that matters (what failed, what was restored, what stays ahead, the
// hint), not only the innermost message; and a control's reason is bounded before anything reaches Temporal.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { action, EXIT, parseOptions, why } from '../../client/cli-kit.js';
import type { PromotionResult } from '../../workflows/contract.js';

const failed: PromotionResult = {
  fullHash: 'a'.repeat(40) + '_' + 'b'.repeat(8),
  label: 'current-tripleo',
  outcome: 'failed-partly-undone',
  previous: 'c'.repeat(40) + '_' + 'd'.repeat(8),
  steps: [],
  warnings: [],
  error: {
    step: 'dlrn',
    type: 'DlrnForbiddenError',
    message: 'DLRN refused the promotion: 403 FORBIDDEN',
    hint: 'check DLRNAPI_USERNAME has the promote role',
  },
  restored: ['container tags (44)'],
  leftAhead: ['qcow2 current-tripleo -> ' + 'a'.repeat(40) + '_' + 'b'.repeat(8)],
};

/** What an update looks like when the controller fails it with a PromotionFailed carrying the result. */
function updateFailure(): Error {
  const innermost = ApplicationFailure.create({ type: 'DlrnForbiddenError', message: '403 FORBIDDEN' });
  const activity = new ActivityFailure(
    'activity failed',
    'promoteDlrnLabel',
    '7',
    RetryState.NON_RETRYABLE_FAILURE,
    'worker',
    innermost,
  );
  const promotion = ApplicationFailure.create({
    type: 'PromotionFailed',
    message: `promotion of ${failed.fullHash} to current-tripleo failed at dlrn`,
    details: [failed],
    cause: activity,
  });
  return new WorkflowUpdateFailedError('Workflow Update failed', promotion);
}

async function run(fn: () => Promise<number | void>) {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  await action(fn)();
  spy.mockRestore();
  return { stderr: lines.join('\n'), code: process.exitCode };
}

afterEach(() => {
  process.exitCode = 0;
});

describe('error printing', () => {
  it('a failed promotion names what failed, what was restored, what stays ahead and the hint', async () => {
    const r = await run(() => Promise.reject(updateFailure()));
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toContain('promotion of ' + failed.fullHash + ' to current-tripleo failed at dlrn');
    expect(r.stderr).toContain('403 FORBIDDEN');
    expect(r.stderr).toMatch(/restored: container tags \(44\)/);
    expect(r.stderr).toMatch(/still ahead of DLRN: qcow2 current-tripleo -> a{40}_b{8}/);
    expect(r.stderr).toMatch(/hint: check DLRNAPI_USERNAME has the promote role/);
    expect(r.stderr).not.toMatch(/Workflow Update failed/);
  });

  it('a plain error keeps its message and one hint', async () => {
    const r = await run(() => Promise.reject(new Error('connection refused')));
    expect(r.code).toBe(EXIT.failed);
    expect(r.stderr).toBe('error: connection refused');
  });

  it('an update refused by its validator is a usage error (exit 2) with the validator message', async () => {
    const refused = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({ message: '--label: nope is not held' }),
    );
    const r = await run(() => Promise.reject(refused));
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe('error: --label: nope is not held');
  });
});

describe('--why', () => {
  const schema = z.object({ why });
  it('is refused past 1000 characters, naming --why', () => {
    expect(() => parseOptions(schema, { why: 'x'.repeat(1001) })).toThrow(/--why: .*1000 characters/);
  });
  it('is accepted up to 1000 characters', () => {
    expect(parseOptions(schema, { why: 'x'.repeat(1000) }).why).toHaveLength(1000);
  });
});
