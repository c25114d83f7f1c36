/**
 * Coded errors: one place maps each code to an HTTP status and a CLI exit code, so a user
 * sees the same actionable message from the API and from the command line.
 */
export type ErrorCode =
  | 'input.unreadable'
  | 'input.invalid'
  | 'input.too_large'
  | 'route.not_found'
  | 'boot.not_found'
  | 'build.not_found'
  | 'variant.not_found'
  | 'db.unavailable'
  | 'matrix.invalid'
  | 'collector.unreachable'
  | 'conflict'
  | 'auth.required'
  | 'auth.invalid'
  | 'auth.forbidden'
  | 'origin.forbidden'
  | 'media.unsupported'
  | 'rate.limited'
  | 'harness.failed'
  | 'internal';

const HTTP_STATUS: Record<ErrorCode, number> = {
  'input.unreadable': 400,
  'input.invalid': 400,
  'input.too_large': 413,
  'route.not_found': 404,
  'boot.not_found': 404,
  'build.not_found': 404,
  'variant.not_found': 404,
  'db.unavailable': 503,
  'matrix.invalid': 400,
  'collector.unreachable': 502,
  conflict: 409,
  'auth.required': 401,
  'auth.invalid': 401,
  'auth.forbidden': 403,
  'origin.forbidden': 403,
  'media.unsupported': 415,
  'rate.limited': 429,
  'harness.failed': 500,
  internal: 500,
};

const EXIT_CODE: Record<ErrorCode, number> = {
  'input.unreadable': 2,
  'input.invalid': 2,
  'input.too_large': 2,
  'route.not_found': 2,
  'boot.not_found': 3,
  'build.not_found': 3,
  'variant.not_found': 3,
  'db.unavailable': 4,
  'matrix.invalid': 2,
  'collector.unreachable': 4,
  conflict: 5,
  'auth.required': 7,
  'auth.invalid': 7,
  'auth.forbidden': 7,
  'origin.forbidden': 7,
  'media.unsupported': 2,
  'rate.limited': 4,
  'harness.failed': 6,
  internal: 1,
};

/** An error a user can act on: a stable code plus a one-line message. */
export class BootwatchError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'BootwatchError';
    this.code = code;
    this.details = details;
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
  get exitCode(): number {
    return EXIT_CODE[this.code];
  }
}

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

export function exitCodeOf(err: unknown): number {
  return err instanceof BootwatchError ? err.exitCode : 1;
}
