import { Controller, Get, Header, Logger, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { OPEN_PIXEL_PATH, TrackingService } from './tracking.service';

// The smallest transparent 1x1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** `GET /t/o/<token>.gif`: the open pixel. Public: mail clients call it without a key. */
@ApiExcludeController()
@Controller(OPEN_PIXEL_PATH)
export class TrackingController {
  private readonly logger = new Logger('ases');

  constructor(private readonly tracking: TrackingService) {}

  /** Always answers the GIF, whatever the token: a mail client must never show a broken image. */
  @Get(':file')
  @Header('Content-Type', 'image/gif')
  @Header('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0')
  @Header('Pragma', 'no-cache')
  async open(@Param('file') file: string, @Res() response: Response): Promise<void> {
    const token = file.endsWith('.gif') ? file.slice(0, -'.gif'.length) : file;
    try {
      await this.tracking.recordOpen(token);
    } catch (error) {
      this.logger.warn(
        `open not recorded: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    response.end(PIXEL);
  }
}
