import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import { incrementOf } from './series';
import { SeriesRepository } from './series.repository';

/**
 * Counts each status change into the time series as it is announced: the instance that made a
 * change announces it once, right after its write, so the series and the records have one source.
 * The count is buffered (written within a second): it never holds back (or fails) the change.
 */
@Injectable()
export class SeriesListener {
  constructor(private readonly series: SeriesRepository) {}

  @OnEvent(ASES_EVENTS.delivered)
  delivered(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.delivered, event);
  }

  @OnEvent(ASES_EVENTS.bounced)
  bounced(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.bounced, event);
  }

  @OnEvent(ASES_EVENTS.complained)
  complained(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.complained, event);
  }

  @OnEvent(ASES_EVENTS.failed)
  failed(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.failed, event);
  }

  @OnEvent(ASES_EVENTS.suppressed)
  suppressed(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.suppressed, event);
  }

  @OnEvent(ASES_EVENTS.opened)
  opened(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.opened, event);
  }

  @OnEvent(ASES_EVENTS.clicked)
  clicked(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.clicked, event);
  }

  private count(name: string, event: AsesMessageEvent): void {
    const now = Date.now();
    const increment = incrementOf(name, event, now);
    if (increment === null) {
      return;
    }
    // The bucket of the event's own time (a late bounce counts when it happened).
    const at = Date.parse(event.event.at);
    this.series.add(increment, Number.isNaN(at) ? now : at);
  }
}
