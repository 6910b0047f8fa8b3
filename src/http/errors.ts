/**
 * The one error type. Every API error leaves as `{ "error": { "code", "message", details? } }`
 * with a stable `code` that clients can switch on.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'invalid_state'
  | 'provider_error'
  | 'internal';

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  invalid_state: 409,
  provider_error: 502,
  internal: 500,
};

export class AppError extends Error {
  readonly status: number;
  /**
   * Where pages show the message to people: a key of the localized catalogue
   * (src/ui/error-messages.ts) and its parameters. The JSON `message` stays the English one.
   */
  messageKey?: string;
  messageParams?: Record<string, string | number>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After for rate_limited. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = statusOf[code];
  }

  /** Names the localized message pages show instead of the English one. */
  withKey(key: string, params?: Record<string, string | number>): this {
    this.messageKey = key;
    if (params) this.messageParams = params;
    return this;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
