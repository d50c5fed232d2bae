// Where a worker's CPU went, from the .cpuprofile files `node --cpu-prof` wrote (one per thread: the main thread
// runs activities and the SDK's JS side, the workflow thread runs workflow code): self time per package or source
// folder, and the costliest functions.
//   npx tsx bench/lib/cpu-profile.ts <dir of .cpuprofile files> [top]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package>, a source folder of ours (activities, integrations, ...), node: internals, or V8's own. */
export function where(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (url.includes('workflow-bundle')) return 'workflow bundle';
  const ours = /\/(?:dist\/)?(activities|integrations|domain|workflows|worker|client)\//.exec(url);
  return ours ? ours[1]! : url;
}

export interface ThreadCpu {
  file: string;
  seconds: number;
  byWhere: Record<string, number>;
  top: { fn: string; where: string; seconds: number }[];
}

export function summarize(file: string, top = 15): ThreadCpu {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const byWhere: Record<string, number> = {};
  const byFn = new Map<string, { fn: string; where: string; us: number }>();
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    busy += us;
    const w = where(n.callFrame.url, n.callFrame.functionName);
    byWhere[w] = (byWhere[w] ?? 0) + us;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url}:${n.callFrame.lineNumber}`;
    const f = byFn.get(key) ?? { fn: n.callFrame.functionName || '(anonymous)', where: w, us: 0 };
    f.us += us;
    byFn.set(key, f);
  }
  const s = (us: number) => Number((us / 1e6).toFixed(2));
  return {
    file,
    seconds: s(busy),
    byWhere: Object.fromEntries(
      Object.entries(byWhere)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, s(v)]),
    ),
    top: [...byFn.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, seconds: s(f.us) })),
  };
}

export function summarizeDir(dir: string, top = 15): ThreadCpu[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summarize(join(dir, f), top));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [dir, top] = process.argv.slice(2);
  console.log(JSON.stringify(summarizeDir(dir ?? '.stack/bench-fleet/prof', Number(top ?? 20)), null, 2));
}
