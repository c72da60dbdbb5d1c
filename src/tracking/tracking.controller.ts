import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { TrackingRequestHandler } from './tracking-request.handler';
import { CLICK_PATH, OPEN_PIXEL_PATH } from './tracking.service';

/**
 * The public tracking endpoints, which mail clients and browsers call without a key:
 * `GET /t/o/<token>.gif` (the open pixel) and `GET /t/c/<token>` (a tracked link).
 */
@ApiExcludeController()
@Controller()
export class TrackingController {
  constructor(private readonly handler: TrackingRequestHandler) {}

  @Get(`${OPEN_PIXEL_PATH}/:file`)
  open(
    @Param('file') file: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.handler.open(file, request, response, request.ip);
  }

  @Get(`${CLICK_PATH}/:token`)
  click(
    @Param('token') token: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return this.handler.click(token, request, response, request.ip);
  }
}
