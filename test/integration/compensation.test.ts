// Failure semantics: a promotion whose DLRN step fails for good after the artifacts moved puts the registry tags and
// qcow2 links back to what they were, so no registry or image server is left ahead of DLRN.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DlrnClient } from '../../integrations/dlrn.js';
import { ErrorCode, PromoterError } from '../../domain/errors.js';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { promoteRelease } from '../../workflows/index.js';
import type { StageResult } from '../../workflows/contract.js';
import { dlrnHeads, freshRelease, qcowLink, registriesAgree, sandboxConfig } from '../helpers/sandbox-state.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';
import { defaultDeps } from '../../activities/index.js';

const cfg = sandboxConfig('wallaby');
let h: TemporalHarness;
let rel: SandboxRelease;

beforeAll(async () => {
  h = await temporalHarness();
  rel = await freshRelease(h.client, 'wallaby');
});
afterAll(async () => h?.close());

/** The real DLRN client, except that every promote is refused as DLRN refuses a reserved label. */
function refusingDlrn(): (apiUrl: string) => DlrnClient {
  const real = defaultDeps().dlrnFor;
  return (apiUrl) =>
    new Proxy(real(apiUrl), {
      get(target, prop, receiver) {
        if (prop === 'promote' || prop === 'promoteBatch') {
          return async () => {
            throw new PromoterError(ErrorCode.DlrnForbidden, 'Invalid promote_name (injected by the test)');
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
}

it('a DLRN refusal after containers and qcow2 moved restores both, and DLRN stays where it was', async () => {
  const label = 'current-tripleo';
  const before = buildByKey(rel, rel.labels[label]!.at(-1)!).fullHash;
  const previous = buildByKey(rel, rel.labels[`previous-${label}`]!.at(-1)!).fullHash;
  const candidate = buildByKey(rel, rel.expected[label]!).fullHash;
  const pass = await h.withWorker(
    () =>
      h.client.workflow.execute(promoteRelease, {
        taskQueue: h.taskQueue,
        workflowId: `${releaseWorkflowId(cfg.release, cfg.distro)}/compensation-${Date.now()}`,
        args: [{ config: cfg, labels: [label] }],
      }),
    { dlrnFor: refusingDlrn() },
  );
  const st = pass.stages[0] as StageResult;
  // A 403 on the promote is a terminal refusal: the artifacts are put back, the stage remembers the hash as refused
  // and falls back to the next passing candidate (none here: the next ones miss jobs).
  expect(
    st.refusals?.map((r) => r.fullHash),
    st.reason,
  ).toEqual([candidate]);
  expect(st.outcome, st.reason).toBe('nothing-to-promote');
  expect(st.promotion?.outcome).toBe('refused');
  expect(st.promotion?.error).toMatchObject({ step: 'dlrn', message: expect.stringMatching(/Invalid promote_name/) });
  expect(st.promotion?.restored).toEqual(['qcow2 links', expect.stringMatching(/^container tags \(\d+\)$/)]);
  expect(st.promotion?.leftAhead).toEqual([]);
  expect(await dlrnHeads(cfg, [label, `previous-${label}`])).toEqual({
    [label]: before,
    [`previous-${label}`]: previous,
  });
  expect(await registriesAgree(cfg, label, before)).toEqual([]);
  expect(qcowLink(cfg, label)).toBe(before);
  expect(qcowLink(cfg, `previous-${label}`)).toBe(previous);
});
