// promoter schedule create|list|pause|unpause|trigger|backfill|delete: one Temporal Schedule per release/distro
// (ID promoter/<release>/<distro>) that starts a `tick` every interval; the tick asks the release controller to
// evaluate. Overlap policy SKIP: the controller serializes passes and coalesces evaluations, so a tick that finds the
// previous one still running adds nothing; catch-up window 10 minutes, so a Temporal outage does not replay a
// backlog of ticks. A tick carries only { release, distro }: the controller reads the release file from the
// worker's config dir, so a schedule never replays the config it was created with.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { ABOUT } from '../verbs.js';
import { z } from 'zod';
import type { ReleaseConfig } from '../../domain/config.js';
import { temporalSettings } from '../connection.js';
import {
  action,
  by,
  loadConfigs,
  why,
  parseOptions,
  printJson,
  printTable,
  temporal,
  usage,
  when,
} from '../cli-kit.js';

export const scheduleId = (cfg: ReleaseConfig) => `promoter/${cfg.release}/${cfg.distro}`;

/** Temporal appends the scheduled time to the tick's workflow ID, so every tick has its own. */
function options(cfg: ReleaseConfig, note: string) {
  const s = cfg.schedule;
  return {
    scheduleId: scheduleId(cfg),
    spec: {
      intervals: [{ every: `${s.intervalSeconds}s` }],
      ...(s.jitterSeconds > 0 ? { jitter: `${s.jitterSeconds}s` } : {}),
    },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'tick',
      workflowId: `tick/${cfg.release}/${cfg.distro}`,
      taskQueue: temporalSettings().taskQueue,
      args: [{ release: cfg.release, distro: cfg.distro }],
      staticSummary: `schedule tick of ${cfg.release}/${cfg.distro}: ask the release controller to evaluate`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    state: { paused: s.paused, note },
  } satisfies ScheduleOptions;
}

/**
 * Creates the schedule, or brings an existing one in line with the release file (spec, action, policies). A pause
 * set by an operator survives: only `schedule unpause` lifts it, with a reason.
 */
async function upsert(client: Client, cfg: ReleaseConfig, note: string): Promise<'created' | 'updated'> {
  const wanted = options(cfg, note);
  const handle = client.schedule.getHandle(wanted.scheduleId);
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create(wanted);
    return 'created';
  }
  await handle.update((prev) => ({
    ...prev,
    spec: wanted.spec,
    action: wanted.action,
    policies: { ...prev.policies, ...wanted.policies },
    state: prev.state.paused || !wanted.state.paused ? prev.state : { ...prev.state, paused: true, note },
  }));
  return 'updated';
}

const base = {
  releaseConfig: z.array(z.string()).optional(),
  release: z.string().optional(),
  by,
  json: z.boolean().optional(),
};
const iso = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected an ISO date like 2026-11-24T10:00:00Z' });

function configs(o: { releaseConfig?: string[]; release?: string }): ReleaseConfig[] {
  const cfgs = loadConfigs(o.releaseConfig).filter((c) => !o.release || c.release === o.release);
  if (cfgs.length === 0) throw usage(`--release: no release config named ${o.release}`);
  return cfgs;
}

export interface ScheduleChange {
  scheduleId: string;
  action: string;
  from?: string;
  to?: string;
}

/** What a schedule change prints: one line per schedule, or the same as JSON. */
export function scheduleLines(done: ScheduleChange[]): string[] {
  return done.map((d) => `${d.scheduleId}: ${d.action}${d.from ? ` ${d.from} … ${d.to}` : ''}`);
}

function report(o: { json?: boolean }, done: ScheduleChange[]): void {
  if (o.json) return printJson(done);
  for (const line of scheduleLines(done)) console.log(line);
}

export function register(program: Command): void {
  const schedule = program.command('schedule').description(ABOUT.schedule);
  const sub = (name: string, description: string) =>
    schedule
      .command(name)
      .description(description)
      .option('-c, --release-config <file...>', 'release files (one schedule each)')
      .option('-r, --release <release>', 'only this release')
      .option('--by <user>', 'who (default $USER)')
      .option('--json', 'machine-readable output');

  sub('create', 'create the schedules, or update them to the current config').action(
    action(async (raw: unknown) => {
      const o = parseOptions(z.object(base), raw);
      const client = await temporal();
      const done = [];
      for (const cfg of configs(o)) {
        done.push({ scheduleId: scheduleId(cfg), action: await upsert(client, cfg, `created by ${o.by}`) });
      }
      report(o, done);
    }),
  );

  sub('list', 'list the schedules with their state and next runs').action(
    action(async (raw: unknown) => {
      const o = parseOptions(z.object(base), raw);
      const client = await temporal();
      const rows = [];
      for (const cfg of configs(o)) {
        try {
          const d = await client.schedule.getHandle(scheduleId(cfg)).describe();
          const every = d.spec.intervals?.[0]?.every;
          rows.push({
            scheduleId: d.scheduleId,
            paused: d.state.paused,
            note: d.state.note ?? null,
            intervalMs: typeof every === 'number' ? every : null,
            nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
            recentRuns: d.info.recentActions.length,
          });
        } catch (err) {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        }
      }
      if (o.json) return printJson(rows);
      printTable(
        ['SCHEDULE', 'PAUSED', 'EVERY', 'NEXT RUN', 'NOTE'],
        rows.map((r) => [
          r.scheduleId,
          r.paused ? 'yes' : 'no',
          r.intervalMs ? `${r.intervalMs / 1000}s` : '-',
          r.nextRuns[0] ?? '-',
          r.note,
        ]),
      );
    }),
  );

  for (const [name, description] of [
    ['pause', 'pause the schedules'],
    ['unpause', 'resume the schedules'],
  ] as const) {
    sub(name, description)
      .requiredOption('--why <reason>', 'why (kept as the schedule note)')
      .action(
        action(async (raw: unknown) => {
          const o = parseOptions(z.object({ ...base, why }), raw);
          const client = await temporal();
          const done = [];
          for (const cfg of configs(o)) {
            const h = client.schedule.getHandle(scheduleId(cfg));
            await (name === 'pause' ? h.pause(`${o.by}: ${o.why}`) : h.unpause(`${o.by}: ${o.why}`));
            done.push({ scheduleId: scheduleId(cfg), action: `${name}d`, note: `${o.by}: ${o.why}` });
          }
          report(o, done);
        }),
      );
  }

  sub('trigger', 'start a tick now').action(
    action(async (raw: unknown) => {
      const o = parseOptions(z.object(base), raw);
      const client = await temporal();
      // A fleet's schedules are triggered a few at a time: one after the other, 50 releases wait on 50 round trips.
      const limit = pLimit(8);
      const done = await Promise.all(
        configs(o).map((cfg) =>
          limit(async () => {
            await client.schedule.getHandle(scheduleId(cfg)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
            return { scheduleId: scheduleId(cfg), action: 'triggered' as const };
          }),
        ),
      );
      report(o, done);
    }),
  );

  sub('backfill', 'run the ticks a time range would have had')
    .requiredOption('--from <iso>', 'start of the range')
    .requiredOption('--to <iso>', 'end of the range')
    .action(
      action(async (raw: unknown) => {
        const o = parseOptions(z.object({ ...base, from: iso, to: iso }), raw);
        if (Date.parse(o.from) >= Date.parse(o.to)) throw usage('--from: must be before --to');
        const client = await temporal();
        const [from, to] = [when(Date.parse(o.from) / 1000), when(Date.parse(o.to) / 1000)];
        const done = [];
        for (const cfg of configs(o)) {
          await client.schedule
            .getHandle(scheduleId(cfg))
            .backfill({ start: new Date(o.from), end: new Date(o.to), overlap: ScheduleOverlapPolicy.SKIP });
          done.push({ scheduleId: scheduleId(cfg), action: 'backfilled', from, to });
        }
        report(o, done);
      }),
    );

  sub('delete', 'delete the schedules').action(
    action(async (raw: unknown) => {
      const o = parseOptions(z.object(base), raw);
      const client = await temporal();
      const done = [];
      for (const cfg of configs(o)) {
        try {
          await client.schedule.getHandle(scheduleId(cfg)).delete();
          done.push({ scheduleId: scheduleId(cfg), action: 'deleted' });
        } catch (err) {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
          done.push({ scheduleId: scheduleId(cfg), action: 'not found' });
        }
      }
      report(o, done);
    }),
  );
}
