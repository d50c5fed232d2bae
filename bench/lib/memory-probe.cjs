/* global require, process, setInterval */
// Bench-only preload (node --require, so it also runs in the SDK's workflow thread): every BENCH_MEM_MS (250) each
// thread appends its V8 heap to BENCH_MEM_LOG as a JSON line; the main thread adds the process RSS. Read by
// memory-breakdown.ts to say what the worker's RSS peak is made of.
/* eslint-disable @typescript-eslint/no-require-imports */
const { isMainThread, threadId } = require('node:worker_threads');
const v8 = require('node:v8');
const fs = require('node:fs');

const file = process.env.BENCH_MEM_LOG;
if (file) {
  const fd = fs.openSync(file, 'a');
  const sample = () => {
    const h = v8.getHeapStatistics();
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = s.space_size;
    const rec = { t: Date.now(), thread: threadId, heap: h.total_physical_size, used: h.used_heap_size, spaces };
    Object.assign(rec, { external: h.external_memory, malloced: h.malloced_memory });
    if (isMainThread) {
      const m = process.memoryUsage();
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
      Object.assign(rec, { rss: m.rss, rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), arrayBuffers: m.arrayBuffers });
    }
    fs.writeSync(fd, `${JSON.stringify(rec)}\n`);
  };
  setInterval(sample, Number(process.env.BENCH_MEM_MS || 250)).unref();
}
