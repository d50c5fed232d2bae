// The worker's log lines: one JSON object per line on stdout, from the SDK's logger (workflow `log` sinks, activity
// Context.log, the worker's own lines, Rust core's forwarded lines). Every line of a stage or promotion names its
// release, distro, label and full_hash (read from the workflow ID when the line itself does not). Values under a
// secret-sounding key and the password of any URL are masked, whatever a caller put in.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { workflowIdParts } from '../domain/workflow-id.js';

const SECRET_KEY = /pass(word)?|secret|token|authorization|credential|private.?key|cookie/i;
const URL_PASSWORD = /(\/\/[^/\s:@]+):[^/\s@]+@/g;
export const MASK = '***';

function clean(key: string, value: unknown, depth = 0): unknown {
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1:${MASK}@`);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    const e = value as Error & { type?: string; cause?: unknown };
    return clean(key, { type: e.type ?? e.name, message: e.message, ...(e.cause ? { cause: e.cause } : {}) }, depth);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => clean('', v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(k, v, depth + 1)]));
}

/** One log entry as one JSON line (no trailing newline). */
export function formatJson(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const ids = workflowIdParts(typeof meta.workflowId === 'string' ? meta.workflowId : undefined);
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const line = { time, level: entry.level.toLowerCase(), msg: entry.message, ...ids, ...meta };
  return JSON.stringify(clean('', line));
}

/** The Runtime's logger: JSON lines, one per entry, at or above `level`. */
export function promoterLogger(
  level: LogLevel,
  write: (s: string) => void = (s) => void process.stdout.write(s),
): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(`${formatJson(entry)}\n`));
}
