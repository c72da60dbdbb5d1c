import { Module } from '@nestjs/common';
import { DashboardService } from './dashboard.service';

/** The operator's dashboard: `GET /dashboard`, its assets and its sign-in. */
@Module({
  providers: [DashboardService],
  exports: [DashboardService],
})
export class DashboardModule {}
