import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import { AsesMetrics } from './ases-metrics';

/**
 * Counts what ases announces in-process: status changes, and the opens and clicks recorded
 * (from ases's pixel and links, and from SES's events), with their class. These events are
 * emitted by the instance that made the change, once per change.
 */
@Injectable()
export class MetricsListener {
  constructor(private readonly metrics: AsesMetrics) {}

  /** Every status change of a message, whatever made it. */
  @OnEvent(ASES_EVENTS.statusChanged)
  statusChanged(event: AsesMessageEvent): void {
    this.metrics.statusChanged(event.status);
  }

  /** An open recorded on a message. */
  @OnEvent(ASES_EVENTS.opened)
  opened(event: AsesMessageEvent): void {
    this.countHit('open', event);
  }

  /** A click recorded on a message. */
  @OnEvent(ASES_EVENTS.clicked)
  clicked(event: AsesMessageEvent): void {
    this.countHit('click', event);
  }

  private countHit(kind: 'open' | 'click', { event }: AsesMessageEvent): void {
    this.metrics.trackingHit(kind, event.hit?.class ?? 'unknown', event.source ?? 'ases');
  }
}
