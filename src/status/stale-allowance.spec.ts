import type { ModuleRef } from '@nestjs/core';
import type { ResolvedAsesOptions } from '../core/ases-options';
import type { QueueDirectory } from '../core/queue-directory';
import type { SendingState } from '../mailer/send-rate.limiter';
import { StaleAllowance } from './stale-allowance';

const HOUR = 3_600_000;

function allowanceWith(
  attributes: Record<string, string> | Error,
  sending: SendingState | Error | 'no limiter',
  sendRate: number | 'auto' = 100,
) {
  const sent: unknown[] = [];
  const queues = {
    urls: { sendmail: 'http://sqs.local/000000000000/ases-sendmail' },
    client: {
      send: (command: { input: unknown }) => {
        sent.push(command.input);
        return attributes instanceof Error
          ? Promise.reject(attributes)
          : Promise.resolve({ Attributes: attributes });
      },
    },
  } as unknown as QueueDirectory;
  const moduleRef = {
    get: () => {
      if (sending === 'no limiter') {
        throw new Error('not found');
      }
      return {
        snapshot: () =>
          sending instanceof Error ? Promise.reject(sending) : Promise.resolve(sending),
      };
    },
  } as unknown as ModuleRef;
  const options = { staleQueuedMs: HOUR, sendRate } as ResolvedAsesOptions;
  return { allowance: new StaleAllowance(queues, moduleRef, options), sent };
}

describe('StaleAllowance', () => {
  it('reads the sendmail backlog (visible, in flight, delayed) and the rate in force', async () => {
    const { allowance, sent } = allowanceWith(
      {
        ApproximateNumberOfMessages: '300000',
        ApproximateNumberOfMessagesNotVisible: '40000',
        ApproximateNumberOfMessagesDelayed: '20000',
      },
      { ceiling: 100, rate: 100, paused: null },
    );
    expect(await allowance.queued()).toEqual({
      ok: true,
      ms: 3 * HOUR,
      backlog: 360_000,
      ratePerSecond: 100,
    });
    expect(sent).toEqual([
      {
        QueueUrl: 'http://sqs.local/000000000000/ases-sendmail',
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      },
    ]);
  });

  it('waits out a pause of all sending, and goes by the throttled rate', async () => {
    const { allowance } = allowanceWith(
      { ApproximateNumberOfMessages: '180000' },
      { ceiling: 100, rate: 50, paused: { leftMs: HOUR, reason: 'daily quota' } },
    );
    expect(await allowance.queued()).toMatchObject({ ok: true, ms: 4 * HOUR, ratePerSecond: 50 });
  });

  it('falls back to SEND_RATE when the limiter cannot tell, and to the floor with auto', async () => {
    const backlog = { ApproximateNumberOfMessages: '360000' };
    expect(await allowanceWith(backlog, new Error('redis')).allowance.queued()).toMatchObject({
      ms: 3 * HOUR,
    });
    expect(await allowanceWith(backlog, 'no limiter').allowance.queued()).toMatchObject({
      ms: 3 * HOUR,
    });
    expect(await allowanceWith(backlog, 'no limiter', 'auto').allowance.queued()).toMatchObject({
      ms: HOUR,
      ratePerSecond: null,
    });
  });

  it('says why when SQS does not answer', async () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    expect(await allowanceWith(error, 'no limiter').allowance.queued()).toEqual({
      ok: false,
      problem:
        "the sendmail queue's backlog could not be read (TimeoutError: connect ECONNREFUSED)",
    });
  });
});
