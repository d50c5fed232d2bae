#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the installed bin and `npm run promoter` behave the same.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), join(root, 'client', 'main.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
