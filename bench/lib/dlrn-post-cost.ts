// What one authenticated POST costs DLRN's CPU (read from /proc), split into the password check and the rest: the
// same promote-batch sent with the right password and with a wrong one (DLRN hashes the password either way, then
// refuses the wrong one before touching the database). The fleet's floor follows from it: every promotion is one
// such POST, and a Python process hashes on one core.
import { cpuSecondsOf } from './procs.js';

export interface PostCost {
  /** Median CPU seconds DLRN spent on one promote-batch that moved a label. */
  promoteBatchCpuSeconds: number;
  /** Median CPU seconds DLRN spent refusing the same request for a wrong password: the password hash alone. */
  passwordCheckCpuSeconds: number;
  runs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function dlrnPostCost(
  opts: { port: number; pid: number; user: string; password: string; commitHash: string; distroHash: string },
  runs = 3,
): Promise<PostCost> {
  const body = JSON.stringify([
    { commit_hash: opts.commitHash, distro_hash: opts.distroHash, promote_name: 'bench-post-cost' },
  ]);
  const costOf = async (password: string, want: number) => {
    const before = cpuSecondsOf(opts.pid);
    const r = await fetch(`http://127.0.0.1:${opts.port}/api/promote-batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${opts.user}:${password}`).toString('base64')}`,
      },
      body,
    });
    await r.arrayBuffer();
    if (r.status !== want) throw new Error(`DLRN answered the cost probe ${r.status}, expected ${want}`);
    return cpuSecondsOf(opts.pid) - before;
  };
  const ok: number[] = [];
  const refused: number[] = [];
  for (let i = 0; i < runs; i++) {
    ok.push(await costOf(opts.password, 201));
    refused.push(await costOf(`${opts.password}-wrong`, 401));
  }
  const round = (s: number) => Number(s.toFixed(2));
  return { promoteBatchCpuSeconds: round(median(ok)), passwordCheckCpuSeconds: round(median(refused)), runs };
}
