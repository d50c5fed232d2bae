// How fast the board renders at fleet size: N releases (default 50) × 3 labels of production-shaped injected data
// through the board's own server, timed on the server (HTML built) and in Debian's Chromium (a fresh page's
// navigation to its load event).
//   npx tsx bench/board.ts        (BENCH_RELEASES=50, BENCH_RUNS=5; BOARD_BENCH_PORT, default 23090)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBoardServer, listen } from '../board/server.js';
import { fakeSource } from '../test/helpers/board-data.js';
import { launchBrowser } from '../test/helpers/browser.js';

const N = Number(process.env.BENCH_RELEASES ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = createBoardServer(fakeSource(N));
const url = await listen(server, Number(process.env.BOARD_BENCH_PORT ?? 23090));
const browser = await launchBrowser();
try {
  const serverMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    bytes = (await (await fetch(url)).text()).length;
    if (i > 0) serverMs.push(performance.now() - t0);
  }
  await (await browser.newPage()).goto(url, { waitUntil: 'load' }); // warm the browser's own start-up
  const browserMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage();
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'load' });
    browserMs.push(performance.now() - t0);
    await page.close();
  }
  const result = {
    date: new Date().toISOString(),
    releases: N,
    labels: N * 3,
    htmlBytes: bytes,
    serverMsMedian: Math.round(median(serverMs)),
    browserLoadMsMedian: Math.round(median(browserMs)),
    browserLoadMs: browserMs.map(Math.round),
    targetMs: 2000,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'board.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  server.close();
}
