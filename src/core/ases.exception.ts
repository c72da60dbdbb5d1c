/** Every error code ases answers with; the exception filter maps each to an HTTP status. */
export enum AsesErrorCode {
  INVALID_MESSAGE = 'INVALID_MESSAGE',
  INVALID_REQUEST = 'INVALID_REQUEST',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  UNAUTHORIZED = 'UNAUTHORIZED',
  MESSAGE_NOT_FOUND = 'MESSAGE_NOT_FOUND',
  LINK_NOT_FOUND = 'LINK_NOT_FOUND',
  IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT',
  NOT_RETRYABLE = 'NOT_RETRYABLE',
  NOT_CANCELABLE = 'NOT_CANCELABLE',
  RECIPIENT_SUPPRESSED = 'RECIPIENT_SUPPRESSED',
  SUPPRESSION_NOT_FOUND = 'SUPPRESSION_NOT_FOUND',
  TEMPLATE_NOT_FOUND = 'TEMPLATE_NOT_FOUND',
  WEBHOOK_NOT_FOUND = 'WEBHOOK_NOT_FOUND',
  /** The endpoint cannot change this way: it comes from WEBHOOK_URL, or the fleet has its most. */
  WEBHOOK_CONFLICT = 'WEBHOOK_CONFLICT',
  FORBIDDEN = 'FORBIDDEN',
  RETRY_LATER = 'RETRY_LATER',
  QUEUE_UNAVAILABLE = 'QUEUE_UNAVAILABLE',
  STORE_UNAVAILABLE = 'STORE_UNAVAILABLE',
}

/** A domain error: a code the caller can act on, a message a person can read, and extra fields. */
export class AsesException extends Error {
  constructor(
    readonly code: AsesErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AsesException';
  }
}
