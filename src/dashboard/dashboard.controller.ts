import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AsesExceptionFilter } from '../core/ases-exception.filter';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { DASHBOARD_HEADERS } from './dashboard-page';
import { cookiePathOf, isSameOrigin, sessionCookie } from '../core/dashboard-session';
import { DashboardService } from './dashboard.service';

const SESSION_ROUTE = '/dashboard/session';
const CROSS_SITE = new AsesException(
  AsesErrorCode.FORBIDDEN,
  'sign-in and sign-out are taken only from the dashboard page itself (same origin)',
);

/**
 * `GET /dashboard`: the dashboard, or the sign-in form without a session; `POST
 * /dashboard/session` `{ key }` signs in (sets the session cookie), `DELETE /dashboard/session`
 * signs out. The page reads the REST API with the cookie (see ApiKeyGuard).
 */
@ApiExcludeController()
@Controller('dashboard')
@UseFilters(AsesExceptionFilter)
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  page(@Req() request: Request, @Res() response: Response): void {
    // Express also routes `/dashboard/` here, where the page's relative URLs would go astray.
    if (request.path.endsWith('/')) {
      response.redirect(HttpStatus.MOVED_PERMANENTLY, '../dashboard');
      return;
    }
    response
      .status(HttpStatus.OK)
      .set(DASHBOARD_HEADERS)
      .type('html')
      .send(this.dashboard.pageFor(request));
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: Response): void {
    const asset = this.dashboard.asset(name);
    // Revalidated on each load (a 304 by ETag), so an upgrade is seen at once.
    response
      .set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' })
      .type(asset.contentType)
      .send(asset.body);
  }

  @Post('session')
  @HttpCode(HttpStatus.NO_CONTENT)
  signIn(
    @Req() request: Request,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): void {
    if (!isSameOrigin(request)) {
      throw CROSS_SITE;
    }
    const token = this.dashboard.signIn(body);
    response.set('Cache-Control', 'no-store');
    response.append('Set-Cookie', sessionCookie(token, cookieOptions(request)));
  }

  @Delete('session')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): void {
    if (!isSameOrigin(request)) {
      throw CROSS_SITE;
    }
    response.append('Set-Cookie', sessionCookie(null, cookieOptions(request)));
  }
}

function cookieOptions(request: Request): { path: string; secure: boolean } {
  return {
    path: cookiePathOf(request.originalUrl.split('?')[0], SESSION_ROUTE),
    secure: request.secure,
  };
}
