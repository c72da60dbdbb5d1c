/** Thrown by {@link within} when the work did not settle in time. */
export class ReadingTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'ReadingTimeout';
  }
}

/** `work`'s value, or a {@link ReadingTimeout} after `ms`; the work itself goes on. */
export async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ReadingTimeout(ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a {@link CachedReading} reads and how long it trusts and waits for a reading. */
export interface CachedReadingOptions<T> {
  /** Takes a reading; it must bound its own duration (a timeout of its own). */
  read: () => Promise<T>;
  /** A reading younger than this is served without reading again. */
  maxAgeMs: number;
  /** How long `get` waits for a new reading before serving what it has. */
  waitMs: number;
  /** The clock, in ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * A value that is slow or costly to read (SQS queue attributes), for a scrape: served from cache
 * while young, read again by one caller at a time when old, and never waited for longer than
 * `waitMs` (the scrape then gets the previous reading, and the next scrape the new one). A failed
 * read drops the previous reading: a number is never served long after it could be checked.
 */
export class CachedReading<T> {
  private value: T | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: CachedReadingOptions<T>) {
    this.now = options.now ?? Date.now;
  }

  /** The latest reading, refreshed first when it is old; undefined when there is none. */
  async get(): Promise<T | undefined> {
    if (this.now() - this.readAt < this.options.maxAgeMs) {
      return this.value;
    }
    this.pending ??= this.refresh();
    try {
      await within(this.pending, this.options.waitMs);
    } catch {
      // Still reading: this caller gets the previous value, the read goes on for the next.
    }
    return this.value;
  }

  private async refresh(): Promise<void> {
    try {
      this.value = await this.options.read();
      this.readAt = this.now();
    } catch {
      this.value = undefined;
      this.readAt = Number.NEGATIVE_INFINITY;
    } finally {
      this.pending = undefined;
    }
  }
}
