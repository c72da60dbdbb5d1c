// SES refuses these for the message itself: sending it again cannot succeed.
const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'FromEmailAddressNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'ValidationError',
]);

// SES's throttling answers: the v1 query API says `Throttling`, v2 `TooManyRequestsException`.
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/**
 * What a failure asks of the sender: `permanent` (record FAILED), `throttled` (slow down, retry),
 * `daily-quota` (pause all sending, retry when the quota frees up), `transient` (retry).
 */
export type SesFailureKind = 'permanent' | 'throttled' | 'daily-quota' | 'transient';

/** A failed SES call, reduced to what the sender decides on. */
export class SesSendError extends Error {
  constructor(
    /** SES's error name (`MessageRejected`, `Throttling`, ...) or `NetworkError`. */
    readonly code: string,
    message: string,
    /** True when retrying cannot help; everything else (throttling, 5xx, network) is retried. */
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SesSendError';
  }

  /** What the sender should do about it. */
  get kind(): SesFailureKind {
    if (this.permanent) {
      return 'permanent';
    }
    if (!THROTTLING.has(this.code)) {
      return 'transient';
    }
    return /daily (message|sending) quota/i.test(this.message) ? 'daily-quota' : 'throttled';
  }

  /** Classifies whatever the SES client threw. Unknown errors count as transient: retries are bounded. */
  static from(error: unknown): SesSendError {
    if (error instanceof SesSendError) {
      return error;
    }
    if (!(error instanceof Error)) {
      return new SesSendError('UnknownError', String(error), false);
    }
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const code = status === undefined && error.name === 'Error' ? 'NetworkError' : error.name;
    // The cause keeps the client's own error (and its stack) for logs and debugging.
    return new SesSendError(code, error.message || code, PERMANENT.has(code), { cause: error });
  }
}
