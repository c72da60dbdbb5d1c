import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectAsesEvents } from '../core/ases.tokens';
import { listenTo } from '../core/event-listeners';
import { ASES_EVENTS, AsesMessageEvent } from '../core/ases-events';
import { incrementOf } from './series';
import { SeriesRepository } from './series.repository';

/**
 * Counts each status change into the time series as it is announced: the instance that made a
 * change announces it once, right after its write, so the series and the records have one source.
 * The count is buffered (written within a second): it never holds back (or fails) the change.
 */
@Injectable()
export class SeriesListener implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly series: SeriesRepository,
    @InjectAsesEvents() private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = listenTo(this.events, {
      [ASES_EVENTS.delivered]: (event: never) => this.delivered(event),
      [ASES_EVENTS.bounced]: (event: never) => this.bounced(event),
      [ASES_EVENTS.complained]: (event: never) => this.complained(event),
      [ASES_EVENTS.failed]: (event: never) => this.failed(event),
      [ASES_EVENTS.suppressed]: (event: never) => this.suppressed(event),
      [ASES_EVENTS.opened]: (event: never) => this.opened(event),
      [ASES_EVENTS.clicked]: (event: never) => this.clicked(event),
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  delivered(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.delivered, event);
  }

  bounced(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.bounced, event);
  }

  complained(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.complained, event);
  }

  failed(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.failed, event);
  }

  suppressed(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.suppressed, event);
  }

  opened(event: AsesMessageEvent): void {
    this.count(ASES_EVENTS.opened, event);
  }

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
