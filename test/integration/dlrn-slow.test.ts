// DLRN's promote is not idempotent (every POST inserts a row), so a slow DLRN must not make the promoter POST twice.
// The fault proxy holds every promote POST 15 s before DLRN sees it, longer than the promote activity's 15 s
// heartbeat timeout; the real promotion workflow runs the real activity under a real worker with its production
// timeouts. DLRN must end with exactly one row per (label, hash).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stageOrder } from '../../domain/config.js';
import { hashFromPromotion } from '../../domain/hash.js';
import { promotionWorkflowId } from '../../domain/promotion.js';
import { buildByKey, type SandboxRelease } from '../../scripts/sandbox/model.js';
import { promotion } from '../../workflows/index.js';
import { faultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { dlrnHeads, freshRelease, promotionCount, sandboxConfig } from '../helpers/sandbox-state.js';
import { temporalHarness, type TemporalHarness } from '../helpers/temporal.js';

const cfg = sandboxConfig('wallaby');
const LABEL = stageOrder(cfg)[0]!;
const CANDIDATE = cfg.promotions.find((p) => p.targetLabel === LABEL)!.candidateLabel;
let h: TemporalHarness;
let rel: SandboxRelease;
let proxy: FaultProxy;

beforeAll(async () => {
  h = await temporalHarness();
  rel = await freshRelease(h.client, 'wallaby');
  proxy = await faultProxy(cfg.apiUrl, { slow: { method: 'POST', path: /^\/api\/promote(-batch)?$/, ms: 15_000 } });
});
afterAll(async () => {
  await proxy?.close();
  await h?.close();
});

it('a promote slower than the heartbeat timeout lands once per label', { timeout: 120_000 }, async () => {
  // From where the model has the label to where one pass takes it.
  const [was, next] = [buildByKey(rel, rel.labels[LABEL]!.at(-1)!), buildByKey(rel, rel.expected[LABEL]!)];
  const hash = hashFromPromotion(next.commits[0]!);
  const started = Date.now();
  const result = await h.withWorker(() =>
    h.client.workflow.execute(promotion, {
      taskQueue: h.taskQueue,
      workflowId: `${promotionWorkflowId(cfg.release, cfg.distro, LABEL, next.fullHash)}/slow-${Date.now()}`,
      args: [
        {
          config: { ...cfg, apiUrl: proxy.url },
          targetLabel: LABEL,
          candidateLabel: CANDIDATE,
          hash,
          expectedCurrent: was.fullHash,
          kinds: ['dlrn'],
          reason: 'slow DLRN test',
          createPrevious: true,
        },
      ],
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  expect(result.outcome).toBe('promoted');
  expect(await dlrnHeads(cfg, [LABEL, `previous-${LABEL}`])).toEqual({
    [LABEL]: next.fullHash,
    [`previous-${LABEL}`]: was.fullHash,
  });
  expect({
    label: await promotionCount(cfg, LABEL, hash),
    previous: await promotionCount(cfg, `previous-${LABEL}`, hashFromPromotion(was.commits[0]!)),
    posts: proxy.counts().forwarded['POST /api/promote-batch'],
    single: proxy.counts().forwarded['POST /api/promote'],
  }).toEqual({ label: 1, previous: 1, posts: 1, single: undefined }); // previous-<label> and the label in one batch
  expect(seconds).toBeGreaterThan(15); // the POST really took 15 s
});
