import type { IncomingMessage } from 'node:http';
import { AsesErrorCode, AsesException } from './ases.exception';
import { MAX_JSON_DEPTH } from './request-validation';

/**
 * Largest request body, whatever its type: a batch of 500 messages fits, and so does one message
 * as large as SES takes (10 MiB as MIME: attachments' base64 in JSON, plus its bodies).
 */
export const MAX_BODY_BYTES = 14 * 1024 * 1024;
/** Longest a request body may go without a byte arriving. */
export const BODY_IDLE_TIMEOUT_MS = 10_000;
/** Longest a request body may take to arrive in full. */
export const BODY_TOTAL_TIMEOUT_MS = 30_000;

/** How much of a body is read, and for how long. */
export interface BodyLimits {
  /** Default {@link MAX_BODY_BYTES}. */
  maxBytes: number;
  /** Default {@link BODY_IDLE_TIMEOUT_MS}. */
  idleTimeoutMs: number;
  /** Default {@link BODY_TOTAL_TIMEOUT_MS}. */
  totalTimeoutMs: number;
}

/** The default {@link BodyLimits}. */
export const DEFAULT_BODY_LIMITS: BodyLimits = {
  maxBytes: MAX_BODY_BYTES,
  idleTimeoutMs: BODY_IDLE_TIMEOUT_MS,
  totalTimeoutMs: BODY_TOTAL_TIMEOUT_MS,
};

/** How long a refused body's rest is taken in and dropped before the connection is closed. */
export const LINGER_MS = 2_000;

/** A refusal that leaves the rest of the body unread: see {@link lingerThenClose}. */
export class UnreadBodyError extends AsesException {}

/**
 * After a refusal that left the body unread: drops whatever of it still arrives, for at most
 * `ms`, then closes the connection if the body has not ended. Closing at once would make the
 * kernel answer the unread bytes with a reset, which can reach the client before it has read
 * the refusal (a client still writing a large body then sees only EPIPE); a body that ends in
 * time leaves the connection usable.
 */
export function lingerThenClose(request: IncomingMessage, ms = LINGER_MS): void {
  if (request.complete) {
    return;
  }
  const timer = setTimeout(() => request.socket.destroy(), ms);
  timer.unref();
  request.once('end', () => clearTimeout(timer));
  request.once('close', () => clearTimeout(timer));
  request.resume();
}

/** The `Content-Length` a request declares; undefined when it has none (or sends it chunked). */
export function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

/** Whether a request carries a body (a length above 0, or chunked transfer). */
export function hasBody(request: IncomingMessage): boolean {
  const length = declaredLength(request);
  return length === undefined ? request.headers['transfer-encoding'] !== undefined : length !== 0;
}

/** The PAYLOAD_TOO_LARGE refusal of a body over `maxBytes`. */
export function tooLarge(maxBytes: number): UnreadBodyError {
  return new UnreadBodyError(
    AsesErrorCode.PAYLOAD_TOO_LARGE,
    `the request body is larger than ${maxBytes} bytes`,
    { limit: maxBytes },
  );
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json$/i;

/**
 * Why a body of this content type and encoding is not JSON ases reads (415); null when it is:
 * `application/json` (or `application/*+json`), UTF-8, not compressed.
 */
export function unsupportedJsonReason(request: IncomingMessage): string | null {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return `Content-Encoding "${encoding}" is not supported: send the body uncompressed`;
  }
  const [type = '', ...parameters] = (request.headers['content-type'] ?? '').split(';');
  if (!JSON_TYPE.test(type.trim())) {
    return (
      'the body must be JSON, sent as Content-Type: application/json ' +
      `(got "${type.trim() || 'none'}")`
    );
  }
  for (const parameter of parameters) {
    const [name, value = ''] = parameter.split('=');
    const charset = value.trim().replace(/^"|"$/g, '').toLowerCase();
    if (name.trim().toLowerCase() === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
      return `charset "${charset}" is not supported: send JSON in UTF-8`;
    }
  }
  return null;
}

/**
 * Throws UNSUPPORTED_MEDIA_TYPE when a request carries a body that is not JSON. For a host app,
 * whose own body parsers (a form parser, say) may have turned any body into an object.
 */
export function assertJsonBody(request: IncomingMessage): void {
  const reason = hasBody(request) ? unsupportedJsonReason(request) : null;
  if (reason !== null) {
    throw new AsesException(AsesErrorCode.UNSUPPORTED_MEDIA_TYPE, reason);
  }
}

/**
 * Reads a request body into memory within `limits`. Past the size limit, or when the body stalls
 * or drags on, it stops reading at once (the rest is never read) and rejects with an
 * {@link UnreadBodyError}: answer it and close the connection. A declared length over the limit
 * is refused before a byte is read. `beforeRead` runs just before reading starts (to send
 * `100 Continue`).
 */
export function readRequestBody(
  request: IncomingMessage,
  limits: BodyLimits = DEFAULT_BODY_LIMITS,
  beforeRead: () => void = () => undefined,
): Promise<Buffer> {
  const declared = declaredLength(request);
  if (declared !== undefined && !(declared <= limits.maxBytes)) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | undefined;
    const stop = (error: AsesException | null): void => {
      clearTimeout(idle);
      clearTimeout(total);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (error) {
        // Not destroy(): that would reset the socket before the answer could be written.
        request.pause();
        reject(error);
      }
    };
    const timedOut = (what: string): void =>
      stop(
        new UnreadBodyError(
          AsesErrorCode.REQUEST_TIMEOUT,
          `the request body ${what}; send it again`,
        ),
      );
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(
        () => timedOut(`stalled for ${limits.idleTimeoutMs} ms`),
        limits.idleTimeoutMs,
      );
    };
    const total = setTimeout(
      () => timedOut(`took longer than ${limits.totalTimeoutMs} ms to arrive`),
      limits.totalTimeoutMs,
    );
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limits.maxBytes) {
        stop(tooLarge(limits.maxBytes));
        return;
      }
      chunks.push(buffer);
      armIdle();
    };
    const onEnd = (): void => {
      stop(null);
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void =>
      stop(new UnreadBodyError(AsesErrorCode.INVALID_REQUEST, 'the request body was cut off'));
    const onClose = (): void => {
      if (!request.complete) {
        onError();
      }
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
    armIdle();
    beforeRead();
  });
}

/**
 * A JSON body, parsed, or INVALID_REQUEST: not UTF-8 JSON, or nested deeper than
 * {@link MAX_JSON_DEPTH} (the code after the parser recurses; the parser itself does not).
 */
export function parseJsonBody(body: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new AsesException(
      AsesErrorCode.INVALID_REQUEST,
      `the request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (depthOf(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new AsesException(
      AsesErrorCode.INVALID_REQUEST,
      `the request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  return value;
}

/** How deeply objects and arrays nest in a JSON value, counting no further than `limit + 1`. */
export function depthOf(root: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) {
      continue;
    }
    deepest = Math.max(deepest, depth);
    if (deepest > limit) {
      return deepest;
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) {
        stack.push([child, depth + 1]);
      }
    }
  }
  return deepest;
}
