import { MessageStatus } from '../status/message-status';
import { messageEventBody, suppressionEventBody } from './webhook-payload';

describe('webhook bodies', () => {
  const now = new Date('2026-12-01T10:00:00.000Z');

  it('carry a message event as type, timestamp and data', () => {
    const event = {
      type: 'bounce',
      at: '2026-12-01T09:59:58.000Z',
      recipient: 'a@example.com',
      detail: 'Permanent/General',
    };
    expect(
      messageEventBody(
        'message.bounced',
        {
          messageId: 'm1',
          sesMessageId: 's1',
          status: MessageStatus.BOUNCED,
          previousStatus: MessageStatus.PUSHED,
          event,
          tags: { a: 'b' },
        },
        now,
      ),
    ).toEqual({
      type: 'message.bounced',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: {
        messageId: 'm1',
        sesMessageId: 's1',
        status: 'BOUNCED',
        previousStatus: 'PUSHED',
        recipient: 'a@example.com',
        event,
        tags: { a: 'b' },
      },
    });
  });

  it('say null for what an event does not know yet, and carry a stale event’s details', () => {
    const stale = { reason: 'pushed' as const, since: 'x', staleAt: 'y' };
    const body = messageEventBody(
      'message.stale',
      {
        messageId: 'm1',
        status: MessageStatus.PUSHED,
        previousStatus: MessageStatus.PUSHED,
        event: { type: 'stale', at: 'y' },
        tags: {},
        stale,
      } as Parameters<typeof messageEventBody>[1],
      now,
    );
    expect(body.data).toMatchObject({ sesMessageId: null, recipient: null, stale });
  });

  it('carry a suppression event as it is', () => {
    const entry = { email: 'a@example.com', reason: 'r', since: 's', source: 'manual' };
    expect(suppressionEventBody('suppression.added', entry, now)).toEqual({
      type: 'suppression.added',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: entry,
    });
  });
});
