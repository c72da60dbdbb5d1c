import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MAX_SNS_BODY_BYTES } from '../feedback/sns-request-body';
import { MAX_UNSUBSCRIBE_BODY_BYTES, isOneClickPost } from '../unsubscribe/unsubscribe-request';
import { ApiKeyCheck } from './api-key.guard';
import type { ResolvedAsesOptions } from './ases-options';
import { asesErrorResponse } from './ases-exception.filter';
import { AsesErrorCode, AsesException } from './ases.exception';
import { ASES_OPTIONS } from './ases.tokens';
import {
  BodyLimits,
  DEFAULT_BODY_LIMITS,
  UnreadBodyError,
  hasBody,
  lingerThenClose,
  parseJsonBody,
  readRequestBody,
  unsupportedJsonReason,
} from './request-body';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** How the gate treats one request's body. */
interface BodyRoute {
  /** `json`: parsed into `request.body`; `raw`: a Buffer in `request.body`, any content type. */
  kind: 'json' | 'raw';
  /** Whether the API key is checked before a byte of the body is read. */
  keyed: boolean;
  maxBytes: number;
  /** An API path (`/v1/...`) with a malformed percent-escape, which Express cannot route. */
  undecodable: boolean;
}

// Express matches routes case-insensitively and ignores a trailing slash; so does the gate.
const SNS_ENDPOINT = /^\/v1\/feedback\/sns\/?$/i;
const KEYED = /^\/v1(\/|$)/i;
// Express would answer its own 400 (not ases's shape) when it cannot decode a route parameter.
const MALFORMED_PATH = new AsesException(
  AsesErrorCode.INVALID_REQUEST,
  'the path has a malformed percent-escape (such as %ff): encode each part as UTF-8',
);

/**
 * Where a request goes decides its body's rules: SNS's endpoint takes up to 300 KB of any type
 * (SNS sends `text/plain`) and is checked by signature; every other body is JSON, at most
 * `limits.maxBytes`, and under `/v1` needs the API key first.
 */
function routeOf(request: IncomingMessage, limits: BodyLimits): BodyRoute {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (request.method === 'POST' && SNS_ENDPOINT.test(path)) {
    return {
      kind: 'raw',
      keyed: false,
      maxBytes: Math.min(MAX_SNS_BODY_BYTES, limits.maxBytes),
      undecodable: false,
    };
  }
  // One-click unsubscribe (RFC 8058): a form, another type or nothing; ases never reads it.
  if (isOneClickPost(request.method, path)) {
    return {
      kind: 'raw',
      keyed: false,
      maxBytes: Math.min(MAX_UNSUBSCRIBE_BODY_BYTES, limits.maxBytes),
      undecodable: false,
    };
  }
  const keyed = KEYED.test(path);
  return {
    kind: 'json',
    keyed,
    maxBytes: limits.maxBytes,
    undecodable: keyed && path.includes('%') && !decodable(path),
  };
}

function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers an ases error from outside Nest (no filter runs here). `unread`: the body was left
 * unread, so the connection is closed after a short linger (see `lingerThenClose`).
 */
function answer(
  request: IncomingMessage,
  response: ServerResponse,
  exception: AsesException,
  unread: boolean,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const { statusCode, body } = asesErrorResponse(exception);
  const json = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
  };
  if (exception.code === AsesErrorCode.UNAUTHORIZED) {
    headers['WWW-Authenticate'] = 'Bearer';
  }
  response.writeHead(statusCode, headers).end(json);
  if (unread) {
    lingerThenClose(request);
  }
}

/**
 * Reads every request body before the web framework sees the request, so that the same rules hold
 * for every route and content type, and a refusal costs no body:
 *
 * - under `/v1` (but SNS's endpoint), the API key is checked before the body is read: a wrong
 *   or missing key is answered 401 at once, the body unread;
 * - a body over the size limit is refused with 413 (from its Content-Length, or as soon as the
 *   count passes it), the rest unread; one that stalls 10 s, or takes 30 s in all, gets 408;
 * - after a refusal that left the body unread, what still arrives is dropped for at most 2 s,
 *   then the connection is closed;
 * - a body that is not `application/json` (UTF-8, not compressed) gets 415, except on SNS's
 *   endpoint, which takes SNS's `text/plain`;
 * - JSON that does not parse, or nests deeper than 32 levels, gets 400 INVALID_REQUEST, and so
 *   does an API path with a malformed percent-escape (`/v1/messages/%ff`), body or not.
 *
 * The parsed body is left in `request.body` (a Buffer for SNS's endpoint), where Nest's `@Body()`
 * finds it and Express's body parsers, seeing the stream finished, leave it. Refusals have ases's
 * JSON shape `{ statusCode, code, message }`. Call after the app is created, before `listen`;
 * `serveTrackingFirst` may be installed after it (tracking requests carry no body).
 */
export function guardRequestBodies(app: INestApplication, limits: Partial<BodyLimits> = {}): void {
  const options = app.get<ResolvedAsesOptions>(ASES_OPTIONS);
  const keys = new ApiKeyCheck(options.apiKeys);
  const resolved: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...limits };
  const server = app.getHttpServer() as Server;
  const framework = server.listeners('request') as RequestListener[];
  const pass = (request: IncomingMessage, response: ServerResponse): void => {
    for (const listener of framework) {
      listener.call(server, request, response);
    }
  };

  const handle = (
    request: IncomingMessage,
    response: ServerResponse,
    expectsContinue: boolean,
  ): void => {
    const withBody = hasBody(request);
    const route = routeOf(request, resolved);
    if (!withBody && !route.undecodable) {
      pass(request, response);
      return;
    }
    const refusal =
      (route.keyed ? keys.refusal(request.headers.authorization) : null) ??
      (route.undecodable ? MALFORMED_PATH : null) ??
      (withBody && route.kind === 'json' ? unsupported(request) : null);
    if (refusal) {
      answer(request, response, refusal, withBody);
      return;
    }
    const sendContinue = (): void => {
      if (expectsContinue) {
        response.writeContinue();
      }
    };
    readRequestBody(request, { ...resolved, maxBytes: route.maxBytes }, sendContinue).then(
      (body) => {
        try {
          (request as IncomingMessage & { body?: unknown }).body =
            route.kind === 'json' ? parseJsonBody(body) : body;
        } catch (error) {
          if (error instanceof AsesException) {
            answer(request, response, error, false);
          } else {
            response.destroy();
          }
          return;
        }
        pass(request, response);
      },
      (error: unknown) => {
        if (error instanceof AsesException) {
          answer(request, response, error, error instanceof UnreadBodyError);
        } else {
          response.destroy();
        }
      },
    );
  };

  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) =>
    handle(request, response, false),
  );
  // With a listener here Node no longer sends `100 Continue` by itself: a client that waits for
  // it before sending gets its refusal (401, 413, 415) having sent nothing.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) =>
    handle(request, response, true),
  );
}

function unsupported(request: IncomingMessage): AsesException | null {
  const reason = unsupportedJsonReason(request);
  return reason === null ? null : new UnreadBodyError(AsesErrorCode.UNSUPPORTED_MEDIA_TYPE, reason);
}
