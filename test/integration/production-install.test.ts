// A production install from a clean copy: the repository's files plus the build's dist/ (what a build stage hands
// over), `npm ci --omit=dev` (no tsx, no TypeScript), then the `promoter` executable and the worker both start; the
// worker loads the prebuilt workflow bundle (NODE_ENV=production never bundles at start) and polls the test stack.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { ensureBuild } from '../helpers/build.js';
import { testStack } from '../helpers/stack.js';

let dir: string;
let client: Client;
beforeAll(async () => {
  ensureBuild();
  client = new Client({ connection: await Connection.connect({ address: testStack().temporalAddress }) });
});
afterAll(async () => {
  await client?.connection.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The checkout's files (tracked and new, not ignored) and dist/, copied to a fresh directory. */
function cleanCopy(): string {
  const to = mkdtempSync(join(tmpdir(), 'prod-install-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const f of files.split('\0').filter((f) => f && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    cpSync(join(ROOT, f), join(to, f));
  }
  cpSync(join(ROOT, 'dist'), join(to, 'dist'), { recursive: true });
  return to;
}

it('after npm ci --omit=dev in a clean copy, `promoter --help` runs and the worker polls from the prebuilt bundle', async () => {
  const t0 = Date.now();
  dir = cleanCopy();
  await promisify(execFile)(
    'npm',
    ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: dir,
    },
  );
  const installMs = Date.now() - t0;
  expect(existsSync(join(dir, 'node_modules', '@temporalio', 'worker'))).toBe(true);
  expect(existsSync(join(dir, 'node_modules', 'tsx')), 'a dev dependency was installed').toBe(false);
  expect(existsSync(join(dir, 'node_modules', 'typescript'))).toBe(false);

  const help = spawnSync(process.execPath, [join(dir, 'bin', 'promoter.js'), '--help'], { cwd: dir, encoding: 'utf8' });
  expect(help.status, help.stderr).toBe(0);
  expect(help.stdout).toMatch(/^Usage: promoter/);

  const taskQueue = `prod-install-${Date.now()}`;
  const worker = spawn(process.execPath, [join(dir, 'dist', 'worker', 'main.js')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      ...testStack().env,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: testStack().temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PROMOTER_LOG_LEVEL: 'INFO',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
  try {
    const end = Date.now() + 30_000;
    let pollers: temporal.api.taskqueue.v1.IPollerInfo[] = [];
    while (Date.now() < end && !pollers.some((p) => p.identity?.startsWith(`${worker.pid}@`))) {
      if (worker.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
      const res = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      pollers = res.pollers ?? [];
    }
    expect(
      pollers.some((p) => p.identity?.startsWith(`${worker.pid}@`)),
      `no poller ${worker.pid}@…:\n${output}`,
    ).toBe(true);
    expect(output).toContain(`workflows: prebuilt bundle ${join(dir, 'dist', 'workflow-bundle.js')}`);
    worker.kill('SIGTERM');
    expect(await exited, output).toBe(0);
  } finally {
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  console.log(`production install: npm ci --omit=dev ${installMs} ms, all ${Date.now() - t0} ms`);
}, 240_000); // about 30 s on an idle 2-core machine; npm ci is most of it
