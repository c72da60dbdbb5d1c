import type { Request } from 'express';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import {
  DEFAULT_BODY_LIMITS,
  declaredLength,
  readRequestBody,
  tooLarge,
} from '../core/request-body';

/** Largest SNS HTTPS body read: SNS messages are at most 256 KiB, plus the envelope. */
export const MAX_SNS_BODY_BYTES = 300 * 1024;

/**
 * The JSON an SNS HTTPS post carries. SNS sends `Content-Type: text/plain; charset=UTF-8`. The
 * standalone service's request gate has read it already (a Buffer, within the limit); in a host
 * app the stream may still be unread, or the host's own text or JSON parser may have read it:
 * every form is taken, and the limit holds for each (a declared length over it is refused before
 * anything is read; an undeclared one as soon as the count passes it, the rest unread).
 */
export async function readSnsBody(request: Request): Promise<unknown> {
  const declared = declaredLength(request);
  if (declared !== undefined && !(declared <= MAX_SNS_BODY_BYTES)) {
    throw tooLarge(MAX_SNS_BODY_BYTES);
  }
  const body: unknown = request.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (Buffer.byteLength(body) > MAX_SNS_BODY_BYTES) {
      throw tooLarge(MAX_SNS_BODY_BYTES);
    }
    return parseJson(body.toString());
  }
  if (typeof body === 'object' && body !== null && Object.keys(body).length > 0) {
    return body;
  }
  if (request.readableEnded) {
    throw invalid('the request has no body');
  }
  const buffer = await readRequestBody(request, {
    ...DEFAULT_BODY_LIMITS,
    maxBytes: MAX_SNS_BODY_BYTES,
  });
  if (buffer.length === 0) {
    throw invalid('the request has no body');
  }
  return parseJson(buffer.toString('utf8'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('the body is not JSON (expected an SNS message)');
  }
}

function invalid(message: string): AsesException {
  return new AsesException(AsesErrorCode.INVALID_REQUEST, message);
}
