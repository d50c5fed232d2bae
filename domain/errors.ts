// One error base for the whole promoter. `code` doubles as the Temporal failure type, so the names listed in
// nonRetryableErrorTypes come from here and cannot drift.

export const ErrorCode = {
  Config: 'ConfigError',
  Usage: 'UsageError',
  MalformedHash: 'MalformedHashError',
  DlrnBadRequest: 'DlrnBadRequestError',
  DlrnUnauthorized: 'DlrnUnauthorizedError',
  DlrnForbidden: 'DlrnForbiddenError',
  DlrnNotFound: 'DlrnNotFoundError',
  DlrnPurged: 'DlrnPurgedError',
  DlrnUnsupportedMediaType: 'DlrnUnsupportedMediaTypeError',
  DlrnMalformedResponse: 'DlrnMalformedResponseError',
  DlrnUnavailable: 'DlrnUnavailableError',
  ImagesMissing: 'ImagesMissingError',
  RegistryUnauthorized: 'RegistryUnauthorizedError',
  RegistryRejected: 'RegistryRejectedError',
  RegistryUnavailable: 'RegistryUnavailableError',
  QcowHashMissing: 'QcowHashMissingError',
  QcowLinkConflict: 'QcowLinkConflictError',
  ImageServerAuth: 'ImageServerAuthError',
  ImageServerPermission: 'ImageServerPermissionError',
  ImageServerUnavailable: 'ImageServerUnavailableError',
  RepoFileMissing: 'RepoFileMissingError',
  RepoUnavailable: 'RepoUnavailableError',
  LabelMoved: 'LabelMovedError',
  VerifyFailed: 'VerifyFailedError',
  WebhookRefused: 'WebhookRefusedError',
  WebhookUnavailable: 'WebhookUnavailableError',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Errors that a retry cannot fix: Temporal must fail the activity at once. */
export const NON_RETRYABLE_ERROR_CODES: readonly ErrorCode[] = [
  ErrorCode.Config,
  ErrorCode.Usage,
  ErrorCode.MalformedHash,
  ErrorCode.DlrnBadRequest,
  ErrorCode.DlrnUnauthorized,
  ErrorCode.DlrnForbidden,
  ErrorCode.DlrnNotFound,
  ErrorCode.DlrnPurged,
  ErrorCode.DlrnUnsupportedMediaType,
  ErrorCode.DlrnMalformedResponse,
  ErrorCode.ImagesMissing,
  ErrorCode.RegistryUnauthorized,
  ErrorCode.RegistryRejected,
  ErrorCode.QcowHashMissing,
  ErrorCode.QcowLinkConflict,
  ErrorCode.ImageServerAuth,
  ErrorCode.ImageServerPermission,
  ErrorCode.RepoFileMissing,
  ErrorCode.LabelMoved,
  ErrorCode.VerifyFailed,
  ErrorCode.WebhookRefused,
];

export interface PromoterErrorOptions {
  /** Where the problem is: a file, a key path, an argument, an endpoint. */
  context?: Record<string, unknown>;
  /** What the operator can do about it. */
  suggestion?: string;
  cause?: unknown;
}

export class PromoterError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  readonly suggestion?: string;

  constructor(code: ErrorCode, message: string, options: PromoterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.context = options.context ?? {};
    this.suggestion = options.suggestion;
  }

  get retryable(): boolean {
    return !NON_RETRYABLE_ERROR_CODES.includes(this.code);
  }
}

export function isPromoterError(err: unknown, code?: ErrorCode): err is PromoterError {
  return err instanceof PromoterError && (code === undefined || err.code === code);
}
