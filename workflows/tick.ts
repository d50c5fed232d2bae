// What a release's Temporal Schedule starts every interval: it only asks the release controller to evaluate (the
// controller serializes passes and coalesces evaluations, so ticks never pile up promotions).
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ReleaseConfig } from '../domain/config.js';

const { signalController } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface TickInput {
  config: ReleaseConfig;
}

export async function tick({ config }: TickInput): Promise<{ workflowId: string }> {
  return signalController({ config, request: { reason: 'schedule', config } });
}
