import { Logger } from '@nestjs/common';
import { OwnRedis } from '../../test/helpers/own-redis';
import type { ResolvedAsesOptions } from './ases-options';
import { AsesErrorCode } from './ases.exception';
import { createAsesRedis } from './redis-connection';
import { inStore } from './redis-store';
import { StoreMonitor } from './store-monitor';

// ases's connection against a Redis of the test's own, which it stops and starts again.

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('StoreMonitor and the bounded Redis waits', () => {
  let server: OwnRedis;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await OwnRedis.start();
    jest.spyOn(Logger.prototype, 'error').mockImplementation((line: unknown) => {
      lines.push(`error ${String(line)}`);
    });
    jest.spyOn(Logger.prototype, 'log').mockImplementation((line: unknown) => {
      lines.push(`log ${String(line)}`);
    });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await server.close();
  });

  it('says once that Redis went away and once that it is back; commands fail at once meanwhile', async () => {
    const redis = createAsesRedis({
      redis: { url: server.url, keyPrefix: 'monitor:' },
    } as ResolvedAsesOptions);
    const monitor = new StoreMonitor(redis);
    monitor.onApplicationBootstrap();
    try {
      await until(() => redis.status === 'ready' && monitor.available, 'the first connection');
      expect(lines).toEqual([]);

      await server.stop();
      await until(() => !monitor.available, 'the monitor to see the outage');
      // Ten requests during the outage: each fails with STORE_UNAVAILABLE, none waits for a
      // reconnect (the offline queue is off once the connection has been ready).
      const failures = await Promise.all(
        Array.from({ length: 10 }, () =>
          inStore('the test store', () => redis.get('k')).catch((error: unknown) => error),
        ),
      );
      for (const failure of failures) {
        expect(failure).toMatchObject({ code: AsesErrorCode.STORE_UNAVAILABLE });
        expect((failure as Error).message).toMatch(
          /^the test store \(Redis\) did not answer: not /,
        );
      }

      await server.restart();
      await until(
        () => monitor.available && redis.status === 'ready',
        'the monitor to see it back',
      );
      expect(await redis.set('k', 'v')).toBe('OK');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^error Redis is unavailable \(.+\): the API answers 503/);
      expect(lines[1]).toMatch(/^log Redis is back after \d+\.\d s$/);
    } finally {
      monitor.stop();
      redis.disconnect();
    }
  });
});
