// The one error handler of the CLI: prints what went wrong, the problems field by field and what to do about it,
// and turns the error into the exit code. 0 done, 1 failed, 2 usage (bad argument or release file: nothing changed).
import { CommanderError } from 'commander';
import { ScheduleNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ErrorCode, PromoterError, isPromoterError } from '../../domain/errors.js';

export const EXIT = { done: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A bad command line: exit 2. `problems` are "--option: expected ... (got ...)" lines. */
export function usageError(message: string, problems: string[] = [], suggestion?: string): PromoterError {
  return new PromoterError(ErrorCode.Usage, message, { context: { problems }, suggestion });
}

/** Thrown by a command that printed its result, which says it failed (a stage failed): exit 1, one line more. */
export class ReportedFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportedFailure';
  }
}

// Update validators name the argument they refuse ("--label: ..."), so such a refusal is a usage error.
const VALIDATOR_REFUSAL = /^(--[a-z][a-z-]*|config):/;

interface Explained {
  code: ExitCode;
  message: string;
  problems: string[];
  suggestion?: string;
}

function explain(err: unknown, command: string): Explained {
  if (isPromoterError(err)) {
    const usage = err.code === ErrorCode.Usage || err.code === ErrorCode.Config;
    const listed = Array.isArray(err.context.problems) ? (err.context.problems as unknown[]).map(String) : [];
    // Config messages already list their problems; print each line once.
    const problems = listed.filter((p) => !err.message.includes(p));
    const suggestion =
      err.suggestion ?? (err.code === ErrorCode.Usage ? `see \`promoter ${command} --help\`` : undefined);
    return { code: usage ? EXIT.usage : EXIT.failed, message: err.message, problems, suggestion };
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause?.message ?? err.message;
    if (VALIDATOR_REFUSAL.test(cause)) {
      return {
        code: EXIT.usage,
        message: `the release controller refused the request: ${cause}`,
        problems: [],
        suggestion: `see \`promoter ${command} --help\` and \`promoter status\``,
      };
    }
    return { code: EXIT.failed, message: `${command} failed: ${cause}`, problems: causes(err.cause) };
  }
  if (err instanceof ScheduleNotFoundError) {
    return {
      code: EXIT.failed,
      message: `schedule ${err.scheduleId} does not exist`,
      problems: [],
      suggestion: 'create it with `promoter schedule create`',
    };
  }
  if (err instanceof WorkflowNotFoundError) {
    return { code: EXIT.failed, message: `workflow ${err.workflowId} does not exist`, problems: [] };
  }
  const e = err as { message?: unknown; cause?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const unreachable = /ECONNREFUSED|connect|UNAVAILABLE|DEADLINE/i.test(message);
  return {
    code: EXIT.failed,
    message,
    problems: causes(e.cause),
    suggestion: unreachable
      ? 'check that Temporal runs and TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE point at it'
      : undefined,
  };
}

/** The chain of causes of a Temporal failure (update -> child workflow -> activity), one line each. */
function causes(err: unknown, depth = 0): string[] {
  if (!(err instanceof Error) || depth > 4) return [];
  return [`caused by: ${err.message}`, ...causes((err as { cause?: unknown }).cause, depth + 1)];
}

/** Prints the error to stderr and returns the exit code. */
export function handleError(err: unknown, command: string, write = (s: string) => process.stderr.write(s)): ExitCode {
  if (err instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    return err.exitCode === 0 ? EXIT.done : EXIT.usage;
  }
  if (err instanceof ReportedFailure) {
    write(`error: ${err.message}\n`);
    return EXIT.failed;
  }
  const x = explain(err, command);
  const lines = [`error: ${x.message}`, ...x.problems.map((p) => `  ${p}`)];
  if (x.suggestion) lines.push(`hint: ${x.suggestion}`);
  if (process.env.PROMOTER_DEBUG && err instanceof Error && err.stack) lines.push(err.stack);
  write(lines.join('\n') + '\n');
  return x.code;
}
