#!/usr/bin/env node
// The `promoter` executable: runs the compiled CLI (dist/, from `npm run build`); a checkout without a build runs
// the TypeScript sources through tsx (a dev dependency), like `npm run promoter`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'client', 'main.js');
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const r = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(root, 'client', 'main.ts'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}
