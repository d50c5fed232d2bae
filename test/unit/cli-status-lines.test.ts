// What `status` says about the controller: which states fail the command, the line naming address and state, the
// config version check, and failed promotions with their real cause.
import { describe, expect, it } from 'vitest';
import { configVersionOf } from '../../client/cli-kit.js';
import { configDrift, controllerProblem } from '../../client/commands/status.js';
import { controllerTrouble, type ControllerView } from '../../client/controller.js';
import { failureRecordLines, promotionLines } from '../../client/failure-report.js';
import type { PromotionFailureRecord, PromotionResult } from '../../workflows/contract.js';

const view = (state: ControllerView['state'], detail: string | null = null): ControllerView => ({
  workflowId: 'release/wallaby/centos9',
  address: '127.0.0.1:7233',
  state,
  detail,
  runId: null,
  taskQueue: null,
  status: null,
});

describe('controller state', () => {
  it.each([
    ['running', null, false, null],
    ['absent', null, false, null],
    ['closed', 'TERMINATED at 2026-12-01T10:00:00Z', false, /closed \(TERMINATED .*\) at Temporal 127\.0\.0\.1:7233$/],
    ['closed', 'FAILED at 2026-12-01T10:00:00Z', true, /closed \(FAILED/],
    ['wedged', 'workflow task failing (attempt 9): boom', true, /wedged \(workflow task failing \(attempt 9\): boom\)/],
    [
      'no-worker',
      'no worker polls task queue rdo-promoter',
      true,
      /no-worker \(no worker polls task queue rdo-promoter\)/,
    ],
    ['unanswered', 'its status query got no answer in 5 s', true, /unanswered/],
    ['unreachable', 'Temporal at 127.0.0.1:7233 did not answer', true, /unreachable .* at Temporal 127\.0\.0\.1:7233/],
  ] as const)('%s (%s): exit 1 = %s', (state, detail, fails, line) => {
    const v = view(state, detail);
    expect(controllerTrouble(v)).toBe(fails);
    const problem = controllerProblem(v);
    if (line === null) expect(problem).toBeNull();
    else expect(problem).toMatch(line);
    // only a state that hides the controls says they are unknown
    if (fails && state !== 'closed') expect(problem).toMatch(/holds, approvals and waivers are unknown/);
  });
});

describe('config version', () => {
  it('is the first 12 hex of the sha256 of the file content', () => {
    expect(configVersionOf('abc')).toBe('ba7816bf8f01');
  });
  it('warns only when the controller runs another version', () => {
    const runs = { version: 'aaaaaaaaaaaa', file: '/etc/promoter/wallaby.yaml', loadedAt: 1764583200 };
    expect(configDrift('wallaby.yaml', 'aaaaaaaaaaaa', runs)).toBeNull();
    expect(configDrift('wallaby.yaml', 'bbbbbbbbbbbb', null)).toBeNull();
    expect(configDrift('wallaby.yaml', 'bbbbbbbbbbbb', runs)).toBe(
      'wallaby.yaml is version bbbbbbbbbbbb, but the controller runs aaaaaaaaaaaa ' +
        "(/etc/promoter/wallaby.yaml, loaded 2025-12-01T10:00:00Z): the worker's config dir is what promotes",
    );
  });
});

describe('failed promotions', () => {
  const hash = 'a'.repeat(40) + '_' + 'b'.repeat(8);
  const error = {
    step: 'dlrn' as const,
    type: 'DlrnForbiddenError',
    message: '403 FORBIDDEN',
    hint: 'check DLRNAPI_USERNAME has the promote role',
  };
  it('a failure record names the cause, what stays ahead, the hint and the workflow', () => {
    const f: PromotionFailureRecord = {
      at: 1764583200,
      label: 'current-tripleo',
      fullHash: hash,
      outcome: 'failed-partly-undone',
      error,
      leftAhead: ['qcow2 current-tripleo -> ' + hash],
      workflowId: `promotion/wallaby/centos9/current-tripleo/${hash}`,
    };
    expect(failureRecordLines(f)).toEqual([
      `current-tripleo ← ${hash} at 2025-12-01T10:00:00Z: failed-partly-undone`,
      '    failed at dlrn: 403 FORBIDDEN (DlrnForbiddenError)',
      `    still ahead of DLRN: qcow2 current-tripleo -> ${hash}`,
      '    hint: check DLRNAPI_USERNAME has the promote role',
      `    workflow: promotion/wallaby/centos9/current-tripleo/${hash}`,
    ]);
  });
  it('a promotion result says what was restored as well', () => {
    const r: PromotionResult = {
      fullHash: hash,
      label: 'current-tripleo',
      outcome: 'failed-undone',
      previous: null,
      steps: [],
      warnings: [],
      error,
      restored: ['container tags (44)', 'qcow2 links'],
      leftAhead: [],
    };
    expect(promotionLines(r)).toEqual([
      `${hash} → current-tripleo: failed-undone`,
      '  failed at dlrn: 403 FORBIDDEN (DlrnForbiddenError)',
      '  restored: container tags (44), qcow2 links',
      '  hint: check DLRNAPI_USERNAME has the promote role',
    ]);
  });
});
