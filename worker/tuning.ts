// How much the worker keeps and runs at once, sized for a fleet (50 release controllers, each with a pass, stages
// and promotions alive at the same time) on a small host. Every value can be overridden from the environment; a
// value that is not a positive integer (or duration) is refused, naming the variable.
import type { WorkerOptions } from '@temporalio/worker';
import v8 from 'node:v8';

export interface Tuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  stickyQueueScheduleToStartTimeout: string;
  workflowThreadPoolSize: number;
}

/**
 * The defaults. Cache: every live workflow of a fleet stays cached (a controller evicted between ticks replays its
 * whole history to answer the next one), plus room; the SDK's own default is sized from the heap limit (thousands),
 * far more than a fleet needs. Workflow tasks run on one thread: more in flight only queue inside the worker.
 * Activities are mostly DLRN calls waiting on the network, so many can run at once.
 */
export const DEFAULT_TUNING: Tuning = {
  maxCachedWorkflows: 400,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 100,
  stickyQueueScheduleToStartTimeout: '10s',
  workflowThreadPoolSize: 1,
};

const VARS: Record<keyof Tuning, string> = {
  maxCachedWorkflows: 'PROMOTER_MAX_CACHED_WORKFLOWS',
  maxConcurrentWorkflowTaskExecutions: 'PROMOTER_MAX_CONCURRENT_WORKFLOW_TASKS',
  maxConcurrentActivityTaskExecutions: 'PROMOTER_MAX_CONCURRENT_ACTIVITIES',
  stickyQueueScheduleToStartTimeout: 'PROMOTER_STICKY_QUEUE_TIMEOUT',
  workflowThreadPoolSize: 'PROMOTER_WORKFLOW_THREADS',
};

function positiveInt(name: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1)
    throw new Error(`${name}: expected a positive integer, got "${raw}"`);
  return Number(raw);
}

function duration(name: string, raw: string): string {
  if (!/^\d+(ms|s|m)$/.test(raw.trim())) throw new Error(`${name}: expected a duration like 10s, got "${raw}"`);
  return raw.trim();
}

const INTS = [
  'maxCachedWorkflows',
  'maxConcurrentWorkflowTaskExecutions',
  'maxConcurrentActivityTaskExecutions',
  'workflowThreadPoolSize',
] as const;

/** The tuning from the environment over the defaults. */
export function workerTuning(env: NodeJS.ProcessEnv = process.env): Tuning {
  const t = { ...DEFAULT_TUNING };
  const read = (k: keyof Tuning) => {
    const raw = env[VARS[k]];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  for (const k of INTS) {
    const raw = read(k);
    if (raw !== undefined) t[k] = positiveInt(VARS[k], raw);
  }
  const sticky = read('stickyQueueScheduleToStartTimeout');
  if (sticky !== undefined)
    t.stickyQueueScheduleToStartTimeout = duration(VARS.stickyQueueScheduleToStartTimeout, sticky);
  if (t.maxConcurrentWorkflowTaskExecutions > t.maxCachedWorkflows) {
    throw new Error(
      `${VARS.maxConcurrentWorkflowTaskExecutions}: ${t.maxConcurrentWorkflowTaskExecutions} exceeds ` +
        `${VARS.maxCachedWorkflows} (${t.maxCachedWorkflows}); a workflow task needs its workflow cached`,
    );
  }
  return t;
}

/**
 * Memory of the worker process. On the fleet bench (50 releases x 3 stages, 2 cores, 3 runs each, alternating) the
 * worker's RSS peak was 398-410 MB without the settings below and 254-259 MB with them, for the same all-done time
 * and 0.8 CPU-second more of the worker's 19.4 (mostly page faults).
 *
 * Set before Node starts (the deploy files in config/deploy/ and the benches start the worker with them):
 * - glibc's malloc: after a block of 128 KiB or more is freed, glibc raises its mmap threshold (up to 32 MiB), and
 *   from then on such buffers (the SDK core's, Node's) come from heap arenas that keep the memory after free: 103-117
 *   MB of RSS that never went back. Fixed at glibc's own 128 KiB default they are mapped and unmapped (about 500,000
 *   more page faults per fleet run).
 * - V8's young generation, in each of the worker's two threads (main: activities and the SDK; workflows): 8 MB
 *   semi-spaces instead of Node's 16 halve it (-32 MB).
 */
export const PROCESS_SETTINGS = {
  env: { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' },
  nodeOptions: ['--max-semi-space-size=8'],
} as const;

/**
 * Set by the worker on itself at start (V8 reads it at every GC, in both threads). V8 lets the old generation grow
 * to up to 4x what the last full GC kept: the main thread went from 50 to 100 MB of mostly garbage between two GCs.
 * 1.5x keeps it near 55 MB, for a few more full GCs per run.
 */
export const V8_FLAGS = ['--heap-growing-percent=50'] as const;

const flagName = (flag: string) => flag.slice(0, flag.indexOf('='));

/** Whether the command line or NODE_OPTIONS gives this flag (any value: the operator chose). */
function given(flag: string, env: NodeJS.ProcessEnv, execArgv: readonly string[]): boolean {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((f) => f.startsWith(`${flagName(flag)}=`));
}

/**
 * The PROCESS_SETTINGS this process was started without, as the deploy files write them (for one log line at start).
 * Set another way or to another value counts as set: the operator chose.
 */
export function missingProcessSettings(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): string[] {
  const missing: string[] = [];
  if (!/glibc\.malloc\.mmap_threshold=/.test(env.GLIBC_TUNABLES ?? '') && !env.MALLOC_MMAP_THRESHOLD_)
    missing.push(`GLIBC_TUNABLES=${PROCESS_SETTINGS.env.GLIBC_TUNABLES}`);
  missing.push(...PROCESS_SETTINGS.nodeOptions.filter((o) => !given(o, env, execArgv)));
  return missing;
}

/** Sets the V8_FLAGS the command line does not give; answers those it set. */
export function applyV8Flags(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
  set: (flag: string) => void = v8.setFlagsFromString,
): string[] {
  const applied = V8_FLAGS.filter((f) => !given(f, env, execArgv));
  for (const f of applied) set(f);
  return applied;
}

/** As Worker.create takes it. */
export const tuningOptions = (env: NodeJS.ProcessEnv = process.env): Partial<WorkerOptions> => ({
  ...workerTuning(env),
});
