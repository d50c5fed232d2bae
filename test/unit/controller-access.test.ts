// Who may use the controls that let a hash past its criteria (allowed_users in the release file), checked by the
// controller's update validators; unapprove and unwaive; the client identity kept in the audit log.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReleaseConfig } from '../../domain/config.js';
import { loadReleaseConfig } from '../../domain/config-file.js';
import { ControllerState } from '../../workflows/controller-state.js';
import { validate } from '../../workflows/controller-validators.js';
import type * as m from '../../workflows/contract.js';

const JOB = 'periodic-tripleo-ci-centos-9-scenario001-standalone-wallaby';
const HASH = `${'a'.repeat(40)}_${'b'.repeat(8)}`;
const base = {
  release: 'wallaby',
  distro: 'centos9',
  hashKind: 'commit',
  promotions: [
    { targetLabel: 'current-tripleo', candidateLabel: 'tripleo-ci-testing', criteria: [JOB] },
    { targetLabel: 'current-tripleo-rdo', candidateLabel: 'current-tripleo', criteria: ['weirdo'] },
  ],
} as unknown as ReleaseConfig;
const guarded: ReleaseConfig = {
  ...base,
  allowedUsers: { approve: ['amy', 'ops@bastion'], waive: ['amy'], forcePromote: ['release-manager'] },
};
function loadReleaseConfigText(text: string): ReleaseConfig {
  const file = join(mkdtempSync(join(tmpdir(), 'access-')), 'wallaby.yaml');
  writeFileSync(file, text);
  return loadReleaseConfig(file);
}
const who = (identity?: string) => ({ by: 'typed-anything', why: 'w', ...(identity ? { identity } : {}) });
const approve = (identity?: string): m.ApproveRequest => ({
  label: 'current-tripleo',
  fullHash: HASH,
  ...who(identity),
});
const waive = (identity?: string): m.WaiveRequest => ({
  job: JOB,
  fullHash: HASH,
  durationSeconds: 60,
  ...who(identity),
});
const force = (identity?: string): m.ForcePromoteRequest => ({
  label: 'current-tripleo',
  hash: { kind: 'commit', commitHash: 'a'.repeat(40), distroHash: 'b'.repeat(40), extendedHash: null, component: null },
  ...who(identity),
});

describe('allowed_users', () => {
  it.each([
    ['approve, user listed', () => validate.approve(guarded, approve('amy@laptop')), null],
    ['approve, user@host listed', () => validate.approve(guarded, approve('ops@bastion')), null],
    [
      'approve, same user on another host',
      () => validate.approve(guarded, approve('ops@laptop')),
      'ops@laptop may not approve on wallaby/centos9: allowed_users.approve is amy, ops@bastion',
    ],
    [
      'approve, no client identity (an older client)',
      () => validate.approve(guarded, approve()),
      '(no client identity) may not approve on wallaby/centos9: allowed_users.approve is amy, ops@bastion',
    ],
    [
      'waive, not listed: --by does not count',
      () => validate.waive(guarded, { ...waive('bob@ci'), by: 'amy' }),
      'bob@ci may not waive on wallaby/centos9: allowed_users.waive is amy',
    ],
    [
      'force-promote, not listed',
      () => validate.force(guarded, force('amy@laptop')),
      'amy@laptop may not force-promote on wallaby/centos9: allowed_users.force_promote is release-manager',
    ],
    ['force-promote, listed', () => validate.force(guarded, force('release-manager@ci')), null],
    ['no allowed_users: anyone', () => validate.approve(base, approve('bob@ci')), null],
    ['hold is not guarded', () => validate.label(guarded, { label: 'current-tripleo', ...who('bob@ci') }), null],
  ])('%s', (_, check, refusal) => {
    if (refusal === null) expect(check).not.toThrow();
    else expect(check).toThrow(refusal);
  });

  it('is read from the release file and refuses a malformed entry naming the key', () => {
    const text = (list: string) =>
      `release: wallaby\ndistro_name: centos\ndistro_version: 9\napi_url: http://127.0.0.1:1\n` +
      `promotions:\n  current-tripleo:\n    candidate_label: tripleo-ci-testing\n    criteria: [${JOB}]\n` +
      `allowed_users:\n  approve: ${list}\n`;
    expect(loadReleaseConfigText(text('[amy, ops@bastion]')).allowedUsers).toEqual({
      approve: ['amy', 'ops@bastion'],
    });
    expect(() => loadReleaseConfigText(text('["amy; rm -rf /"]'))).toThrow(
      /allowed_users\.approve\[0\]: expected a list of users/,
    );
  });
});

describe('unapprove and unwaive', () => {
  const state = () => new ControllerState('wallaby', 'centos9', () => 1000);

  it('unapprove withdraws the approval and records who, with the client identity', () => {
    const s = state();
    s.approve(approve('amy@laptop'));
    const ack = s.unapprove({
      label: 'current-tripleo',
      fullHash: HASH,
      by: 'amy',
      why: 'wrong hash',
      identity: 'amy@laptop',
    });
    expect(s.controls.approvals).toEqual([]);
    expect(ack.entry).toEqual({
      at: 1000,
      action: 'unapprove',
      by: 'amy',
      why: 'wrong hash',
      identity: 'amy@laptop',
      label: 'current-tripleo',
      fullHash: HASH,
    });
    expect(s.auditLog().map((e) => [e.action, e.identity])).toEqual([
      ['approve', 'amy@laptop'],
      ['unapprove', 'amy@laptop'],
    ]);
  });

  it('unwaive withdraws the waiver and evaluates the stages of its job again', () => {
    const s = state();
    s.waive(base, waive('amy@laptop'));
    s.next();
    s.unwaive(base, { job: JOB, fullHash: HASH, ...who('amy@laptop') });
    expect(s.controls.waivers).toEqual([]);
    expect(s.next()).toMatchObject({ kind: 'pass', request: { labels: ['current-tripleo'] } });
    // the expiry timer that fires later finds nothing to expire and records nothing
    s.expireWaiver({ job: JOB, fullHash: HASH, at: 1000, expiresAt: 1060 });
    expect(s.auditLog().map((e) => e.action)).toEqual(['waive', 'unwaive']);
  });

  it.each([
    [
      'unapprove of a hash not approved',
      (c: m.Controls) => validate.unapprove(base, c, { label: 'current-tripleo', fullHash: HASH, ...who() }),
      `--hash: ${HASH} is not approved for current-tripleo`,
    ],
    [
      'unwaive of a waiver not in force',
      (c: m.Controls) => validate.unwaive(base, c, { job: JOB, fullHash: HASH, ...who() }),
      `--hash: no waiver of ${JOB} for ${HASH} is in force`,
    ],
    [
      'unwaive by someone not allowed to waive',
      (c: m.Controls) => validate.unwaive(guarded, c, { job: JOB, fullHash: HASH, ...who('bob@ci') }),
      'bob@ci may not waive',
    ],
  ])('refuses %s', (_, check, message) => {
    expect(() => check(state().controls)).toThrow(message);
  });
});
