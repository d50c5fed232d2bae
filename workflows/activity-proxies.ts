// Activity stubs with the timeouts, heartbeats, retry and cancellation of each role, defined once for every workflow.
// Sizing: an activity that touches every image (150 images x 3 registries) heartbeats, so a dead worker is noticed
// within its heartbeatTimeout (seconds) while its startToClose leaves room for the whole list; one that answers in a
// second or two does not heartbeat and gets a short startToClose instead.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ErrorCode, NON_RETRYABLE_ERROR_CODES } from '../domain/errors.js';

const nonRetryableErrorTypes = [...NON_RETRYABLE_ERROR_CODES];
// Transient failures (network, 5xx) are retried with backoff for a while; past that the step has failed for good.
const retry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 8,
  nonRetryableErrorTypes,
};
/** Compensation must not give up early: about 20 minutes of attempts before what stays ahead is reported. */
const patientRetry = { ...retry, initialInterval: '5s', maximumInterval: '2 minutes', maximumAttempts: 14 };
/** The artifact activities stop when cancelled and the workflow waits for that before it compensates. */
const awaitCancellation = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

export const dlrn = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry });

/** Short reads that do not heartbeat (a DLRN label, the controller's hold gate). */
export const reads = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry });

/**
 * The DLRN commit point: heartbeats while a POST is in flight (activities/dlrn-promote.ts), so a dead worker costs
 * seconds and a slow POST is not mistaken for one. Scheduled inside a non-cancellable scope by the promotion.
 */
export const dlrnCommit = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15s',
  retry,
});

/** Long copies heartbeat after every image; a crashed worker is noticed within heartbeatTimeout and the retry resumes. */
export const containers = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '15s',
  cancellationType: awaitCancellation,
  retry,
});

/** Reads over every image and registry (verify, snapshot): heartbeat, and fit 150 images x 3 registries. */
export const containerReads = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '15s',
  cancellationType: awaitCancellation,
  retry,
});

/** qcow2 steps over SFTP: a few operations on one session; heartbeat so a worker killed mid-step costs seconds. */
export const images = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15s',
  cancellationType: awaitCancellation,
  retry,
});

/** Compensation (restore tags and links): each call on its own, patient, never cancelled (see the promotion). */
export const compensation = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '15s',
  retry: patientRetry,
});

/**
 * Notifications: each POST is bounded (10 s) inside a short attempt; retried with backoff for a day so a receiver
 * that is down for hours still gets every event. Only a receiver refusing the event (a 4xx) stops the retries; a
 * worker missing the secret is retried too, so fixing the worker delivers what waited.
 */
export const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [ErrorCode.WebhookRefused],
  },
});
