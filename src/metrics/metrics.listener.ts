import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectAsesEvents } from '../core/ases.tokens';
import { listenTo } from '../core/event-listeners';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import { AsesMetrics } from './ases-metrics';

/**
 * Counts what ases announces in-process: status changes, and the opens and clicks recorded
 * (from ases's pixel and links, and from SES's events), with their class. These events are
 * emitted by the instance that made the change, once per change.
 */
@Injectable()
export class MetricsListener implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly metrics: AsesMetrics,
    @InjectAsesEvents() private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = listenTo(this.events, {
      [ASES_EVENTS.statusChanged]: (event: never) => this.statusChanged(event),
      [ASES_EVENTS.opened]: (event: never) => this.opened(event),
      [ASES_EVENTS.clicked]: (event: never) => this.clicked(event),
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Every status change of a message, whatever made it. */
  statusChanged(event: AsesMessageEvent): void {
    this.metrics.statusChanged(event.status);
  }

  /** An open recorded on a message. */
  opened(event: AsesMessageEvent): void {
    this.countHit('open', event);
  }

  /** A click recorded on a message. */
  clicked(event: AsesMessageEvent): void {
    this.countHit('click', event);
  }

  private countHit(kind: 'open' | 'click', { event }: AsesMessageEvent): void {
    this.metrics.trackingHit(kind, event.hit?.class ?? 'unknown', event.source ?? 'ases');
  }
}
