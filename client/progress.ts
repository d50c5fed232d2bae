// The progress line of a container push, while the CLI waits on a promotion it started: images done / total and
// bytes streamed, read from the heartbeat details of the pending promoteContainerImages activity (describe of each
// running promotion workflow). Only on a TTY and without --json: piped or machine-readable output is unchanged.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { z } from 'zod';

export interface ContainerProgress {
  /** The promotion's label. */
  label: string;
  done: number;
  total: number;
  bytes: number;
}

/** What promoteContainerImages heartbeats (activities/containers.ts), as far as the line needs it. */
const Details = z.object({
  label: z.string(),
  done: z.array(z.string()),
  total: z.number().optional(),
  bytes: z.number().optional(),
});

export function progressFromDetails(details: unknown): ContainerProgress | null {
  const d = Details.safeParse(details);
  if (!d.success || d.data.total === undefined) return null;
  return { label: d.data.label, done: d.data.done.length, total: d.data.total, bytes: d.data.bytes ?? 0 };
}

const size = (bytes: number) =>
  bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(2)} GiB`
    : bytes >= 2 ** 20
      ? `${(bytes / 2 ** 20).toFixed(1)} MiB`
      : `${Math.round(bytes / 2 ** 10)} KiB`;

/** One line for all running pushes, cut to the terminal's width. */
export function renderProgress(all: ContainerProgress[], columns = 80): string {
  const text = all.map((p) => `${p.label}: ${p.done}/${p.total} images, ${size(p.bytes)}`).join(' · ');
  const line = `containers ${text}`;
  return line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
}

export interface ProgressLineOptions {
  stream?: NodeJS.WriteStream;
  /** No line: --json, or --watch printing lines of its own. */
  quiet?: boolean;
  /** The container pushes running now. */
  read: () => Promise<ContainerProgress[]>;
  everyMs?: number;
}

/** Starts the updating line (a no-op off a TTY or with --json); the returned stop() erases it. */
export function progressLine({
  stream = process.stderr,
  quiet,
  read,
  everyMs = 1000,
}: ProgressLineOptions): () => void {
  if (quiet || !stream.isTTY) return () => {};
  let shown = false;
  let stopped = false;
  const tick = async () => {
    const all = await read().catch(() => []);
    if (stopped || all.length === 0) return;
    stream.write(`\r${renderProgress(all, stream.columns)}\x1b[K`);
    shown = true;
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    if (shown) stream.write('\r\x1b[K');
  };
}

/** The container pushes of the running promotions whose workflow ID starts with `prefix`. */
export function runningContainerPushes(client: Client, prefix: string): () => Promise<ContainerProgress[]> {
  return async () => {
    const query = `WorkflowId STARTS_WITH "${prefix}" AND ExecutionStatus = "Running"`;
    const found: ContainerProgress[] = [];
    for await (const wf of client.workflow.list({ query })) {
      const d = await client.workflow.getHandle(wf.workflowId).describe();
      for (const a of d.raw.pendingActivities ?? []) {
        const payload = a.heartbeatDetails?.payloads?.[0];
        if (a.activityType?.name !== 'promoteContainerImages' || !payload) continue;
        const p = progressFromDetails(defaultPayloadConverter.fromPayload(payload));
        if (p) found.push(p);
      }
    }
    return found;
  };
}
