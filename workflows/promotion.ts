// One promotion: one hash to one label of one release/distro. Runs as its own workflow whose ID is
// promotion/<release>/<distro>/<label>/<full_hash>, so it happens once per (label, hash).
//
// The runbook: guard (label still where the decision saw it) -> verify every artifact exists -> snapshot what the
// label points at now -> containers -> qcow2 images -> guard again -> DLRN previous-<label> and <label> (last) ->
// verify all agree. Failure semantics: transient errors are retried inside each step; a step that fails for good
// before DLRN moved puts container tags and qcow links back to the snapshot (compensation) so no registry or image
// server is left ahead of DLRN. Once DLRN has moved, nothing is undone.
import {
  ApplicationFailure,
  CancellationScope,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReleaseConfig } from '../domain/config.js';
import { ErrorCode } from '../domain/errors.js';
import { fullHash as fullHashOf, type DlrnHash } from '../domain/hash.js';
import { containerImages, imageServerRef, registryRefs, type ArtifactKind } from '../domain/promotion.js';
import { containers, dlrn, images } from './activity-proxies.js';
import { promotionProgressQuery, type PromotionResult, type StepName, type StepRecord } from './contract.js';

export interface PromotionInput {
  config: ReleaseConfig;
  targetLabel: string;
  candidateLabel: string;
  hash: DlrnHash;
  /** full_hash the target held when the promotion was decided; null if it never held one. */
  expectedCurrent: string | null;
  kinds: ArtifactKind[];
  /** Why: "criteria met", or who forced it and why. */
  reason: string;
  /** Move the old hash to previous-<label> (default: the config's create_previous; a rollback says false). */
  createPrevious?: boolean;
}

/** The innermost failure: the activity's own error, not Temporal's "Activity task failed" wrapper around it. */
function rootCause(err: unknown): { message: string; type?: string } {
  let e = err as { message?: string; type?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return { message: e?.message ?? String(err), type: e?.type };
}

const STEPS: StepName[] = ['guard', 'verify-artifacts', 'snapshot', 'containers', 'images', 'dlrn', 'verify'];

export async function promotion(input: PromotionInput): Promise<PromotionResult> {
  const { config: cfg, targetLabel: label } = input;
  const hash = fullHashOf(input.hash);
  const steps: StepRecord[] = [];
  setHandler(promotionProgressQuery, () => steps);
  const has = (k: ArtifactKind) => input.kinds.includes(k);
  const regs = registryRefs(cfg);
  const allRegistries = [regs.source, ...regs.targets];
  const imageList = containerImages(cfg);
  const server = imageServerRef(cfg);
  const where = { distro: cfg.distro, release: cfg.release };
  const createPrevious = input.createPrevious ?? cfg.createPrevious;

  const step = (name: StepName, state: StepRecord['state'], note?: string) => {
    steps.push({ step: name, state, at: Date.now(), ...(note ? { note } : {}) });
    const n = STEPS.indexOf(name) + 1;
    setCurrentDetails(
      `**${hash} → ${label}** (${cfg.release}/${cfg.distro})\n\nstep ${n}/${STEPS.length}: **${name}** ${state}` +
        (note ? ` — ${note}` : ''),
    );
  };
  const labelNow = async () =>
    (await dlrn.labelHeads({ apiUrl: cfg.apiUrl, labels: [label], hashKind: input.hash.kind }))[0]!.fullHash;
  const guard = (actual: string | null) => {
    if (actual !== input.expectedCurrent) {
      throw ApplicationFailure.create({
        type: ErrorCode.LabelMoved,
        nonRetryable: true,
        message: `${label} moved from ${input.expectedCurrent ?? '(none)'} to ${actual ?? '(none)'} since the decision; stopped`,
      });
    }
  };

  step('guard', 'running');
  const before = await labelNow();
  if (before === hash) {
    step('guard', 'done', `DLRN already has ${hash} on ${label}`);
    return { fullHash: hash, label, outcome: 'already-promoted', previous: null, steps, warnings: [] };
  }
  guard(before);
  step('guard', 'done');

  step('verify-artifacts', 'running');
  await Promise.all([
    has('containers') &&
      containers.verifyContainerImages.executeWithOptions(
        { startToCloseTimeout: '10 minutes', summary: `check ${imageList.length} images tagged ${hash} exist` },
        [{ fullHash: hash, images: imageList, source: regs.source }],
      ),
    has('images') &&
      server &&
      images.verifyQcowImages({ server, ...where, fullHash: hash, images: cfg.imageServer!.images }),
  ]);
  step('verify-artifacts', 'done');

  step('snapshot', 'running');
  const [tagsBefore, linksBefore] = await Promise.all([
    has('containers') ? containers.containerTagsAt({ label, images: imageList, registries: allRegistries }) : null,
    has('images') && server ? images.qcowLinksAt({ server, ...where, labels: [label, `previous-${label}`] }) : null,
  ]);
  step('snapshot', 'done');

  const compensations: { what: string; run: () => Promise<unknown> }[] = [];
  let previous: string | null = null;
  const warnings: string[] = [];
  let current: StepName = 'containers';
  try {
    if (has('containers') && tagsBefore) {
      current = 'containers';
      step('containers', 'running', `${imageList.length} images to ${allRegistries.length} registries`);
      compensations.push({
        what: 'container tags',
        run: () =>
          containers.restoreContainerTags({
            label,
            images: imageList,
            source: regs.source,
            targets: regs.targets,
            previous: tagsBefore,
          }),
      });
      const r = await containers.promoteContainerImages.executeWithOptions(
        { startToCloseTimeout: '2 hours', heartbeatTimeout: '10s', summary: `tag ${imageList.length} images ${label}` },
        [{ fullHash: hash, label, images: imageList, source: regs.source, targets: regs.targets }],
      );
      step(
        'containers',
        'done',
        `${r.images} images (${r.resumed} resumed), ${r.copiedBlobs} blobs copied, ${r.skippedBlobs} skipped`,
      );
    } else step('containers', 'skipped');

    if (has('images') && server && linksBefore) {
      current = 'images';
      step('images', 'running');
      compensations.push({
        what: 'qcow2 links',
        run: () =>
          images.restoreQcowLinks({
            server,
            ...where,
            label,
            previous: { label: linksBefore[label] ?? null, previousLabel: linksBefore[`previous-${label}`] ?? null },
          }),
      });
      await images.promoteQcowImages({ server, ...where, fullHash: hash, label, createPrevious });
      step('images', 'done');
    } else step('images', 'skipped');

    if (has('dlrn')) {
      current = 'dlrn';
      step('dlrn', 'running', 'guard, then previous-label, then label');
      guard(await labelNow());
      const r = await dlrn.promoteDlrnLabel.executeWithOptions(
        { startToCloseTimeout: '5 minutes', heartbeatTimeout: '10s', summary: `DLRN: ${label} → ${hash}` },
        [
          {
            apiUrl: cfg.apiUrl,
            baseUrl: cfg.baseUrl,
            hash: input.hash,
            candidateLabel: input.candidateLabel,
            label,
            createPrevious,
          },
        ],
      );
      previous = r.previous;
      warnings.push(...r.warnings);
      compensations.length = 0; // DLRN moved: from here on, only forward
      step('dlrn', 'done', r.promoted ? `previous-${label} → ${r.previous ?? '(none)'}` : 'already there');
    } else step('dlrn', 'skipped');
  } catch (err) {
    const root = rootCause(err);
    step(current, 'failed', root.message);
    if (compensations.length > 0) {
      await CancellationScope.nonCancellable(async () => {
        steps.push({ step: 'compensate', state: 'running', at: Date.now() });
        for (const c of compensations.reverse()) await c.run();
        steps.push({
          step: 'compensate',
          state: 'done',
          at: Date.now(),
          note: compensations.map((c) => c.what).join(', '),
        });
      });
    }
    throw ApplicationFailure.create({
      type: root.type ?? 'PromotionFailed',
      nonRetryable: true,
      message:
        `promotion of ${hash} to ${label} failed at ${current}: ${root.message}` +
        (compensations.length > 0 ? ` (restored: ${compensations.map((c) => c.what).join(', ')})` : ''),
      cause: err as Error,
    });
  }

  step('verify', 'running');
  const problems: string[] = [];
  if (has('dlrn')) {
    const now = await labelNow();
    if (now !== hash) problems.push(`DLRN ${label} is ${now ?? '(none)'}`);
  }
  if (has('containers')) {
    const [atLabel, atHash] = await Promise.all([
      containers.containerTagsAt({ label, images: imageList, registries: allRegistries }),
      containers.containerTagsAt({ label: hash, images: imageList, registries: allRegistries }),
    ]);
    for (const [reg, tags] of Object.entries(atLabel)) {
      for (const [img, digest] of Object.entries(tags)) {
        if (!digest || digest !== atHash[reg]?.[img]) problems.push(`${reg}/${img}:${label} is ${digest ?? 'missing'}`);
      }
    }
  }
  if (has('images') && server) {
    const links = await images.qcowLinksAt({ server, ...where, labels: [label] });
    if (links[label] !== hash) problems.push(`qcow2 link ${label} -> ${links[label] ?? '(none)'}`);
  }
  if (problems.length > 0) {
    step('verify', 'failed', problems.slice(0, 5).join('; '));
    throw ApplicationFailure.create({
      type: ErrorCode.VerifyFailed,
      nonRetryable: true,
      message: `after promoting ${hash} to ${label}: ${problems.length} disagreement(s): ${problems.slice(0, 5).join('; ')}`,
    });
  }
  step('verify', 'done', `workflow ${workflowInfo().workflowId}`);
  return { fullHash: hash, label, outcome: 'promoted', previous, steps, warnings };
}
