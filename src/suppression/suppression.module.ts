import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '../core/api-key.guard';
import { SuppressionRepository } from './suppression.repository';
import { SuppressionService } from './suppression.service';

/** The suppression list in Redis, and `/v1/suppressions`. */
@Module({
  providers: [SuppressionRepository, SuppressionService, ApiKeyGuard],
  exports: [SuppressionService],
})
export class SuppressionModule {}
