// A workflow whose only step is a slow, heartbeating activity: the worker-shutdown test stops the worker in the
// middle of it.
import { proxyActivities } from '@temporalio/workflow';

export interface GraceActivities {
  graceStep(ms: number): Promise<string>;
}

const { graceStep } = proxyActivities<GraceActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 1 },
});

export async function graceStepWorkflow(ms: number): Promise<string> {
  return graceStep(ms);
}
