// How much the worker keeps and runs at once, sized for a fleet (50 release controllers, each with a pass, stages
// and promotions alive at the same time) on a small host. Every value can be overridden from the environment; a
// value that is not a positive integer (or duration) is refused, naming the variable.
import type { WorkerOptions } from '@temporalio/worker';

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
 * Settings of the worker *process*, which must be in place before Node starts (so the worker cannot apply them
 * itself): the deploy files (config/deploy/) and the fleet bench start it with them. On the fleet bench (50 releases,
 * 2 cores) the worker's RSS peak was 356-393 MB without them and about 260 MB with them.
 * - glibc's malloc: after a block of 128 KiB or more is freed, glibc raises its mmap threshold (up to 32 MiB), and
 *   from then on such buffers (the SDK core's, Node's) come from heap arenas that keep the memory after free: about
 *   90 MB of RSS that never went back. Fixed at glibc's own 128 KiB default they are mapped and unmapped: about
 *   460,000 more page faults (about 1 CPU-second) per fleet run.
 * - V8's young generation, in each of the worker's two threads (main: activities and the SDK; workflows): 8 MB
 *   semi-spaces instead of Node's 16 halve it (-32 MB) for more frequent scavenges (about 1.5 s more GC per run).
 */
export const PROCESS_SETTINGS = {
  env: { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' },
  nodeOptions: ['--max-semi-space-size=8'],
} as const;

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
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const option of PROCESS_SETTINGS.nodeOptions) {
    const name = option.slice(0, option.indexOf('='));
    if (!flags.some((f) => f.startsWith(`${name}=`))) missing.push(option);
  }
  return missing;
}

/** As Worker.create takes it. */
export const tuningOptions = (env: NodeJS.ProcessEnv = process.env): Partial<WorkerOptions> => ({
  ...workerTuning(env),
});
