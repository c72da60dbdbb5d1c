import { SesSendError } from './ses-send.error';

function sdkError(name: string, message: string, httpStatusCode?: number): Error {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, { $metadata: { httpStatusCode } });
  return error;
}

describe('SesSendError.from', () => {
  it.each([
    ['MessageRejected', 'Email address is not verified.', 400],
    ['MailFromDomainNotVerifiedException', 'not verified', 400],
    ['InvalidParameterValue', 'Missing final @domain', 400],
  ])('treats %s as permanent', (name, message, status) => {
    expect(SesSendError.from(sdkError(name, message, status))).toMatchObject({
      code: name,
      message,
      permanent: true,
    });
  });

  it.each([
    ['Throttling', 'Maximum sending rate exceeded.', 400],
    ['Throttling', 'Daily message quota exceeded.', 400],
    ['ServiceUnavailable', 'Service unavailable', 503],
    ['InternalFailure', 'oops', 500],
    ['AccountSendingPausedException', 'paused', 400],
    ['TimeoutError', 'socket timed out', undefined],
  ])('retries %s', (name, message, status) => {
    expect(SesSendError.from(sdkError(name, message, status))).toMatchObject({
      code: name,
      permanent: false,
    });
  });

  it.each([
    ['Throttling', 'Maximum sending rate exceeded.', 'throttled'],
    ['TooManyRequestsException', 'Too many requests', 'throttled'],
    ['Throttling', 'Daily message quota exceeded.', 'daily-quota'],
    ['ServiceUnavailable', 'Service unavailable', 'transient'],
    ['MessageRejected', 'Email address is not verified.', 'permanent'],
  ])('tells the sender what %s "%s" asks for', (name, message, kind) => {
    expect(SesSendError.from(sdkError(name, message, 400)).kind).toBe(kind);
  });

  it('names a bare network error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8005'), {
      code: 'ECONNREFUSED',
    });
    expect(SesSendError.from(refused)).toMatchObject({ code: 'NetworkError', permanent: false });
  });

  it('passes an SesSendError through', () => {
    const error = new SesSendError('NoMessageId', 'no id', false);
    expect(SesSendError.from(error)).toBe(error);
  });

  it('copes with something that is not an Error', () => {
    expect(SesSendError.from('boom')).toMatchObject({ code: 'UnknownError', permanent: false });
  });
});
