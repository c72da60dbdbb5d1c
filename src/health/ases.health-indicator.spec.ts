import { HealthIndicatorService } from '@nestjs/terminus';
import type { QueueDirectory } from '../core/queue-directory';
import { StoreHealth, StoreHealthError } from '../core/store-health';
import { AsesHealthIndicator } from './ases.health-indicator';

// StoreHealth and QueueDirectory are ases's own ports to Redis and SQS: faked here; the e2e
// specs run the indicator against real ones.
function indicator(store: () => Promise<object>, problems: Record<string, string>) {
  return new AsesHealthIndicator(
    new HealthIndicatorService(),
    { check: store } as unknown as StoreHealth,
    { check: () => Promise.resolve(problems) } as unknown as QueueDirectory,
  );
}

describe('AsesHealthIndicator', () => {
  it('is up under the key asked for when Redis and every queue answer', async () => {
    const ases = indicator(() => Promise.resolve({ mode: 'single' }), {});
    await expect(ases.isHealthy('mail')).resolves.toEqual({
      mail: {
        status: 'up',
        redis: { status: 'up', mode: 'single' },
        queues: { status: 'up' },
      },
    });
  });

  it('is down, saying what failed, when Redis or a queue does not answer', async () => {
    const redisDown = indicator(
      () => Promise.reject(new StoreHealthError('connect ECONNREFUSED', 'cluster')),
      {},
    );
    await expect(redisDown.isHealthy()).resolves.toEqual({
      ases: {
        status: 'down',
        redis: { status: 'down', mode: 'cluster', message: 'connect ECONNREFUSED' },
        queues: { status: 'up' },
      },
    });
    const queueDown = indicator(() => Promise.resolve({ mode: 'single' }), {
      'ases-bounces': 'queue does not exist',
    });
    await expect(queueDown.queues('sqs')).resolves.toEqual({
      sqs: { status: 'down', 'ases-bounces': 'queue does not exist' },
    });
    await expect(queueDown.isHealthy()).resolves.toMatchObject({ ases: { status: 'down' } });
  });
});
