// A fake world for workflow tests of the controller: DLRN promotion rows and votes, registry tags and qcow2 links in
// memory, and fake activities over them typed from the real factory. Faults can be injected per activity (a
// transient failure is retried by Temporal; a terminal one is what DLRN's 403 looks like). Release files are real
// files in a temp config dir, read by the real loadReleaseConfig activity.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfigActivities } from '../../activities/config.js';
import type { Activities } from '../../activities/index.js';
import type { JobVote, PromotionRecord } from '../../domain/engine.js';
import { ErrorCode } from '../../domain/errors.js';
import { fullHash, hashFromPromotion, makeCommitHash, type DlrnHash } from '../../domain/hash.js';
import { decideOn } from '../../activities/decide.js';
import type { ReleaseConfig } from '../../domain/config.js';

export const CHAIN = ['tripleo-ci-testing', 'current-tripleo', 'current-tripleo-rdo'] as const;
export const JOB = (label: string) => `periodic-${label}-job`;
const IMAGES = ['nova-api', 'keystone'];

export interface ReleaseFileOptions {
  soak?: Partial<Record<string, string>>;
  approval?: string[];
  kinds?: string;
}

export function releaseYaml(release: string, o: ReleaseFileOptions = {}): string {
  const promos = CHAIN.map((label, i) => {
    const lines = [
      `  ${label}:`,
      `    candidate_label: ${i === 0 ? 'consistent' : CHAIN[i - 1]}`,
      `    criteria:`,
      `      - ${JOB(label)}`,
    ];
    if (o.soak?.[label]) lines.push(`    soak_time: ${o.soak[label]}`);
    if (o.approval?.includes(label)) lines.push('    approval_required: true');
    return lines.join('\n');
  }).join('\n');
  return `release: ${release}
distro_name: centos
distro_version: 9
api_url: http://dlrn.invalid/api-${release}
base_url: http://dlrn.invalid/repos/
source_namespace: src
target_namespace: dst
latest_hashes_count: 20
allowed_clients: ${o.kinds ?? 'registries_client,qcow_client,dlrn_client'}
dry_run: false
hash_kind: commit
promotions:
${promos}
registries:
  source:
    url: source.invalid
    tls_verify: false
  targets:
    - name: target
      url: target.invalid
      tls_verify: false
containers:
  prefix: openstack-
  images:
${IMAGES.map((i) => `    - ${i}`).join('\n')}
image_server:
  host: images.invalid
  port: 22
  user: promoter
  root: /var/www/images
schedule:
  interval: 10m
`;
}

interface Row extends PromotionRecord {
  hash: DlrnHash;
}

export type Fault = 'transient' | 'terminal';

export class FakeWorld {
  readonly configDir = mkdtempSync(join(tmpdir(), 'promoter-config-'));
  private readonly config = createConfigActivities(this.configDir);
  rows: Row[] = [];
  votes: Record<string, JobVote[]> = {};
  /** "<registry>/<image>:<tag>" -> digest */
  tags = new Map<string, string>();
  /** "<release>:<label>" -> full_hash */
  links = new Map<string, string>();
  /** Faults to inject, consumed in order, per activity name. */
  faults = new Map<string, Fault[]>();
  /** Every promote POST DLRN received (label, full_hash, the promotion workflow run that sent it). */
  posts: { label: string; fullHash: string; runId: string }[] = [];
  private clock = 1_700_000_000;
  hashes: DlrnHash[] = [];

  writeRelease(release: string, o?: ReleaseFileOptions): string {
    const file = join(this.configDir, `${release}.yaml`);
    writeFileSync(file, releaseYaml(release, o));
    return file;
  }

  /** A new hash on `consistent` with its images built, optionally passing the jobs of some labels. */
  build(passing: string[] = [], at = (this.clock += 60)): DlrnHash {
    const n = this.hashes.length + 1;
    const hex = (c: string) => (n.toString(16).padStart(4, '0') + c.repeat(36)).slice(0, 40);
    const hash = makeCommitHash({ commitHash: hex('a'), distroHash: hex('d') });
    this.hashes.push(hash);
    this.promote('consistent', hash, at);
    for (const img of IMAGES)
      this.tags.set(`source/openstack-${img}:${fullHash(hash)}`, `sha256:${fullHash(hash)}-${img}`);
    for (const label of passing) this.vote(hash, label, true, at + 1);
    return hash;
  }

  vote(hash: DlrnHash, label: string, success: boolean, at = (this.clock += 1)): void {
    const list = (this.votes[fullHash(hash)] ??= []);
    list.push({ job_id: JOB(label), success, in_progress: false, timestamp: at });
  }

  promote(label: string, hash: DlrnHash, at = (this.clock += 1)): void {
    this.rows.unshift({
      hash,
      commit_hash: hash.kind === 'commit' ? hash.commitHash : null,
      distro_hash: hash.kind === 'commit' ? hash.distroHash : null,
      extended_hash: null,
      aggregate_hash: null,
      component: null,
      promote_name: label,
      timestamp: at,
    });
  }

  head(label: string): Row | null {
    return this.rows.find((r) => r.promote_name === label) ?? null;
  }

  private fault(name: string): void {
    const f = this.faults.get(name)?.shift();
    if (!f) return;
    if (f === 'transient')
      throw ApplicationFailure.retryable(`injected transient failure of ${name}`, 'InjectedTransient');
    throw ApplicationFailure.nonRetryable(`DLRN refused (injected) in ${name}: 403 forbidden`, ErrorCode.DlrnForbidden);
  }

  /** Disagreements between DLRN and the artifacts, for labels DLRN has moved (at rest). */
  disagreements(release: string): string[] {
    const out: string[] = [];
    for (const label of CHAIN) {
      const h = this.head(label);
      if (!h) continue;
      const fh = fullHash(h.hash);
      for (const reg of ['source', 'target']) {
        for (const img of IMAGES) {
          const d = this.tags.get(`${reg}/openstack-${img}:${label}`);
          if (d !== `sha256:${fh}-${img}`) out.push(`${reg}/${img}:${label} is ${d ?? 'missing'}, DLRN ${fh}`);
        }
      }
      const link = this.links.get(`${release}:${label}`);
      if (link !== fh) out.push(`qcow2 ${label} -> ${link ?? 'none'}, DLRN ${fh}`);
    }
    return out;
  }

  activities(extra: Partial<Activities> = {}): Partial<Activities> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the fakes are plain functions a Worker calls unbound
    const w = this;
    const runId = () => Context.current().info.workflowExecution?.runId ?? '';
    const acts: Partial<Activities> = {
      loadReleaseConfig: (ref) => w.config.loadReleaseConfig(ref),
      recoverControls: async () => null,
      checkControls: async () => ({ hold: null }),
      signalController: async () => ({ workflowId: '', runId: '' }),
      async labelHeads({ labels }) {
        w.fault('labelHeads');
        return labels.map((label) => {
          const h = w.head(label);
          return {
            label,
            fullHash: h ? fullHash(h.hash) : null,
            hash: h?.hash ?? null,
            promotedAt: h?.timestamp ?? null,
            user: h ? 'promoter' : null,
          };
        });
      },
      async gatherCandidates({ candidateLabel, targetLabel, lookBack }) {
        w.fault('gatherCandidates');
        const strip = ({ hash: _h, ...r }: Row): PromotionRecord => r;
        const candidatePromotions = w.rows
          .filter((r) => r.promote_name === candidateLabel)
          .slice(0, lookBack)
          .map(strip);
        const targetHistory = w.rows.filter((r) => r.promote_name === targetLabel).map(strip);
        const votes: Record<string, JobVote[]> = {};
        for (const r of w.rows.filter((x) => x.promote_name === candidateLabel)) {
          votes[fullHash(r.hash)] = w.votes[fullHash(r.hash)] ?? [];
        }
        const candidateSince: Record<string, number> = {};
        for (const r of [...candidatePromotions].reverse()) {
          candidateSince[fullHash(hashFromPromotion(r))] ??= r.timestamp;
        }
        return { candidatePromotions, targetHistory, votes, candidateSince, unresolved: {} };
      },
      // The real engine over the fake gather (through acts, so a test's slowed or faulty gather applies).
      decideStage: async (input) => decideOn(input, await acts.gatherCandidates!(input)),
      async promoteDlrnLabel({ hash, label, createPrevious }) {
        w.fault('promoteDlrnLabel');
        const wanted = fullHash(hash);
        const before = w.head(label);
        if (before && fullHash(before.hash) === wanted) return { promoted: false, previous: null, warnings: [] };
        if (createPrevious && before) w.promote(`previous-${label}`, before.hash);
        w.posts.push({ label, fullHash: wanted, runId: runId() });
        w.promote(label, hash);
        return { promoted: true, previous: before ? fullHash(before.hash) : null, warnings: [] };
      },
      // The guarded commit: the guard and the hold (none here, as checkControls) with the reads, then one batch.
      async commitDlrnLabel({ hash, label, createPrevious, expectedCurrent }) {
        w.fault('commitDlrnLabel');
        const wanted = fullHash(hash);
        const before = w.head(label);
        const current = before ? fullHash(before.hash) : null;
        if (current === wanted) {
          const already = Context.current().info.attempt === 1;
          return { promoted: false, previous: null, warnings: [], head: current, already };
        }
        if (current !== expectedCurrent) {
          throw ApplicationFailure.nonRetryable(
            `${label} moved from ${expectedCurrent} to ${current}`,
            'LabelMovedError',
          );
        }
        if (createPrevious && before) w.promote(`previous-${label}`, before.hash);
        w.posts.push({ label, fullHash: wanted, runId: runId() });
        w.promote(label, hash);
        return { promoted: true, previous: current, warnings: [], head: wanted };
      },
      async verifyContainerImages({ fullHash: fh, images }) {
        w.fault('verifyContainerImages');
        const digests = Object.fromEntries(images.map((i) => [i, w.tags.get(`source/${i}:${fh}`) ?? '']));
        return { images: images.length, digests };
      },
      async containerTagsAt({ label, images, registries }) {
        return Object.fromEntries(
          registries.map((r) => [
            r.name,
            Object.fromEntries(images.map((i) => [i, w.tags.get(`${r.name}/${i}:${label}`) ?? null])),
          ]),
        );
      },
      async promoteContainerImages({ fullHash: fh, label, images, targets }) {
        w.fault('promoteContainerImages');
        for (const i of images) {
          const d = w.tags.get(`source/${i}:${fh}`)!;
          w.tags.set(`source/${i}:${label}`, d);
          for (const t of targets) {
            w.tags.set(`${t.name}/${i}:${fh}`, d);
            w.tags.set(`${t.name}/${i}:${label}`, d);
          }
        }
        return {
          images: images.length,
          resumed: 0,
          retagged: images.length,
          copiedManifests: images.length,
          copiedBlobs: 0,
          skippedBlobs: 0,
          mountedBlobs: 0,
        } as Awaited<ReturnType<Activities['promoteContainerImages']>>;
      },
      async restoreContainerTags({ label, images, previous }) {
        w.fault('restoreContainerTags');
        for (const [reg, m] of Object.entries(previous)) {
          for (const i of images) {
            const d = m[i];
            if (d) w.tags.set(`${reg}/${i}:${label}`, d);
            else w.tags.delete(`${reg}/${i}:${label}`);
          }
        }
        return { restored: {}, removed: {}, unchanged: {}, unknown: {} } as Awaited<
          ReturnType<Activities['restoreContainerTags']>
        >;
      },
      async verifyQcowImages({ images }) {
        w.fault('verifyQcowImages');
        return { images: images.length } as unknown as Awaited<ReturnType<Activities['verifyQcowImages']>>;
      },
      async qcowLinksAt({ release, labels }) {
        return Object.fromEntries(labels.map((l) => [l, w.links.get(`${release}:${l}`) ?? null]));
      },
      async promoteQcowImages({ release, fullHash: fh, label, createPrevious }) {
        w.fault('promoteQcowImages');
        const old = w.links.get(`${release}:${label}`);
        if (createPrevious && old && old !== fh) w.links.set(`${release}:previous-${label}`, old);
        w.links.set(`${release}:${label}`, fh);
        return undefined as unknown as Awaited<ReturnType<Activities['promoteQcowImages']>>;
      },
      async restoreQcowLinks({ release, label, previous }) {
        w.fault('restoreQcowLinks');
        const put = (l: string, v: string | null) =>
          v ? w.links.set(`${release}:${l}`, v) : w.links.delete(`${release}:${l}`);
        put(label, previous.label);
        put(`previous-${label}`, previous.previousLabel);
        return undefined as unknown as Awaited<ReturnType<Activities['restoreQcowLinks']>>;
      },
      ...extra,
    };
    return acts;
  }
}

export const cfgOf = (w: FakeWorld, release: string): Promise<ReleaseConfig> =>
  createConfigActivities(w.configDir)
    .loadReleaseConfig({ release, distro: 'centos9' })
    .then((r) => r.config);
