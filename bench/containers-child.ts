// One promoteContainerImages run in its own process, so the benchmark can read the peak RSS of exactly that work
// (VmHWM); prints one JSON line: wall time, the activity's result counts, VmHWM in MB.
import { readFileSync } from 'node:fs';
import { createContainerActivities, type PromoteImagesInput } from '../activities/containers.js';
import { registryPool } from '../integrations/registry.js';

const input = JSON.parse(process.argv[2]!) as PromoteImagesInput;
const pool = registryPool(process.env);
const activities = createContainerActivities(pool);
const t0 = performance.now();
const { digests: _d, previous: _p, previousUnknown: _u, ...counts } = await activities.promoteContainerImages(input);
const ms = Math.round(performance.now() - t0);
pool.close();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
console.log(JSON.stringify({ ms, counts, vmHwmMb: Math.round(Number(hwm) / 1024) }));
