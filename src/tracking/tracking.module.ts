import { Module } from '@nestjs/common';
import { StatusModule } from '../status/status.module';
import { TrackingRequestHandler } from './tracking-request.handler';
import { TrackingService } from './tracking.service';

/** Open and click tracking: the pixel and link endpoints, the HTML instrumenting, hit classing. */
@Module({
  imports: [StatusModule],
  providers: [TrackingService, TrackingRequestHandler],
  exports: [TrackingService, TrackingRequestHandler],
})
export class TrackingModule {}
