import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { QueueModule } from '../core/queue.module';
import { StaleAllowance } from './stale-allowance';
import { StaleSweeper } from './stale.sweeper';
import { StatusRepository } from './status.repository';
import { StatusService } from './status.service';

/** Message records in Redis, the status endpoint, and the sweep that finds stale messages. */
@Module({
  // The stale sweep reads the sendmail queue's backlog.
  imports: [QueueModule],
  providers: [StatusRepository, StatusService, ApiKeyGuard, StaleAllowance, StaleSweeper],
  exports: [StatusService],
})
export class StatusModule {}
