// Processes a benchmark starts and ends itself (each in its own process group), and what they cost: peak and
// current RSS from /proc/<pid>/status, CPU seconds from /proc/<pid>/stat.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  log: string;
}

const started: Proc[] = [];

/** Starts CMD in its own session, output to LOG. */
export function startProc(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): Proc {
  const out = openSync(log, 'a');
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, out], detached: true });
  const p = { name, child, pid: child.pid!, log };
  started.push(p);
  return p;
}

export async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = new Promise((r) => p.child.once('exit', r));
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const killed = await Promise.race([gone.then(() => true), sleep(5000).then(() => false)]);
  if (!killed) process.kill(-p.pid, 'SIGKILL');
}

/** Ends every process this benchmark started, newest first. */
export async function stopAll(): Promise<void> {
  for (const p of started.reverse()) await stopProc(p);
  started.length = 0;
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
}

export async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return r.ok;
}

/** KiB values of VmHWM (peak RSS) and VmRSS of a live process. */
export function memoryOf(pid: number): { hwmKb: number; rssKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
}

const TICKS = 100; // USER_HZ on Linux
/** /proc/<pid>/stat from the field after the command name (state) on; empty when the process is gone. */
function statFields(pid: number): string[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return [];
  }
}

/** User + system CPU seconds a process (not its children) has used. */
export function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  return fields.length ? (Number(fields[11]) + Number(fields[12])) / TICKS : 0;
}

/** Minor page faults of a process: each is a page the kernel handed it (and zeroed), so they count memory churn. */
export function minorFaultsOf(pid: number): number {
  return Number(statFields(pid)[7] ?? 0);
}

/** Samples RSS every intervalMs until stopped: the peak seen over the window it ran (not the process lifetime). */
export function rssSampler(pid: number, intervalMs = 100) {
  let peakKb = 0;
  const timer = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, memoryOf(pid).rssKb);
    } catch {
      // process gone
    }
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peakKb;
    },
  };
}

export const mb = (kb: number) => Math.round(kb / 1024);
