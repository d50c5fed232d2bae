// Records workflow histories from integration runs (RECORD_HISTORIES=1) into test/replay/histories/, where the
// replay test replays them against the current workflow code: a change that breaks determinism fails CI.
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../scripts/sandbox/stack-env.js';

export const HISTORY_DIR = join(ROOT, 'test', 'replay', 'histories');

export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(HISTORY_DIR, { recursive: true });
  const file = join(HISTORY_DIR, `${name}.json`);
  writeFileSync(file, JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }));
}
