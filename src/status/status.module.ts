import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { StatusController } from './status.controller';
import { StatusRepository } from './status.repository';
import { StatusService } from './status.service';

/** Message records in Redis, and the status endpoint. */
@Module({
  controllers: [StatusController],
  providers: [StatusRepository, StatusService, ApiKeyGuard],
  exports: [StatusService],
})
export class StatusModule {}
