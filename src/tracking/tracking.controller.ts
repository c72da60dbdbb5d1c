import { Controller, Get, Header, Logger, Param, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { CLICK_PATH, HitRequest, OPEN_PIXEL_PATH, TrackingService } from './tracking.service';

// The smallest transparent 1x1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_STORE = 'no-store, no-cache, must-revalidate, max-age=0';

function hitRequest(request: Request): HitRequest {
  return {
    method: request.method,
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    at: new Date(),
  };
}

/**
 * The public tracking endpoints, which mail clients and browsers call without a key:
 * `GET /t/o/<token>.gif` (the open pixel) and `GET /t/c/<token>` (a tracked link).
 */
@ApiExcludeController()
@Controller()
@UseFilters(AsesExceptionFilter)
export class TrackingController {
  private readonly logger = new Logger('ases');

  constructor(private readonly tracking: TrackingService) {}

  /** Always answers the GIF, whatever the token: a mail client must never show a broken image. */
  @Get(`${OPEN_PIXEL_PATH}/:file`)
  @Header('Content-Type', 'image/gif')
  @Header('Cache-Control', NO_STORE)
  @Header('Pragma', 'no-cache')
  async open(
    @Param('file') file: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const token = file.endsWith('.gif') ? file.slice(0, -'.gif'.length) : file;
    try {
      await this.tracking.recordOpen(token, hitRequest(request));
    } catch (error) {
      this.warnNotRecorded('open', error);
    }
    response.end(PIXEL);
  }

  /**
   * Redirects a genuine link to its URL (the one ases signed into it) and counts the click. A
   * forged or altered token gets 404, never a redirect: this is not an open redirect. A store
   * that fails costs the count, never the redirect.
   */
  @Get(`${CLICK_PATH}/:token`)
  @Header('Cache-Control', NO_STORE)
  async click(
    @Param('token') token: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const link = this.tracking.linkOf(token);
    if (link === null) {
      throw new AsesException(
        AsesErrorCode.LINK_NOT_FOUND,
        'no such link: the token is not one this service signed',
      );
    }
    try {
      await this.tracking.recordClick(link, hitRequest(request));
    } catch (error) {
      this.warnNotRecorded('click', error);
    }
    response.redirect(302, link.url);
  }

  private warnNotRecorded(kind: string, error: unknown): void {
    this.logger.warn(
      `${kind} not recorded: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
