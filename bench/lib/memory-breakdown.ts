// What the worker's RSS peak is made of, from the samples memory-probe.cjs wrote: mapped files (node, the SDK's
// native core), the main thread's V8 heap (activities, the SDK's JS side), the workflow thread's heap (the workflow
// cache), buffers outside the heaps, and the rest of the anonymous memory (the Rust core, malloc, stacks).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const memoryProbe = fileURLToPath(new URL('./memory-probe.cjs', import.meta.url));

interface Sample {
  t: number;
  thread: number;
  heap: number;
  used: number;
  spaces: Record<string, number>;
  external: number;
  rss?: number;
  rssAnon?: number;
  rssFile?: number;
}

const mb = (b: number) => Math.round(b / 2 ** 20);

export interface MemoryBreakdown {
  atPeak: {
    rssMb: number;
    /** node's binary and the SDK's native library, as far as they are paged in */
    filesMb: number;
    /** resident V8 heap of the main thread */
    mainHeapMb: number;
    workflowThreadHeapMb: number;
    /** new_space of all threads (part of the heaps): the young generation, sized by --max-semi-space-size */
    newSpaceMb: number;
    /** buffers outside the heaps (ArrayBuffers), all threads */
    externalMb: number;
    /** anonymous memory none of the above explains: the Rust core, malloc, thread stacks */
    nativeMb: number;
  };
  /** Each thread's largest heap over the window (not at the same moment). */
  heapPeakMb: Record<string, number>;
  samples: number;
}

/** The breakdown at the highest RSS sample between from and to (epoch ms); null without samples. */
export function memoryBreakdown(file: string, from: number, to: number): MemoryBreakdown | null {
  if (!existsSync(file)) return null;
  const all = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Sample)
    .filter((s) => s.t >= from && s.t <= to);
  const main = all.filter((s) => s.thread === 0 && s.rss !== undefined);
  if (main.length === 0) return null;
  const peak = main.reduce((a, b) => (b.rss! > a.rss! ? b : a));
  const threads = [...new Set(all.map((s) => s.thread))].filter((t) => t !== 0);
  // Each other thread's sample nearest to the peak.
  const near = threads.map(
    (th) => all.filter((s) => s.thread === th).sort((a, b) => Math.abs(a.t - peak.t) - Math.abs(b.t - peak.t))[0]!,
  );
  const otherHeap = near.reduce((a, s) => a + s.heap, 0);
  const newSpace = [peak, ...near].reduce((a, s) => a + (s.spaces.new_space ?? 0), 0);
  const external = [peak, ...near].reduce((a, s) => a + s.external, 0);
  const heapPeakMb: Record<string, number> = {};
  for (const s of all) {
    const k = s.thread === 0 ? 'main' : `thread${s.thread}`;
    heapPeakMb[k] = Math.max(heapPeakMb[k] ?? 0, mb(s.heap));
  }
  return {
    atPeak: {
      rssMb: mb(peak.rss!),
      filesMb: mb(peak.rssFile ?? 0),
      mainHeapMb: mb(peak.heap),
      workflowThreadHeapMb: mb(otherHeap),
      newSpaceMb: mb(newSpace),
      externalMb: mb(external),
      nativeMb: mb((peak.rssAnon ?? peak.rss!) - peak.heap - otherHeap - external),
    },
    heapPeakMb,
    samples: all.length,
  };
}
