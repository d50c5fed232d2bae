// Fakes for unit tests of the container and qcow2 activities: registry refs on one in-memory registry, a slow
// in-memory image tree for the qcow2 links, and a recorder of the heartbeats a MockActivityEnvironment sees.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ImageServerRef, QcowSftp } from '../../activities/qcow.js';
import type { RegistryRef } from '../../domain/promotion.js';
import { PromoterError, ErrorCode } from '../../domain/errors.js';
import { RegistryClient } from '../../integrations/registry.js';
import type { FakeRegistry } from './fake-registry.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function refsOn(reg: FakeRegistry, ns: string): { source: RegistryRef; target: RegistryRef } {
  return {
    source: { name: 'source', host: reg.host, namespace: `${ns}-src`, tlsVerify: false },
    target: { name: 'target', host: reg.host, namespace: `${ns}-dst`, tlsVerify: false },
  };
}

/** One client per fake registry, with fast retries so a test of persistent faults stays short. */
export function clientsFor(reg: FakeRegistry) {
  const client = new RegistryClient(
    { host: reg.host, tlsVerify: false },
    { retry: { attempts: 3, baseMs: 10, maxMs: 20 }, timeoutMs: 10_000 },
  );
  return { registryFor: () => client, close: () => client.close() };
}

export const server: ImageServerRef = { host: 'fake', port: 22, user: 'u', root: '/srv', keyFile: '/unused' };
export const QCOW_DIR = '/srv/centos9/master/rdo_trunk';

/** An image tree of hash dirs and links whose session takes connectMs to open and opMs per operation. */
export function slowTree(
  hashes: string[],
  links: Record<string, string>,
  {
    connectMs = 0,
    opMs = 0,
    failWrite,
  }: { connectMs?: number; opMs?: number; failWrite?: (path: string) => boolean } = {},
) {
  const dirs = new Set(hashes.map((h) => `${QCOW_DIR}/${h}`));
  const tree = new Map(Object.entries(links).map(([k, v]) => [`${QCOW_DIR}/${k}`, v]));
  const ops: { op: string; path: string; at: number }[] = [];
  const op = async <T>(name: string, path: string, fn: () => T): Promise<T> => {
    ops.push({ op: name, path, at: Date.now() });
    await sleep(opMs);
    return fn();
  };
  const session: QcowSftp = {
    kind: (p) => op('kind', p, () => (dirs.has(p) ? 'dir' : tree.has(p) ? 'link' : null)),
    list: (p) => op('list', p, () => ['overcloud-full.tar', 'overcloud-full.tar.md5']),
    readlink: (p) => op('readlink', p, () => tree.get(p)!),
    replaceSymlink: (p, t) =>
      op('replaceSymlink', p, () => {
        if (failWrite?.(p)) throw new PromoterError(ErrorCode.ImageServerUnavailable, `write ${p}: connection lost`);
        tree.set(p, t);
      }),
    remove: (p) => op('remove', p, () => void tree.delete(p)),
    end: async () => undefined,
  };
  const sftpFor = async () => {
    await sleep(connectMs);
    return session;
  };
  return { sftpFor, ops, link: (name: string) => tree.get(`${QCOW_DIR}/${name}`) ?? null };
}

/** Runs fn in a fresh MockActivityEnvironment; returns its result or error, the heartbeat times and details. */
export async function runWithBeats<T>(fn: (env: MockActivityEnvironment) => Promise<T>, heartbeatDetails?: unknown) {
  const env = new MockActivityEnvironment({ heartbeatDetails });
  const beats: { at: number; details: unknown }[] = [];
  env.on('heartbeat', (d: unknown) => beats.push({ at: Date.now(), details: structuredClone(d) }));
  const start = Date.now();
  let result: T | undefined;
  let error: unknown;
  try {
    result = await fn(env);
  } catch (err) {
    error = err;
  }
  const end = Date.now();
  const times = [start, ...beats.map((b) => b.at), end];
  const maxGap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  return { result, error, beats, maxGap, ms: end - start };
}
