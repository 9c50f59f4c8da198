/**
 * The closed set of error codes Masthead answers with. Each maps to one HTTP status in
 * `statusOf`; `docs/errors.md` says what each means to a caller.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'invalid_template'
  | 'unauthorized'
  | 'forbidden'
  | 'subscription_required'
  | 'not_found'
  | 'conflict'
  | 'expired'
  | 'payload_too_large'
  | 'codes_exhausted'
  | 'payment_failed'
  | 'rate_limited'
  | 'gateway_unavailable'
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 422,
  invalid_template: 422,
  unauthorized: 401,
  forbidden: 403,
  subscription_required: 403,
  not_found: 404,
  conflict: 409,
  expired: 410,
  payload_too_large: 413,
  codes_exhausted: 409,
  payment_failed: 402,
  rate_limited: 429,
  gateway_unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    /** The failure behind it (`cause`), for the log; never shown to the caller. */
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  get status(): number {
    return statusByCode[this.code];
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} was not found.`);
