// `promoter schedule …`: the Temporal Schedule of each release (ID promoter/<release>/<distro>). Every interval it
// starts a `tick` workflow that asks the release controller to evaluate — the old promoter's `sleep 600` loop,
// pausable with a note, triggerable and back-fillable from here or the Web UI.
import { Command } from 'commander';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { z } from 'zod';
import type { ReleaseConfig } from '../../../domain/config.js';
import { scheduleId, upsertSchedule } from '../../controller-client.js';
import { loadConfigs, withSession } from '../context.js';
import { actorOptions, actorShape, commonShape, defaultUser, isoTime, jsonOption, parseOptions, releaseOptions } from '../options.js';
import { linkLine, output, scheduleUiLink, seconds, uiLink, type Out } from '../output.js';

export interface ScheduleJson {
  scheduleId: string;
  release: string;
  distro: string;
  exists: boolean;
  paused: boolean | null;
  note: string | null;
  intervalSeconds: number | null;
  jitterSeconds: number | null;
  overlap: string | null;
  catchupWindowSeconds: number | null;
  workflowType: string | null;
  taskQueue: string | null;
  /** ISO times of the next ticks. */
  nextRunTimes: string[];
  recentActions: { scheduledAt: string; takenAt: string; workflowId: string }[];
  running: string[];
  /** Interval, jitter and task queue are what the release file and environment say. */
  inSync: boolean | null;
  webUi: string | null;
}

function toJson(cfg: ReleaseConfig, taskQueue: string, d: ScheduleDescription | null): ScheduleJson {
  const id = scheduleId(cfg.release, cfg.distro);
  const base = { scheduleId: id, release: cfg.release, distro: cfg.distro, webUi: scheduleUiLink(id) };
  if (!d) {
    return {
      ...base,
      exists: false,
      paused: null,
      note: null,
      intervalSeconds: null,
      jitterSeconds: null,
      overlap: null,
      catchupWindowSeconds: null,
      workflowType: null,
      taskQueue: null,
      nextRunTimes: [],
      recentActions: [],
      running: [],
      inSync: null,
    };
  }
  const every = d.spec.intervals?.[0]?.every;
  const intervalSeconds = every === undefined ? null : Math.round(every / 1000);
  const jitterSeconds = Math.round((d.spec.jitter ?? 0) / 1000);
  return {
    ...base,
    exists: true,
    paused: d.state.paused,
    note: d.state.note ?? null,
    intervalSeconds,
    jitterSeconds,
    overlap: d.policies.overlap ?? null,
    catchupWindowSeconds: Math.round(d.policies.catchupWindow / 1000),
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    nextRunTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentActions: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    inSync:
      intervalSeconds === cfg.schedule.intervalSeconds &&
      jitterSeconds === cfg.schedule.jitterSeconds &&
      d.action.taskQueue === taskQueue,
  };
}

async function describe(client: Client, cfg: ReleaseConfig): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(scheduleId(cfg.release, cfg.distro)).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

function printList(out: Out, rows: ScheduleJson[]): void {
  out.table(
    ['SCHEDULE', 'STATE', 'EVERY', 'NEXT RUNS', 'NOTE'],
    rows.map((s) => [
      s.scheduleId,
      !s.exists ? out.c.dim('absent') : s.paused ? out.c.yellow('paused') : out.c.green('active'),
      s.intervalSeconds === null ? null : seconds(s.intervalSeconds) + (s.jitterSeconds ? ` ±${seconds(s.jitterSeconds)}` : ''),
      s.nextRunTimes.slice(0, 2).map((t) => t.slice(0, 16).replace('T', ' ') + 'Z').join(', ') || null,
      (s.inSync === false ? out.c.yellow('differs from the release file; run schedule create. ') : '') + (s.note ?? ''),
    ]),
  );
  for (const s of rows) if (s.webUi) out.line(`  ${s.scheduleId}  ${out.c.dim(s.webUi)}`);
}

const baseSchema = z.strictObject({ ...commonShape });

/** A subcommand over every selected release: parse, load, connect, then fn per release. */
function sub<S extends z.ZodType<z.output<typeof baseSchema>>>(
  name: string,
  description: string,
  schema: S,
  fn: (c: { client: Client; cfg: ReleaseConfig; opts: z.output<S>; out: Out; taskQueue: string }) => Promise<unknown>,
  extra: (cmd: Command) => Command = (cmd) => cmd,
): Command {
  return extra(releaseOptions(new Command(name).description(description)))
    .addOption(jsonOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(schema, raw, `schedule ${name}`);
      const configs = loadConfigs(opts);
      const out = output(opts.json);
      await withSession(async (session) => {
        const client = await session.temporal();
        const results = [];
        for (const cfg of configs) results.push(await fn({ client, cfg, opts, out, taskQueue: session.settings.taskQueue }));
        if (out.json) out.printJson({ schedules: results });
        else if (name === 'list') printList(out, results as ScheduleJson[]);
      });
    });
}

const actorSchema = z.strictObject({ ...commonShape, ...actorShape });
const backfillSchema = z
  .strictObject({ ...commonShape, from: isoTime, to: isoTime })
  .refine((o) => o.from < o.to, { path: ['to'], message: 'expected a time after --from' });

const state = async (client: Client, cfg: ReleaseConfig, taskQueue: string) =>
  toJson(cfg, taskQueue, await describe(client, cfg));

export function scheduleCommand(): Command {
  const cmd = new Command('schedule').description(
    'Manage the Temporal Schedule of each release (promoter/<release>/<distro>): every interval it starts a tick ' +
      'that asks the release controller to evaluate.',
  );
  cmd.addCommand(
    sub('create', 'Create each release’s schedule, or update it to the release file (interval, jitter, task queue).', baseSchema, async ({ client, cfg, out, taskQueue }) => {
      const done = await upsertSchedule(client, cfg, taskQueue, `created by ${defaultUser()}`);
      const s = await state(client, cfg, taskQueue);
      if (!out.json) out.line(`${done} ${s.scheduleId}: every ${seconds(cfg.schedule.intervalSeconds)}, ${s.paused ? 'paused' : 'active'}${s.webUi ? `  ${out.c.dim(s.webUi)}` : ''}`);
      return { ...s, done };
    }),
  );
  cmd.addCommand(
    sub('list', 'Show each release’s schedule: state, interval, next runs and note.', baseSchema, ({ client, cfg, taskQueue }) =>
      state(client, cfg, taskQueue),
    ),
  );
  for (const verb of ['pause', 'unpause'] as const) {
    cmd.addCommand(
      sub(
        verb,
        verb === 'pause' ? 'Pause each release’s schedule (no ticks until unpause); the note records who and why.' : 'Resume each release’s schedule.',
        actorSchema,
        async ({ client, cfg, opts, out, taskQueue }) => {
          const h = client.schedule.getHandle(scheduleId(cfg.release, cfg.distro));
          const note = `${verb}d by ${opts.by}: ${opts.why}`;
          await (verb === 'pause' ? h.pause(note) : h.unpause(note));
          if (!out.json) out.line(`${verb}d ${h.scheduleId} (${note})`);
          return state(client, cfg, taskQueue);
        },
        actorOptions,
      ),
    );
  }
  cmd.addCommand(
    sub('trigger', 'Tick each release now (skipped while a tick still runs).', baseSchema, async ({ client, cfg, out, taskQueue }) => {
      const h = client.schedule.getHandle(scheduleId(cfg.release, cfg.distro));
      const before = (await h.describe()).info.numActionsTaken;
      await h.trigger();
      // The scheduler takes the action asynchronously: wait a little to name the tick it started.
      for (let i = 0; i < 25 && (await h.describe()).info.numActionsTaken === before; i++) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const s = await state(client, cfg, taskQueue);
      const tick = s.recentActions.at(-1)?.workflowId ?? null;
      if (!out.json) out.line(tick ? `triggered ${h.scheduleId}: ${linkLine(out, 'tick', tick)}` : `triggered ${h.scheduleId}`);
      return { ...s, triggered: tick, tickWebUi: tick ? uiLink(tick) : null };
    }),
  );
  cmd.addCommand(
    sub(
      'backfill',
      'Run the ticks each release’s schedule would have run between --from and --to (one after another).',
      backfillSchema,
      async ({ client, cfg, opts, out, taskQueue }) => {
        const h = client.schedule.getHandle(scheduleId(cfg.release, cfg.distro));
        // Buffered, not skipped: each tick is recorded; the controller coalesces the evaluations they ask for.
        await h.backfill({ start: opts.from, end: opts.to, overlap: ScheduleOverlapPolicy.BUFFER_ALL });
        if (!out.json) out.line(`backfilling ${h.scheduleId} from ${opts.from.toISOString()} to ${opts.to.toISOString()}`);
        return state(client, cfg, taskQueue);
      },
      (c) => c.option('--from <time>', 'start, ISO 8601 (required)').option('--to <time>', 'end, ISO 8601 (required)'),
    ),
  );
  cmd.addCommand(
    sub('delete', 'Delete each release’s schedule (running ticks finish; the controller keeps running).', baseSchema, async ({ client, cfg, out, taskQueue }) => {
      const id = scheduleId(cfg.release, cfg.distro);
      let deleted = true;
      try {
        await client.schedule.getHandle(id).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
        deleted = false;
      }
      if (!out.json) out.line(deleted ? `deleted ${id}` : `${id} does not exist: nothing to delete`);
      return { ...(await state(client, cfg, taskQueue)), deleted };
    }),
  );
  return cmd;
}
