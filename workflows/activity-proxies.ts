// Activity stubs with the timeouts and retry policy of each artifact kind, defined once for every workflow.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { NON_RETRYABLE_ERROR_CODES } from '../domain/errors.js';

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_CODES];
// Transient failures (network, 5xx) are retried with backoff for a while; past that the step has failed for good.
const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 8,
  nonRetryableErrorTypes,
};

export const dlrn = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });

/** Long copies heartbeat after every image; a crashed worker is noticed within heartbeatTimeout and the retry resumes. */
export const containers = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10s',
  retry,
});

export const images = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry });
