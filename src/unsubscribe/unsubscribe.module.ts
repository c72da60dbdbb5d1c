import { Module } from '@nestjs/common';
import { StatusModule } from '../status/status.module';
import { SuppressionModule } from '../suppression/suppression.module';
import { UnsubscribeService } from './unsubscribe.service';

/** One-click unsubscribe: the `List-Unsubscribe` links, and `/u/<token>` that they lead to. */
@Module({
  imports: [StatusModule, SuppressionModule],
  providers: [UnsubscribeService],
  exports: [UnsubscribeService],
})
export class UnsubscribeModule {}
