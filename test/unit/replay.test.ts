// Replays every recorded history (test/replay/histories/*.json, recorded from real runs with RECORD_HISTORIES=1)
// against the current workflow code. Needs no server.
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_DIR } from '../helpers/history.js';
import { workflowBundle } from '../helpers/temporal.js';

const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  // Bundling the workflow code takes seconds on a loaded machine: once, before the replays.
  beforeAll(async () => {
    await workflowBundle();
  }, 120_000);

  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)(
    '%s',
    async (file) => {
      const { workflowId, history } = JSON.parse(readFileSync(join(HISTORY_DIR, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), replayName: file },
        historyFromJSON(history),
        workflowId,
      );
    },
    60_000,
  );
});
