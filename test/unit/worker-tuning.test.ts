import { describe, expect, it } from 'vitest';
import {
  applyV8Flags,
  DEFAULT_TUNING,
  missingProcessSettings,
  PROCESS_SETTINGS,
  workerTuning,
} from '../../worker/tuning.js';

describe('worker tuning', () => {
  it('keeps a 50-release fleet cached: every controller, pass, stage and promotion alive at once fits', () => {
    const liveAtOnce = 50 * (1 + 1 + 3 + 3);
    expect(workerTuning({}).maxCachedWorkflows).toBeGreaterThanOrEqual(liveAtOnce);
  });

  it('takes each value from its variable', () => {
    expect(
      workerTuning({
        PROMOTER_MAX_CACHED_WORKFLOWS: '50',
        PROMOTER_MAX_CONCURRENT_WORKFLOW_TASKS: '4',
        PROMOTER_MAX_CONCURRENT_ACTIVITIES: '16',
        PROMOTER_STICKY_QUEUE_TIMEOUT: '2s',
        PROMOTER_WORKFLOW_THREADS: '2',
      }),
    ).toEqual({
      maxCachedWorkflows: 50,
      maxConcurrentWorkflowTaskExecutions: 4,
      maxConcurrentActivityTaskExecutions: 16,
      stickyQueueScheduleToStartTimeout: '2s',
      workflowThreadPoolSize: 2,
    });
    expect(workerTuning({ PROMOTER_MAX_CACHED_WORKFLOWS: '' })).toEqual(DEFAULT_TUNING);
  });

  it.each([
    ['PROMOTER_MAX_CACHED_WORKFLOWS', 'lots', /PROMOTER_MAX_CACHED_WORKFLOWS: expected a positive integer, got "lots"/],
    ['PROMOTER_MAX_CONCURRENT_ACTIVITIES', '0', /PROMOTER_MAX_CONCURRENT_ACTIVITIES: expected a positive integer/],
    ['PROMOTER_MAX_CONCURRENT_WORKFLOW_TASKS', '-3', /PROMOTER_MAX_CONCURRENT_WORKFLOW_TASKS: expected a positive/],
    ['PROMOTER_STICKY_QUEUE_TIMEOUT', '10', /PROMOTER_STICKY_QUEUE_TIMEOUT: expected a duration like 10s/],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => workerTuning({ [name]: value })).toThrow(message);
  });

  it('refuses more workflow tasks in flight than cached workflows (the SDK would silently lower it)', () => {
    expect(() =>
      workerTuning({ PROMOTER_MAX_CACHED_WORKFLOWS: '10', PROMOTER_MAX_CONCURRENT_WORKFLOW_TASKS: '20' }),
    ).toThrow(/PROMOTER_MAX_CONCURRENT_WORKFLOW_TASKS: 20 exceeds PROMOTER_MAX_CACHED_WORKFLOWS \(10\)/);
  });
});

describe('worker process settings', () => {
  it('names what the process was started without (deploy files set both)', () => {
    expect(missingProcessSettings({}, [])).toEqual([
      'GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072',
      '--max-semi-space-size=8',
    ]);
    expect(
      missingProcessSettings(
        { ...PROCESS_SETTINGS.env, NODE_OPTIONS: '--max-old-space-size=768 --max-semi-space-size=8' },
        [],
      ),
    ).toEqual([]);
    // Set another way or to another value: the operator chose, nothing is missing.
    expect(
      missingProcessSettings({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=262144' }, [
        '--max-semi-space-size=4',
      ]),
    ).toEqual([]);
    expect(missingProcessSettings({ MALLOC_MMAP_THRESHOLD_: '131072' }, [])).toEqual(['--max-semi-space-size=8']);
  });
});

describe('V8 flags the worker sets on itself', () => {
  it('sets each flag at start unless the command line or NODE_OPTIONS gives it', () => {
    const set: string[] = [];
    expect(applyV8Flags({}, [], (f) => set.push(f))).toEqual(['--heap-growing-percent=50']);
    expect(set).toEqual(['--heap-growing-percent=50']);
    set.length = 0;
    expect(applyV8Flags({}, ['--heap-growing-percent=20'], (f) => set.push(f))).toEqual([]);
    expect(applyV8Flags({ NODE_OPTIONS: '--heap-growing-percent=30' }, [], (f) => set.push(f))).toEqual([]);
    expect(set).toEqual([]);
  });
});
