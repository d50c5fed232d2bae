// A small world for workflow tests of the promotion saga: DLRN label rows, registry tags per image, qcow2 links, and
// a controller hold, behind fake activities typed from the real factory. Faults are injected per activity and
// call: throw, wait for the test, or run until the activity is cancelled. Every effect is logged in `events`, so a
// test can check what happened in which order.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import type { ReleaseConfig } from '../../domain/config.js';
import { fullHash, type CommitHash } from '../../domain/hash.js';

export type FakeName =
  | 'labelHeads'
  | 'promoteDlrnLabel'
  | 'commitDlrnLabel'
  | 'verifyContainerImages'
  | 'containerTagsAt'
  | 'promoteContainerImages'
  | 'restoreContainerTags'
  | 'verifyQcowImages'
  | 'qcowLinksAt'
  | 'promoteQcowImages'
  | 'restoreQcowLinks'
  | 'checkControls';
export type FakeActivities = Pick<Activities, FakeName>;

/** Runs before (or, for `after`, right after) an activity's effect; attempt counts from 1 per activity. */
export type Fault = (attempt: number) => Promise<void> | void;

export const RELEASE = 'master';
export const DISTRO = 'centos9';
export const LABEL = 'current-tripleo';
export const CANDIDATE = 'tripleo-ci-testing';
export const IMAGES = ['openstack-nova-api', 'openstack-glance-api', 'openstack-keystone'];
export const REGISTRIES = ['source', 'quay', 'rdo'];

export function commitHash(n: number): CommitHash {
  const hex = n.toString(16).padStart(4, '0');
  return {
    kind: 'commit',
    commitHash: hex.repeat(10),
    distroHash: `d${hex}`.repeat(8),
    extendedHash: null,
    component: null,
  };
}

export const OLD = commitHash(1);
export const NEW = commitHash(2);
export const OLDER = commitHash(3);

const registry = (name: string) => ({ name, url: `${name}.example:5000`, namespace: 'tripleomaster', tlsVerify: true });

export const config = {
  release: RELEASE,
  distroName: 'centos',
  distroVersion: '9',
  distro: DISTRO,
  apiUrl: 'https://trunk.example/api-centos9-master',
  baseUrl: 'https://trunk.example/centos9-master/',
  sourceNamespace: 'tripleomaster',
  targetNamespace: 'tripleomaster',
  latestHashesCount: 10,
  allowedClients: ['registries_client', 'qcow_client', 'dlrn_client'],
  dryRun: false,
  manifestPush: false,
  ppcManifests: false,
  createPrevious: true,
  dlrnApi: { scheme: 'https' },
  promotions: [
    {
      targetLabel: LABEL,
      candidateLabel: CANDIDATE,
      criteria: ['periodic-tripleo-ci-centos-9-standalone-master'],
      alternativeCriteria: {},
      soakSeconds: 0,
      approvalRequired: false,
      windows: [],
      hold: false,
    },
  ],
  registries: { source: registry('source'), targets: [registry('quay'), registry('rdo')] },
  containers: { images: IMAGES.map((i) => i.replace('openstack-', '')), prefix: 'openstack-', exclude: [] },
  imageServer: {
    host: 'images.example',
    port: 22,
    user: 'uploader',
    root: '/var/www/html/images',
    keyFile: '/dev/null',
    images: ['overcloud-full.tar', 'overcloud-full.tar.md5'],
  },
  schedule: { intervalSeconds: 600, jitterSeconds: 0, paused: false },
  hashKind: 'commit',
  inProgressTimeoutSeconds: 86400,
  ignoredKeys: [],
  hashKindFrom: 'hash_kind',
  warnings: [],
  layers: [],
} satisfies ReleaseConfig;

const digestOf = (image: string, hash: string) => `sha256:${image}-${hash}`;

export class World {
  /** label -> full_hashes promoted to it, oldest first (one entry per DLRN promotion row). */
  readonly dlrn: Record<string, string[]>;
  /** registry -> image -> tag -> digest. */
  readonly tags: Record<string, Record<string, Record<string, string>>> = {};
  /** qcow2 label links: label -> target as stored. */
  readonly links: Record<string, string>;
  readonly qcowDirs = new Set<string>();
  hold: { by: string; why: string } | null = null;
  /** How often the DLRN step asked the controller for a hold (commitDlrnLabel's holdsOf). */
  holdsAsked = 0;
  readonly events: string[] = [];
  readonly before: Partial<Record<FakeName, Fault>> = {};
  readonly after: Partial<Record<FakeName, Fault>> = {};
  readonly attempts: Partial<Record<FakeName, number>> = {};
  readonly hashes = new Map<string, CommitHash>();

  constructor() {
    for (const h of [OLD, NEW, OLDER]) this.hashes.set(fullHash(h), h);
    const [older, old, neu] = [fullHash(OLDER), fullHash(OLD), fullHash(NEW)];
    // A long label history: the label held many hashes before OLD.
    this.dlrn = {
      [LABEL]: [...Array.from({ length: 40 }, () => older), old],
      [`previous-${LABEL}`]: [older],
      [CANDIDATE]: [older, old, neu],
    };
    for (const r of REGISTRIES) {
      this.tags[r] = {};
      for (const i of IMAGES) {
        this.tags[r][i] = { [older]: digestOf(i, older), [old]: digestOf(i, old), [LABEL]: digestOf(i, old) };
        if (r === 'source') this.tags[r][i][neu] = digestOf(i, neu);
      }
    }
    this.links = { [LABEL]: old, [`previous-${LABEL}`]: older };
    for (const h of [older, old, neu]) this.qcowDirs.add(h);
  }

  head(label: string): string | null {
    return this.dlrn[label]?.at(-1) ?? null;
  }

  /** Promotion rows DLRN holds for (label, hash). */
  rows(label: string, hash: string): number {
    return (this.dlrn[label] ?? []).filter((h) => h === hash).length;
  }

  /** "registry/image" pairs whose tag is not at the digest of hash. */
  tagsOff(tag: string, hash: string): string[] {
    return REGISTRIES.flatMap((r) =>
      IMAGES.filter((i) => this.tags[r]![i]![tag] !== digestOf(i, hash)).map((i) => `${r}/${i}`),
    );
  }

  /** Counts the attempt, runs the faults around the effect. */
  async run<T>(name: FakeName, effect: () => T | Promise<T>): Promise<T> {
    const attempt = (this.attempts[name] = (this.attempts[name] ?? 0) + 1);
    await this.before[name]?.(attempt);
    const out = await effect();
    await this.after[name]?.(attempt);
    return out;
  }

  activities(): FakeActivities {
    return fakeActivities(this);
  }
}

function fakeActivities(w: World): FakeActivities {
  return {
    labelHeads: ({ labels }) =>
      w.run('labelHeads', () =>
        labels.map((label) => {
          const h = w.head(label);
          return { label, fullHash: h, hash: h ? w.hashes.get(h)! : null, promotedAt: 1_700_000_000, user: 'ci' };
        }),
      ),
    promoteDlrnLabel: (input) =>
      w.run('promoteDlrnLabel', () => {
        const wanted = fullHash(input.hash);
        const current = w.head(input.label);
        const prevLabel = `previous-${input.label}`;
        if (current === wanted) return { promoted: false, previous: w.head(prevLabel), warnings: [] };
        if (input.createPrevious && current && w.head(prevLabel) !== current) {
          (w.dlrn[prevLabel] ??= []).push(current);
          w.events.push(`dlrn ${prevLabel} -> ${current}`);
        }
        (w.dlrn[input.label] ??= []).push(wanted);
        w.events.push(`dlrn ${input.label} -> ${wanted}`);
        return { promoted: true, previous: current, warnings: [] };
      }),
    // As activities/dlrn-promote.ts: reads (and the hold), then previous-<label> and the label in one batch.
    commitDlrnLabel: (input) =>
      w.run('commitDlrnLabel', () => {
        const wanted = fullHash(input.hash);
        const current = w.head(input.label);
        const prevLabel = `previous-${input.label}`;
        const hold = input.holdsOf ? (w.holdsAsked++, w.hold) : null;
        if (current === wanted) {
          const already = Context.current().info.attempt === 1;
          return { promoted: false, previous: w.head(prevLabel), warnings: [], head: current, already };
        }
        if (current !== input.expectedCurrent) {
          throw ApplicationFailure.create({
            type: 'LabelMovedError',
            nonRetryable: true,
            message: `${input.label} moved from ${input.expectedCurrent} to ${current} since the promotion was decided`,
          });
        }
        if (hold) return { promoted: false, previous: null, warnings: [], head: current, held: hold };
        if (input.createPrevious && current && w.head(prevLabel) !== current) {
          (w.dlrn[prevLabel] ??= []).push(current);
          w.events.push(`dlrn ${prevLabel} -> ${current}`);
        }
        (w.dlrn[input.label] ??= []).push(wanted);
        w.events.push(`dlrn ${input.label} -> ${wanted}`);
        return { promoted: true, previous: current, warnings: [], head: wanted };
      }),
    verifyContainerImages: ({ fullHash: hash, images, source }) =>
      w.run('verifyContainerImages', () => {
        const digests: Record<string, string> = {};
        const missing = images.filter((i) => !(digests[i] = w.tags[source.name]![i]![hash]!));
        if (missing.length) {
          throw ApplicationFailure.create({
            type: 'ImagesMissingError',
            nonRetryable: true,
            message: `missing ${missing.join(', ')}`,
          });
        }
        return { images: images.length, digests };
      }),
    containerTagsAt: ({ label, images, registries }) =>
      w.run('containerTagsAt', () =>
        Object.fromEntries(
          registries.map((r) => [
            r.name,
            Object.fromEntries(images.map((i) => [i, w.tags[r.name]![i]![label] ?? null])),
          ]),
        ),
      ),
    promoteContainerImages: ({ fullHash: hash, label, images, source, targets }) =>
      w.run('promoteContainerImages', () => {
        for (const i of images) {
          const digest = w.tags[source.name]![i]![hash]!;
          for (const r of [source, ...targets]) {
            w.tags[r.name]![i]![hash] = digest;
            w.tags[r.name]![i]![label] = digest;
          }
        }
        w.events.push(`containers ${label} -> ${hash}`);
        return promoted(images.length);
      }),
    restoreContainerTags: ({ label, images, source, targets, previous }) =>
      w.run('restoreContainerTags', () => {
        const restored: Record<string, string[]> = {};
        for (const r of [source, ...targets]) {
          for (const i of images) {
            const want = previous[r.name]?.[i];
            if (want === undefined) continue;
            if (want === null) delete w.tags[r.name]![i]![label];
            else if (w.tags[r.name]![i]![label] !== want) {
              w.tags[r.name]![i]![label] = want;
              (restored[r.name] ??= []).push(i);
            }
          }
        }
        w.events.push(`restore containers ${label}`);
        return { restored, removed: {}, unchanged: {}, unknown: {} };
      }),
    verifyQcowImages: ({ fullHash: hash, images }) =>
      w.run('verifyQcowImages', () => {
        if (!w.qcowDirs.has(hash)) {
          throw ApplicationFailure.create({
            type: 'QcowHashMissingError',
            nonRetryable: true,
            message: `no ${hash}`,
          });
        }
        return { hashDir: `/images/${hash}`, images };
      }),
    qcowLinksAt: ({ labels }) =>
      w.run('qcowLinksAt', () => Object.fromEntries(labels.map((l) => [l, w.links[l] ?? null]))),
    promoteQcowImages: ({ fullHash: hash, label, createPrevious }) =>
      w.run('promoteQcowImages', () => {
        const previous = { label: w.links[label] ?? null, previousLabel: w.links[`previous-${label}`] ?? null };
        if (previous.label === hash) return { changed: false, previous, now: previous };
        if (createPrevious && previous.label) w.links[`previous-${label}`] = previous.label;
        w.links[label] = hash;
        w.events.push(`qcow ${label} -> ${hash}`);
        return { changed: true, previous, now: { label: hash, previousLabel: w.links[`previous-${label}`] ?? null } };
      }),
    restoreQcowLinks: ({ label, previous }) =>
      w.run('restoreQcowLinks', () => {
        for (const [name, target] of [
          [label, previous.label],
          [`previous-${label}`, previous.previousLabel],
        ] as const) {
          if (target === null) delete w.links[name];
          else w.links[name] = target;
        }
        w.events.push(`restore qcow ${label}`);
        return { changed: true };
      }),
    checkControls: () => w.run('checkControls', () => ({ hold: w.hold })),
  };
}

function promoted(images: number) {
  return {
    images,
    resumed: 0,
    retagged: images,
    copiedManifests: images * 2,
    copiedBlobs: images * 4,
    mountedBlobs: 0,
    skippedBlobs: 0,
    bytes: images * 1000,
    digests: {},
    previous: {},
    previousUnknown: {},
  };
}

// ---- faults ------------------------------------------------------------------------------------------------------

export const fail =
  (type: string, message: string, opts: { nonRetryable?: boolean; details?: unknown[]; times?: number } = {}): Fault =>
  (attempt) => {
    if (opts.times !== undefined && attempt > opts.times) return;
    throw ApplicationFailure.create({ type, message, nonRetryable: opts.nonRetryable ?? false, details: opts.details });
  };

/** Heartbeats until the activity is cancelled, then logs `<what> stopped` a moment later and throws the cancellation. */
export const untilCancelled =
  (events: string[], what: string): Fault =>
  async () => {
    events.push(`${what} started`);
    const ctx = Context.current();
    const ticker = setInterval(() => ctx.heartbeat(), 200);
    try {
      await ctx.cancelled;
    } catch (err) {
      await new Promise((r) => setTimeout(r, 500)); // an in-flight request finishing
      events.push(`${what} stopped`);
      throw err instanceof CancelledFailure ? err : new CancelledFailure('cancelled');
    } finally {
      clearInterval(ticker);
    }
  };

/** A gate the test opens; the activity heartbeats while it waits and ignores cancellation (a POST in flight). */
export function gate(events: string[], what: string): { fault: Fault; open: () => void; reached: Promise<void> } {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  const fault: Fault = async () => {
    events.push(`${what} started`);
    reach();
    const ctx = Context.current();
    const ticker = setInterval(() => ctx.heartbeat(), 200);
    await opened;
    clearInterval(ticker);
  };
  return { fault, open, reached };
}
