// Records workflow histories from test runs (RECORD_HISTORIES=1) into test/replay/histories/<WORKFLOW_VERSION>/, where
// the replay test replays them against the current workflow code: a change that breaks determinism fails CI. A
// history is added, never overwritten: recording refuses a name that exists, and MANIFEST.sha256 pins every file.
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/sandbox/stack-env.js';
import { WORKFLOW_VERSION } from '../../workflows/version.js';

export const HISTORY_ROOT = join(ROOT, 'test', 'replay', 'histories');
export const HISTORY_DIR = join(HISTORY_ROOT, WORKFLOW_VERSION);
export const MANIFEST = join(HISTORY_ROOT, 'MANIFEST.sha256');

export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** "<sha256>  <version>/<file>" for every committed history. */
export function readManifest(): Map<string, string> {
  const lines = existsSync(MANIFEST) ? readFileSync(MANIFEST, 'utf8').split('\n') : [];
  return new Map(
    lines
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [hash, path] = l.split(/\s+/);
        return [path!, hash!];
      }),
  );
}

/** Every history file on disk, as "<version>/<file>". */
export function historyFiles(): string[] {
  return readdirSync(HISTORY_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(HISTORY_ROOT, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${d.name}/${f}`),
    )
    .sort();
}

export async function recordHistory(client: Client, workflowId: string, name: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  mkdirSync(HISTORY_DIR, { recursive: true });
  const file = join(HISTORY_DIR, `${name}.json`);
  if (existsSync(file)) throw new Error(`${file} exists: histories are added, never overwritten (pick a new name)`);
  writeFileSync(file, JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }));
  const manifest = readManifest();
  manifest.set(`${WORKFLOW_VERSION}/${name}.json`, sha256(file));
  writeFileSync(
    MANIFEST,
    [...manifest.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, h]) => `${h}  ${p}`)
      .join('\n') + '\n',
  );
}
