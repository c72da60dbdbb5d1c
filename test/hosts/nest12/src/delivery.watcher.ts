import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ASES_EVENTS, type AsesMessageEvent } from 'ases';

/** The host's own listener of ases's events: resolves when a given message is delivered. */
@Injectable()
export class DeliveryWatcher {
  private readonly seen = new Map<string, AsesMessageEvent[]>();
  private readonly waiting = new Map<string, (event: AsesMessageEvent) => void>();

  @OnEvent(ASES_EVENTS.delivered)
  onDelivered(event: AsesMessageEvent): void {
    const events = this.seen.get(event.messageId) ?? [];
    events.push(event);
    this.seen.set(event.messageId, events);
    this.waiting.get(event.messageId)?.(event);
  }

  /** How many delivered events the host received for the message. */
  count(messageId: string): number {
    return this.seen.get(messageId)?.length ?? 0;
  }

  delivered(messageId: string): Promise<AsesMessageEvent> {
    const first = this.seen.get(messageId)?.[0];
    if (first) {
      return Promise.resolve(first);
    }
    return new Promise((resolve) => this.waiting.set(messageId, resolve));
  }
}
