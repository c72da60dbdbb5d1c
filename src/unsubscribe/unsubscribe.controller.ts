import { Controller, Get, HttpStatus, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { asesErrorResponse, AsesExceptionFilter } from '../core/ases-exception.filter';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import {
  UNSUBSCRIBE_HEADERS,
  UNSUBSCRIBE_PAGE_CSP,
  confirmPage,
  donePage,
  notFoundPage,
  unavailablePage,
} from './unsubscribe-page';
import { UNSUBSCRIBE_PATH, UnsubscribeService } from './unsubscribe.service';

const NOT_FOUND = new AsesException(
  AsesErrorCode.LINK_NOT_FOUND,
  'no such unsubscribe link: the token is not one this service signed',
);

/**
 * The public unsubscribe endpoints, called without a key by mail clients and by people:
 * `POST /u/<token>` unsubscribes at once (RFC 8058 one-click; any body, any type, or none), and
 * `GET /u/<token>` shows a page that asks first, so a link scanner following the link unsubscribes
 * nobody. A forged or damaged token is a 404 (a page for browsers, ases's JSON otherwise).
 */
@ApiExcludeController()
@Controller(UNSUBSCRIBE_PATH)
@UseFilters(AsesExceptionFilter)
export class UnsubscribeController {
  constructor(private readonly unsubscribes: UnsubscribeService) {}

  @Get(':token')
  page(@Param('token') token: string, @Res() response: Response): void {
    const target = this.unsubscribes.verify(token);
    if (target === null) {
      sendPage(response, HttpStatus.NOT_FOUND, notFoundPage());
      return;
    }
    sendPage(response, HttpStatus.OK, confirmPage(target));
  }

  @Post(':token')
  async oneClick(
    @Param('token') token: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    // Mail clients post `List-Unsubscribe=One-Click` and want no page; the form on the GET page
    // is posted by a browser, which is shown one.
    const browser = wantsHtml(request);
    response.set(UNSUBSCRIBE_HEADERS);
    const target = this.unsubscribes.verify(token);
    if (target === null) {
      if (browser) {
        sendPage(response, HttpStatus.NOT_FOUND, notFoundPage());
        return;
      }
      throw NOT_FOUND;
    }
    try {
      await this.unsubscribes.unsubscribe(target);
    } catch (error) {
      if (browser && error instanceof AsesException) {
        sendPage(response, asesErrorResponse(error).statusCode, unavailablePage());
        return;
      }
      throw error;
    }
    if (browser) {
      sendPage(response, HttpStatus.OK, donePage(target));
      return;
    }
    response.status(HttpStatus.OK).end();
  }
}

function wantsHtml(request: Request): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

function sendPage(response: Response, status: number, html: string): void {
  response
    .status(status)
    .set(UNSUBSCRIBE_HEADERS)
    .set('Content-Security-Policy', UNSUBSCRIBE_PAGE_CSP)
    .type('html')
    .send(html);
}
