import { EventEmitter2 } from '@nestjs/event-emitter';
import { listenTo } from './event-listeners';

describe('listenTo', () => {
  const logger = (): { error: jest.Mock } => ({ error: jest.fn() });

  it('calls each handler with its event, until undone', () => {
    const emitter = new EventEmitter2();
    const seen: string[] = [];
    const undo = listenTo(emitter, {
      'ases.a': (payload: string) => seen.push(`a:${payload}`),
      'ases.b': (payload: string) => seen.push(`b:${payload}`),
    });
    emitter.emit('ases.a', 1);
    emitter.emit('ases.b', 2);
    undo();
    emitter.emit('ases.a', 3);
    expect(seen).toEqual(['a:1', 'b:2']);
    expect(emitter.listenerCount('ases.a')).toBe(0);
  });

  it('keeps a throwing handler from failing the emit, and logs it', () => {
    const emitter = new EventEmitter2();
    const log = logger();
    const after: number[] = [];
    listenTo(
      emitter,
      {
        'ases.a': () => {
          throw new Error('boom');
        },
      },
      log,
    );
    emitter.on('ases.a', (n: number) => after.push(n));
    expect(() => emitter.emit('ases.a', 7)).not.toThrow();
    expect(after).toEqual([7]);
    expect(log.error).toHaveBeenCalledWith('listener of ases.a failed: boom');
  });

  it('logs a rejected promise instead of leaving it unhandled', async () => {
    const emitter = new EventEmitter2();
    const log = logger();
    let rejected!: Promise<never>;
    listenTo(
      emitter,
      {
        'ases.a': () => {
          rejected = Promise.reject(new Error('later'));
          return rejected;
        },
      },
      log,
    );
    emitter.emit('ases.a');
    await rejected.catch(() => undefined);
    await new Promise(setImmediate);
    expect(log.error).toHaveBeenCalledWith('listener of ases.a failed: later');
  });
});
