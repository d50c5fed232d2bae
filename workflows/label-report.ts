// Reads where each label of a release stands, through the DLRN API. The sandbox run prints it; `status` builds on it.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { LabelHead } from '../activities/dlrn.js';
import { NON_RETRYABLE_ERROR_CODES } from '../domain/errors.js';

const { labelHeads } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_CODES] },
});

export interface LabelReportInput {
  release: string;
  distro: string;
  apiUrl: string;
  labels: string[];
}

export interface LabelReport {
  release: string;
  distro: string;
  heads: LabelHead[];
}

export async function labelReport(input: LabelReportInput): Promise<LabelReport> {
  const heads = await labelHeads({ apiUrl: input.apiUrl, labels: input.labels });
  return { release: input.release, distro: input.distro, heads };
}
