import { Module } from '@nestjs/common';
import { StatusModule } from '../status/status.module';
import { TrackingController } from './tracking.controller';
import { TrackingService } from './tracking.service';

/** Open tracking: the pixel endpoint, and the HTML instrumenting the sender uses. */
@Module({
  imports: [StatusModule],
  controllers: [TrackingController],
  providers: [TrackingService],
  exports: [TrackingService],
})
export class TrackingModule {}
