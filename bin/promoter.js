#!/usr/bin/env node
// The `promoter` executable. Runs the CLI bundle that `npm run build` writes (bin/cli-bundle.js) when it is newer than
// every source it was built from; otherwise, in a checkout with the dev dependencies, the TypeScript sources through
// tsx, like `npm run promoter` (slower to start, never out of date). Without tsx or the sources (a production
// install) the bundle runs whatever the file times say.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleState, runBundle } from './cli-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = bundleState(root);

/** tsx, when this checkout has it and the sources. */
function tsx() {
  if (!existsSync(join(root, 'client', 'main.ts'))) return null;
  try {
    return import.meta.resolve('tsx');
  } catch {
    return null;
  }
}

const loader = bundle?.stale === false ? null : tsx();
if (bundle && !loader) {
  runBundle(bundle.file);
} else if (loader) {
  const { spawnSync } = await import('node:child_process');
  const args = ['--import', loader, join(root, 'client', 'main.ts'), ...process.argv.slice(2)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  console.error('promoter: no CLI build (dist/cli/promoter.cjs) and no tsx to run the sources: run `npm run build`');
  process.exit(1);
}
