// Shadow mode against the real DLRN API: another DLRN user (the old promoter) moves current-tripleo twice, once to
// the hash this promoter would choose and once to a hash whose criteria failed. The shadow workflow judges both
// moves with what DLRN held at each move, `promoter shadow report` shows one agreement and one disagreement with
// both explanations, and shadow mode itself wrote nothing: no DLRN row but the other user's, no tag, no qcow2 link.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DlrnClient } from '../../integrations/dlrn.js';
import { shadowWorkflowId } from '../../domain/promotion.js';
import { otherDlrnUser, OTHER_DLRN_USER } from '../../scripts/sandbox/load.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { shadow } from '../../workflows/index.js';
import { shadowReportQuery, type ShadowReport } from '../../workflows/contract.js';
import { runCli } from '../helpers/cli-runner.js';
import { dlrnFor, freshRelease, qcowLink, registriesAgree, sandboxConfig } from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

const cfg = sandboxConfig('wallaby');
const LABEL = 'current-tripleo';
let h: TemporalHarness;
let rel: SandboxRelease;

beforeAll(async () => {
  h = await temporalHarness();
  rel = await freshRelease(h.client, 'wallaby');
});
afterAll(async () => h?.close());

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('judges moves by another DLRN user: one agreement, one disagreement with both explanations, no writes', async () => {
  const other = new DlrnClient({ baseUrl: cfg.apiUrl, ...otherDlrnUser(testStack().env) });
  const hashOf = (key: string) => buildByKey(rel, key).fullHash;
  const commitOf = (key: string) => {
    const c = buildByKey(rel, key).commits[0]!;
    return {
      commit_hash: c.commit_hash,
      distro_hash: c.distro_hash,
      ...(c.extended_hash ? { extended_hash: c.extended_hash } : {}),
    };
  };
  // As the old promoter does: the old hash to previous-<label>, then the label.
  const oldPromoterMoves = async (from: string, to: string) => {
    await other.promote({ ...commitOf(from), promote_name: `previous-${LABEL}` });
    await other.promote({ ...commitOf(to), promote_name: LABEL });
  };
  const head = rel.labels[LABEL]!.at(-1)!;
  const workflowId = shadowWorkflowId(cfg.release, cfg.distro);
  await h.client.workflow
    .getHandle(workflowId)
    .terminate('test reset')
    .catch(() => undefined);
  const rowsBefore = await dlrnFor(cfg).promotionsAll({});

  const report = await h.withWorker(async () => {
    const handle = await h.client.workflow.start(shadow, {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ config: cfg, pollSeconds: 1 }],
    });
    const query = () => handle.query(shadowReportQuery);
    await until('the first look at DLRN', query, (r) => r.polls >= 1);
    await oldPromoterMoves(head, 'W237'); // what this promoter would choose too
    await oldPromoterMoves('W237', 'W238'); // W238 failed scenario001
    const r = await until('two judged moves', query, (x) => x.records.length >= 2);
    const cli = await runCli(['shadow', 'report', '-c', 'config/sandbox/wallaby.yaml']);
    const json = await runCli(['shadow', 'report', '-c', 'config/sandbox/wallaby.yaml', '--json']);
    await handle.terminate('test done');
    return { r, cli, json };
  });

  const { r, cli, json } = report;
  expect(r.agreements).toBe(1);
  expect(r.disagreements).toBe(1);
  const [agreed, disagreed] = r.records;
  expect(agreed).toMatchObject({ targetLabel: LABEL, by: OTHER_DLRN_USER, theirs: hashOf('W237'), agree: true });
  expect(agreed!.ours).toBe(hashOf('W237'));
  expect(agreed!.ourReason).toMatch(/all 3 criteria satisfied; newest candidate that passes every gate/);
  expect(disagreed).toMatchObject({ targetLabel: LABEL, by: OTHER_DLRN_USER, theirs: hashOf('W238'), agree: false });
  expect(disagreed!.ours).toBeNull();
  expect(disagreed!.theirStatus).toBe('missing_jobs');
  expect(disagreed!.theirReason).toMatch(/failed jobs: periodic-tripleo-ci-centos-9-scenario001-standalone-wallaby/);
  // At the second move current-tripleo held W237; nothing newer passed.
  expect(disagreed!.ourReason).toMatch(/^nothing to promote: newest candidate /);

  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stdout).toMatch(/1 agreed, 1 disagreed/);
  expect(cli.stdout).toContain(`theirs: ${hashOf('W238')} (missing_jobs): `);
  expect(cli.stdout).toMatch(/ours: {3}\(no promotion\): nothing to promote/);
  expect(json.json<ShadowReport>().records).toEqual(r.records);

  // Shadow mode wrote nothing: DLRN has exactly the other user's four new rows, artifacts stayed at the old head.
  const rowsAfter = await dlrnFor(cfg).promotionsAll({});
  expect(rowsAfter.length).toBe(rowsBefore.length + 4);
  expect(rowsAfter.slice(0, 4).map((x) => x.user)).toEqual(Array(4).fill(OTHER_DLRN_USER));
  expect(rowsAfter.slice(4)).toEqual(rowsBefore);
  expect(await registriesAgree(cfg, LABEL, hashOf(head))).toEqual([]);
  expect(qcowLink(cfg, LABEL)).toBe(hashOf(head));
  expect(qcowLink(cfg, `previous-${LABEL}`)).toBe(hashOf(rel.labels[`previous-${LABEL}`]!.at(-1)!));
});
