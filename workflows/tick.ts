// What a release's Temporal Schedule starts every interval: it only asks the release controller to evaluate (the
// controller serializes passes and coalesces evaluations, so ticks never pile up promotions). A tick carries no
// configuration: the controller loads it from the worker's config dir.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { signalController } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface TickInput {
  release: string;
  distro: string;
}

export async function tick({ release, distro }: TickInput): Promise<{ workflowId: string }> {
  return signalController({ release, distro, request: { reason: 'schedule' } });
}
