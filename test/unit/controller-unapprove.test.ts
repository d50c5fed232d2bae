// unapprove and unwaive against the real controller workflow (local dev server, fake activities): each withdraws
// exactly the control it names, and the audit log keeps who did it, by --by and by client identity.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as m from '../../workflows/contract.js';
import { withReleaseController } from '../helpers/controller-run.js';
import { recordHistory } from '../helpers/history.js';
import { FakeWorld, JOB as FAKE_JOB, releaseYaml } from '../helpers/fake-world.js';
import { localEnv } from '../helpers/workflow-env.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await localEnv();
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});

const HASH_A = 'a'.repeat(40) + '_aaaaaaaa';
const HASH_B = 'b'.repeat(40) + '_bbbbbbbb';
const JOB = FAKE_JOB('current-tripleo-rdo');

it('unapprove and unwaive withdraw only what they name and are audited with the client identity', async () => {
  const world = new FakeWorld();
  const release = `unapprove${Date.now().toString(36)}`;
  writeFileSync(join(world.configDir, `${release}.yaml`), releaseYaml(release, { approval: ['current-tripleo-rdo'] }));
  await withReleaseController(env, world, release, {}, async (handle) => {
    const who = { by: 'amy', why: 'checked by hand', identity: 'amy@bastion' };
    for (const fullHash of [HASH_A, HASH_B]) {
      await handle.executeUpdate(m.approveUpdate, { args: [{ label: 'current-tripleo-rdo', fullHash, ...who }] });
      await handle.executeUpdate(m.waiveUpdate, { args: [{ job: JOB, fullHash, durationSeconds: 86_400, ...who }] });
    }
    const undo = { by: 'bob', why: 'approved the wrong hash', identity: 'bob@laptop' };
    await handle.executeUpdate(m.unapproveUpdate, {
      args: [{ label: 'current-tripleo-rdo', fullHash: HASH_A, ...undo }],
    });
    await handle.executeUpdate(m.unwaiveUpdate, { args: [{ job: JOB, fullHash: HASH_B, ...undo }] });

    const { controls } = await handle.query(m.statusQuery);
    expect(controls.approvals.map((a) => a.fullHash)).toEqual([HASH_B]);
    expect(controls.waivers.map((w) => w.fullHash)).toEqual([HASH_A]);
    const audit = await handle.query(m.auditQuery);
    expect(audit.map((e) => `${e.action} ${e.fullHash} ${e.by} ${e.identity}`).slice(-2)).toEqual([
      `unapprove ${HASH_A} bob bob@laptop`,
      `unwaive ${HASH_B} bob bob@laptop`,
    ]);
    // Withdrawing what is not there is refused by the validator, and nothing is recorded.
    await expect(
      handle.executeUpdate(m.unapproveUpdate, {
        args: [{ label: 'current-tripleo-rdo', fullHash: HASH_A, ...undo }],
      }),
    ).rejects.toThrow();
    expect((await handle.query(m.auditQuery)).length).toBe(audit.length);
    await recordHistory(env.client, handle.workflowId, 'controller-unapprove-unwaive');
  });
});
