import { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';

/** Handlers by event name; each takes the payload its event carries (typed by the caller). */
export type EventHandlers = Readonly<Record<string, (payload: never) => unknown>>;

/**
 * Subscribes ases's own listeners to the emitter ases announces on, and returns what undoes it.
 *
 * Not `@OnEvent`: a host's `EventEmitterModule` registers the decorated methods of every provider
 * in the app, ases's included, and ases's own emitter (a host without the module) would register
 * none. Each call is guarded as `@OnEvent` guards it: events are emitted inside a status change,
 * and a listener that throws or rejects must be logged, not fail the change.
 */
export function listenTo(
  emitter: Pick<EventEmitter2, 'on' | 'off'>,
  handlers: EventHandlers,
  logger: Pick<Logger, 'error'> = new Logger('ases'),
): () => void {
  const subscribed = Object.entries(handlers).map(([name, handler]) => {
    const listener = (payload: unknown): void => {
      const failed = (error: unknown): void =>
        logger.error(
          `listener of ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      try {
        const result = handler(payload as never);
        if (result instanceof Promise) {
          result.catch(failed);
        }
      } catch (error) {
        failed(error);
      }
    };
    emitter.on(name, listener);
    return [name, listener] as const;
  });
  return () => {
    for (const [name, listener] of subscribed) {
      emitter.off(name, listener);
    }
  };
}
