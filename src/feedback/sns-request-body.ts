import type { Request } from 'express';
import { AsesErrorCode, AsesException } from '../core/ases.exception';

/** Largest SNS HTTPS body read: SNS messages are at most 256 KiB, plus the envelope. */
export const MAX_SNS_BODY_BYTES = 300 * 1024;

/**
 * The JSON an SNS HTTPS post carries. SNS sends `Content-Type: text/plain`, which no default
 * body parser reads, so the stream is usually still unread here; a host app with a text or JSON
 * parser may have read it already, and both forms are taken.
 */
export async function readSnsBody(request: Request): Promise<unknown> {
  const body: unknown = request.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    return parseJson(body.toString());
  }
  if (typeof body === 'object' && body !== null && Object.keys(body).length > 0) {
    return body;
  }
  if (request.readableEnded) {
    throw invalid('the request has no body');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_SNS_BODY_BYTES) {
      throw invalid(`the body is larger than ${MAX_SNS_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  if (size === 0) {
    throw invalid('the request has no body');
  }
  return parseJson(Buffer.concat(chunks).toString('utf8'));
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
