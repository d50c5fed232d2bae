// TLS to Temporal with the standard TEMPORAL_TLS_* variables (read by @temporalio/envconfig): the worker and the CLI
// reach the test stack's Temporal only through a TLS-terminating proxy that requires a client certificate (mutual
// TLS, as a production cluster is set up). A wrong CA fails the CLI with an error that says so.
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { releaseWorkflowId } from '../../domain/promotion.js';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { runCli } from '../helpers/cli-runner.js';
import { testStack } from '../helpers/stack.js';
import { makePki, startTlsProxy, type Pki, type TlsProxy } from '../helpers/tls-proxy.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';

// A release of its own (same DLRN as wallaby), so its controller meets no other file's.
const RELEASE = 'wallaby-tls';
const CONTROLLER = releaseWorkflowId(RELEASE, 'centos9');
const file = join(tmpdir(), `${RELEASE}-${randomUUID()}.yaml`);
const taskQueue = `tls-${randomUUID()}`;
let pki: Pki;
let proxy: TlsProxy;
let plain: Client;
let worker: WorkerProcess | undefined;

const tlsEnv = (ca: string) => ({
  TEMPORAL_ADDRESS: proxy.address,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
  TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
  TEMPORAL_TLS_SERVER_NAME: 'localhost',
  TEMPORAL_TASK_QUEUE: taskQueue,
});

beforeAll(async () => {
  const wallaby = readFileSync(join(ROOT, 'config', 'sandbox', 'wallaby.yaml'), 'utf8');
  writeFileSync(file, wallaby.replace(/^release: wallaby$/m, `release: ${RELEASE}`));
  pki = makePki();
  proxy = await startTlsProxy(pki, testStack().temporalAddress);
  plain = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
});
afterAll(async () => {
  await worker?.kill9();
  await plain?.workflow
    .getHandle(CONTROLLER)
    .terminate('test done')
    .catch(() => undefined);
  await plain?.connection.close();
  await proxy?.close();
  rmSync(file, { force: true });
});

it('the worker polls and `promoter status` answers through TLS; a wrong CA fails with a certificate error', async () => {
  worker = await startWorkerProcess(taskQueue, tlsEnv(pki.ca));
  const workerHandshakes = proxy.handshakes;
  expect(workerHandshakes).toBeGreaterThan(0);
  // The controller runs on the TLS worker (the only poller of its task queue); status queries it through TLS.
  await plain.workflow
    .getHandle(CONTROLLER)
    .terminate('test start')
    .catch(() => undefined);
  await plain.workflow.start('releaseController', {
    workflowId: CONTROLLER,
    taskQueue,
    args: [{ release: RELEASE, distro: 'centos9' }],
  });
  const ok = await runCli(['status', '-c', file, '--json'], tlsEnv(pki.ca), 60_000);
  expect(ok.code, ok.stderr).toBe(0);
  const rel = ok.json<{ releases: { controller: { state: string; address: string } }[] }>().releases[0]!;
  expect(rel.controller).toMatchObject({ state: 'running', address: proxy.address });
  expect(proxy.handshakes).toBeGreaterThan(workerHandshakes);

  const bad = await runCli(['status', '-c', file], tlsEnv(pki.otherCa), 60_000);
  console.log(`status over TLS: exit ${ok.code} in ${ok.ms} ms; wrong CA: exit ${bad.code} in ${bad.ms} ms`);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(proxy.address);
  expect(bad.stderr).toMatch(/certificate|UnknownIssuer|TLS/i);
});
