// A workflow on the real Temporal dev server whose activity reads the real DLRN API (sandbox data).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode } from '../../domain/errors.js';
import { DlrnClient } from '../../integrations/dlrn.js';
import { buildByKey, DISTRO, sandboxModel } from '../../scripts/sandbox/model.js';
import { labelReport } from '../../workflows/index.js';
import { freshRelease } from '../helpers/sandbox-state.js';
import { testStack } from '../helpers/stack.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

const stack = testStack();
const model = sandboxModel((r) => `${stack.env.DLRN_REPO_URL}/${DISTRO}-${r}`);
const dlrn = (url: string) => new DlrnClient({ baseUrl: url, ...stack.dlrnAuth });
let h: TemporalHarness;

beforeAll(async () => {
  h = await temporalHarness();
  // Other files move the sandbox's labels: start from the model's state.
  for (const rel of model) await freshRelease(h.client, rel.release);
});
afterAll(async () => h?.close());

describe.each(model.map((rel) => [rel.release, rel] as const))('labelReport %s', (release, rel) => {
  // `consistent` is a repo-tree symlink, not a promotion row: real DLRN has no head for it.
  const labels = ['tripleo-ci-testing', 'current-tripleo', 'current-tripleo-rdo', 'consistent', 'never-promoted'];

  it('reports the hash each label points at, read through the DLRN API', async () => {
    const apiUrl = stack.dlrnUrl(release as 'master' | 'wallaby');
    const report = await h.withWorker(
      () =>
        h.client.workflow.execute(labelReport, {
          taskQueue: h.taskQueue,
          workflowId: `test-label-report-${release}-${Date.now()}`,
          args: [{ release, distro: DISTRO, apiUrl, labels }],
        }),
      { dlrnFor: dlrn },
    );
    const heads = Object.fromEntries(report.heads.map((x) => [x.label, x.fullHash]));
    for (const label of labels.slice(0, 3)) {
      expect(heads[label], label).toBe(buildByKey(rel, rel.labels[label]!.at(-1)!).fullHash);
    }
    expect(heads['consistent']).toBeNull();
    expect(heads['never-promoted']).toBeNull();
    const kinds = new Set(report.heads.filter((x) => x.hash).map((x) => x.hash!.kind));
    expect([...kinds]).toEqual([rel.useComponents ? 'aggregate' : 'commit']);
  });
});

it('fails at once, without retries, when DLRN answers with a malformed body', async () => {
  // A stand-in HTTP server that answers every request with a body that is not a list of promotions.
  const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"x":1}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const run = h.withWorker(
      () =>
        h.client.workflow.execute(labelReport, {
          taskQueue: h.taskQueue,
          workflowId: `test-label-report-malformed-${Date.now()}`,
          args: [{ release: 'master', distro: DISTRO, apiUrl, labels: ['current-tripleo'] }],
        }),
      { dlrnFor: dlrn },
    );
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ActivityFailure;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect((cause.cause as ApplicationFailure).type).toBe(ErrorCode.DlrnMalformedResponse);
    expect((cause.cause as ApplicationFailure).nonRetryable).toBe(true);
  } finally {
    server.close();
  }
});
