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

/** A failed SES call, reduced to what the sender decides on. */
export class SesSendError extends Error {
  constructor(
    /** SES's error name (`MessageRejected`, `Throttling`, ...) or `NetworkError`. */
    readonly code: string,
    message: string,
    /** True when retrying cannot help; everything else (throttling, 5xx, network) is retried. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'SesSendError';
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
    return new SesSendError(code, error.message || code, PERMANENT.has(code));
  }
}
