import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asesErrorResponse } from '../core/ases-exception.filter';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { CLICK_PATH, HitRequest, OPEN_PIXEL_PATH, TrackingService } from './tracking.service';

// The smallest transparent 1x1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_STORE = 'no-store, no-cache, must-revalidate, max-age=0';
const PIXEL_HEADERS = {
  'Content-Type': 'image/gif',
  'Content-Length': PIXEL.length,
  'Cache-Control': NO_STORE,
  Pragma: 'no-cache',
};
// Outside Nest (serveTrackingFirst) no exception filter runs: the same answer, built once.
const LINK_NOT_FOUND = asesErrorResponse(
  new AsesException(
    AsesErrorCode.LINK_NOT_FOUND,
    'no such link: the token is not one this service signed',
  ),
);
const LINK_NOT_FOUND_BODY = JSON.stringify(LINK_NOT_FOUND.body);
const OPEN_PREFIX = `/${OPEN_PIXEL_PATH}/`;
const CLICK_PREFIX = `/${CLICK_PATH}/`;

/**
 * The pixel and link endpoints on plain Node requests: `TrackingController` delegates to it, and
 * {@link TrackingRequestHandler.route} serves them before the web framework when the service is
 * set up for it, since they are the hot path when a campaign is opened.
 */
@Injectable()
export class TrackingRequestHandler {
  private readonly logger = new Logger('ases');

  constructor(private readonly tracking: TrackingService) {}

  /**
   * Answers `GET|HEAD /t/o/<token>.gif` and `/t/c/<token>` (path segments decoded, query
   * ignored); false for any other request (other methods, deeper paths), which the caller passes
   * on. `clientIp` is asked only for a tracking request.
   */
  route(
    request: IncomingMessage,
    response: ServerResponse,
    clientIp: (request: IncomingMessage) => string | undefined,
  ): boolean {
    const url = request.url ?? '';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return false;
    }
    const prefix = url.startsWith(OPEN_PREFIX)
      ? OPEN_PREFIX
      : url.startsWith(CLICK_PREFIX)
        ? CLICK_PREFIX
        : undefined;
    if (prefix === undefined) {
      return false;
    }
    const query = url.indexOf('?');
    const segment = decodeSegment(url.slice(prefix.length, query < 0 ? undefined : query));
    if (segment === null) {
      return false;
    }
    const ip = clientIp(request);
    const answered =
      prefix === OPEN_PREFIX
        ? this.open(segment, request, response, ip)
        : this.click(segment, request, response, ip);
    // Nothing above the framework would catch it: never leave a rejection, or a request, hanging.
    answered.catch((error: unknown) => {
      this.logger.error(`tracking request failed: ${String(error)}`);
      if (response.headersSent) {
        response.destroy();
      } else {
        response.writeHead(500).end();
      }
    });
    return true;
  }

  /** Always answers the GIF, whatever the token: a mail client must never show a broken image. */
  async open(
    file: string,
    request: IncomingMessage,
    response: ServerResponse,
    clientIp: string | undefined,
  ): Promise<void> {
    const token = file.endsWith('.gif') ? file.slice(0, -'.gif'.length) : file;
    try {
      await this.tracking.recordOpen(token, hitRequest(request, clientIp));
    } catch (error) {
      this.warnNotRecorded('open', error);
    }
    response.writeHead(200, PIXEL_HEADERS).end(PIXEL);
  }

  /**
   * Redirects a genuine link to its URL (the one ases signed into it) and counts the click. A
   * forged or altered token gets 404, never a redirect: this is not an open redirect. A store
   * that fails costs the count, never the redirect.
   */
  async click(
    token: string,
    request: IncomingMessage,
    response: ServerResponse,
    clientIp: string | undefined,
  ): Promise<void> {
    const link = this.tracking.linkOf(token);
    if (link === null) {
      response
        .writeHead(LINK_NOT_FOUND.statusCode, {
          'Content-Type': 'application/json; charset=utf-8',
          'Cache-Control': NO_STORE,
        })
        .end(LINK_NOT_FOUND_BODY);
      return;
    }
    try {
      await this.tracking.recordClick(link, hitRequest(request, clientIp));
    } catch (error) {
      this.warnNotRecorded('click', error);
    }
    // The serialised URL: percent-encoded and punycoded, so a Unicode link is a valid header.
    response.writeHead(302, { Location: new URL(link.url).href, 'Cache-Control': NO_STORE }).end();
  }

  private warnNotRecorded(kind: string, error: unknown): void {
    this.logger.warn(
      `${kind} not recorded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function hitRequest(request: IncomingMessage, clientIp: string | undefined): HitRequest {
  return {
    method: request.method ?? 'GET',
    userAgent: request.headers['user-agent'],
    ip: clientIp,
    at: new Date(),
  };
}

/**
 * One path segment, percent-decoded; null when it holds a `/` (a deeper path, not a tracking
 * one). An empty segment or a malformed escape (`%ff`) cannot be a token ases signed, so the raw
 * text is kept and fails the signature check like any other bad token: the pixel still answers
 * its GIF, a link its 404, never a URI-decoding error.
 */
function decodeSegment(segment: string): string | null {
  if (segment.includes('/')) {
    return null;
  }
  if (!segment.includes('%')) {
    return segment;
  }
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
