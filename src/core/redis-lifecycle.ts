import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { AsesRedis } from './ases-redis';
import { InjectAsesRedis } from './ases.tokens';
import { StoreMonitor } from './store-monitor';

/**
 * Closes ases's Redis connection (one server or a cluster) at shutdown. It lives in the global
 * AsesModule, whose hooks Nest calls after the feature modules', so the repositories and the
 * consumer drain are done with Redis by then.
 */
@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @InjectAsesRedis() private readonly redis: AsesRedis,
    private readonly monitor: StoreMonitor,
  ) {}

  /** QUIT when connected (a Cluster quits every node); otherwise stop reconnecting at once. */
  async onApplicationShutdown(): Promise<void> {
    // Closing on purpose is no outage to report.
    this.monitor.stop();
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else if (this.redis.status !== 'end') {
      // Not connected (Redis down, or never used): QUIT would wait in the offline queue.
      this.redis.disconnect();
    }
  }
}
