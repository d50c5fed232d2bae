// A real worker process for crash tests: the production worker with the production activities, whose clients are
// instrumented according to CRASH_MODE so a test can kill -9 it at a chosen point:
//   slow-containers      registry writes take 400 ms each, so the container step lasts long enough to be killed
//   die-after-dlrn       the process SIGKILLs itself right after DLRN answered its CRASH_DLRN_CALL-th promote
//                        (default 1; once, marker file)
//   hang-before-dlrn     DLRN promotes never start (the test kills the worker while it waits)
//   slow-qcow            every SFTP operation of promoteQcowImages takes 1 s, so the qcow2 step can be killed
import { existsSync, writeFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { createActivities, defaultDeps } from '../../activities/index.js';
import { runWorker } from '../../worker/main.js';

const mode = process.env.CRASH_MODE ?? '';
const dieAfterCall = Number(process.env.CRASH_DLRN_CALL ?? '1');
let dlrnCalls = 0;
const marker = process.env.CRASH_MARKER ?? '/tmp/rdo-promoter-crash-marker';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wraps the named async methods of obj. */
function around<T extends object>(
  obj: T,
  names: string[],
  wrap: (call: () => Promise<unknown>) => Promise<unknown>,
): T {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || !names.includes(String(prop))) return v;
      return (...args: unknown[]) => wrap(() => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

const deps = defaultDeps();
const dlrnPromotes = ['promote', 'promoteBatch'];
if (mode === 'slow-containers') {
  const base = deps.registryFor;
  deps.registryFor = (ref) =>
    around(base(ref), ['putManifest'], async (call) => {
      await sleep(400);
      return call();
    });
} else if (mode === 'slow-qcow') {
  const base = deps.sftpFor;
  deps.sftpFor = async (server) => {
    const session = await base(server);
    if (Context.current().info.activityType !== 'promoteQcowImages') return session;
    return around(session, ['kind', 'readlink', 'replaceSymlink', 'remove'], async (call) => {
      await sleep(1_000);
      return call();
    });
  };
} else if (mode === 'die-after-dlrn' || mode === 'hang-before-dlrn') {
  const base = deps.dlrnFor;
  deps.dlrnFor = (url) =>
    around(base(url), dlrnPromotes, async (call) => {
      if (mode === 'hang-before-dlrn') {
        writeFileSync(marker, 'waiting');
        await new Promise(() => {});
      }
      const res = await call();
      if (++dlrnCalls === dieAfterCall && !existsSync(marker)) {
        writeFileSync(marker, 'dlrn answered');
        process.kill(process.pid, 'SIGKILL');
      }
      return res;
    });
}

// Heartbeats reach the server every 200 ms, so the test sees progress and kills the worker mid-step.
const bundle = process.env.WORKFLOW_BUNDLE_PATH;
runWorker(createActivities(deps), {
  maxHeartbeatThrottleInterval: '200ms',
  ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
}).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
