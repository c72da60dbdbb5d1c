import { Controller, Get } from '@nestjs/common';

/** The host's own health route, which ases's routes must not shadow. */
@Controller()
export class HealthController {
  @Get('health')
  health(): { status: 'ok'; host: string } {
    return { status: 'ok', host: 'nest12' };
  }
}
