// How registry answers become PromoterErrors: the code tells Temporal whether a retry can help. Messages name the
// registry, method, path and the registry's own error codes, never a credential or an Authorization header.
import { STATUS_CODES } from 'node:http';
import { ErrorCode, PromoterError } from '../../domain/errors.js';

/** What the request was about, for messages: "manifest tripleomaster/openstack-nova-api:current-tripleo". */
export interface Where {
  host: string;
  method: string;
  path: string;
  what: string;
}

/** Distribution's error body: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":…}]}. */
export function registryMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors
        .map((e) => [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': '))
        .join('; ');
    }
  } catch {
    // not JSON
  }
  const text = body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** The Temporal class of an HTTP status from a registry. */
export function classifyRegistryStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return ErrorCode.RegistryUnauthorized;
  if (status >= 500 || status === 408 || status === 429) return ErrorCode.RegistryUnavailable;
  return ErrorCode.RegistryRejected;
}

const SUGGESTIONS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.RegistryUnauthorized]:
    'check the registry user and password (usernameEnv / passwordEnv / passwordFile) and that the user may push here',
  [ErrorCode.RegistryUnavailable]: 'the registry is down, slow or rate limiting; the call is retried',
  [ErrorCode.RegistryRejected]: 'the registry refused the request: check the image, the tag and the registry version',
  [ErrorCode.ImagesMissing]: 'check that the images were built and pushed for this hash, and the namespace',
};

export function httpError(where: Where, status: number, body: string): PromoterError {
  const code = classifyRegistryStatus(status);
  // HEAD answers have no body: the status phrase is all there is.
  const message = registryMessage(body) || STATUS_CODES[status] || 'no message';
  return new PromoterError(code, `registry ${where.host}: ${where.method} ${where.what}: ${status} ${message}`, {
    context: { ...where, status, registryMessage: message },
    suggestion: SUGGESTIONS[code],
  });
}

export function notFound(where: Where): PromoterError {
  return new PromoterError(ErrorCode.ImagesMissing, `registry ${where.host}: ${where.what} not found`, {
    context: { ...where, status: 404 },
    suggestion: SUGGESTIONS[ErrorCode.ImagesMissing],
  });
}

export function rejected(where: Where, why: string): PromoterError {
  return new PromoterError(ErrorCode.RegistryRejected, `registry ${where.host}: ${where.what}: ${why}`, {
    context: { ...where },
    suggestion: SUGGESTIONS[ErrorCode.RegistryRejected],
  });
}

export function unauthorized(where: Where, why: string): PromoterError {
  return new PromoterError(ErrorCode.RegistryUnauthorized, `registry ${where.host}: ${where.what}: ${why}`, {
    context: { ...where },
    suggestion: SUGGESTIONS[ErrorCode.RegistryUnauthorized],
  });
}

/** Node's codes for a certificate we refuse: no retry can fix them, the configuration must. */
const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A fresh error from the code and message only: an axios error holds the request config with its headers. */
export function networkError(where: Where, err: unknown): PromoterError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : null;
  const why = typeof e.message === 'string' ? e.message : String(err);
  if (code && TLS_VERIFY_CODES.has(code)) {
    return new PromoterError(
      ErrorCode.RegistryRejected,
      `registry ${where.host}: ${where.method} ${where.what}: TLS certificate refused: ${why}`,
      {
        context: { ...where, code },
        suggestion: "install the registry's CA on the worker, or set tls_verify: false for this registry",
      },
    );
  }
  return new PromoterError(
    ErrorCode.RegistryUnavailable,
    `registry ${where.host}: ${where.method} ${where.what}: unreachable: ${why}`,
    { context: { ...where, code }, suggestion: SUGGESTIONS[ErrorCode.RegistryUnavailable] },
  );
}
