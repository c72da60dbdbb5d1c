import { setTimeout as sleep } from 'node:timers/promises';
import { clock } from './metrics';

const TICK_MS = 100;
const MAX_BATCH = 500;

/** Where messages go: the API of a running app process. */
export interface FeedTarget {
  name: string;
  url: string;
}

/** Options of {@link Feeder}. */
export interface FeedOptions {
  /** Messages per second. */
  rate: number;
  /** Seconds of feeding at `rate`, after the initial backlog. */
  durationSeconds: number;
  /** Seconds' worth of messages posted at once at the start, so the sender is never starved. */
  backlogSeconds: number;
  apiKey: string;
  /**
   * Message n's subject is `<idPrefix><n>`; with `callerIds` it is its localMessageId too (the
   * SES stub reads the id from the mail's X-Ases-Id header, the request number from its Subject).
   */
  idPrefix: string;
  /**
   * `batch` (default): `POST /v1/messages/batch`, one request a target and tick; `single`:
   * `POST /v1/messages`, one request a message, each answer timed.
   */
  endpoint?: 'batch' | 'single';
  /** Give each message its id as `localMessageId` (default true); false: ases makes the ids. */
  callerIds?: boolean;
  /** A request not answered by then is given up and counted as `timeout`. Default: none. */
  requestTimeoutMs?: number;
  /** The processes to spread the messages over, asked at every tick (one may be retired). */
  targets: () => readonly FeedTarget[];
  /** Awaited before every tick with the ms since feeding started; for scripted events. */
  beforeTick?: (elapsedMs: number) => Promise<void>;
  /** Called about every 5 s. */
  onProgress?: (progress: FeedProgress) => void;
  signal?: AbortSignal;
}

/** Where feeding stands. */
export interface FeedProgress {
  elapsedMs: number;
  posted: number;
  accepted: number;
  total: number;
}

/** One request to the API and its answer. */
export interface FeedRequest {
  target: string;
  /** The number of its first message, and how many it carried. */
  first: number;
  size: number;
  /** Absolute ms (see `clock`) it was sent, and answered (or given up). */
  sentAt: number;
  answeredAt: number;
  /** The HTTP status, or `timeout` / `error` when there was no answer. */
  status: number | 'timeout' | 'error';
  /** The error code of a non-202 answer (`STORE_UNAVAILABLE`, ...) or why there was no answer. */
  code?: string;
  /** The ids it got accepted, by message (undefined for one refused). */
  ids: Array<string | undefined>;
}

/** What the API made of the messages. */
export interface FeedResult {
  /** Ids of the messages the API accepted (a 202 whose result item has an id). */
  accepted: string[];
  /** Messages the API answered with an error, by code (HTTP status for a failed request). */
  refused: Record<string, number>;
  /** Every request, in the order they were answered. */
  requests: FeedRequest[];
  /** Absolute ms (see `clock`) of the first post and of the end of the last answer. */
  startedAt: number;
  endedAt: number;
}

interface BatchAnswer {
  results?: Array<{ id?: string; error?: { code?: string } }>;
}

interface SingleAnswer {
  id?: string;
  code?: string;
}

/**
 * Posts `rate` messages per second in ticks of 100 ms to `POST /v1/messages/batch` (or one
 * request a message to `POST /v1/messages`), spread over the targets. Ticks are scheduled from
 * the start time and each posts what is due by then, so a slow tick is made up by the next rather
 * than lowering the rate. Posts are not awaited within a tick: a slow API shows as a growing
 * number of requests in flight, not as a slower feed.
 */
export class Feeder {
  private readonly accepted: string[] = [];
  private readonly refused: Record<string, number> = {};
  private readonly requests: FeedRequest[] = [];
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  private posted = 0;

  constructor(private readonly options: FeedOptions) {}

  /** Resolves when every message has been posted and answered. */
  async run(): Promise<FeedResult> {
    const { rate, durationSeconds, backlogSeconds, signal } = this.options;
    const backlog = Math.round(rate * backlogSeconds);
    const total = backlog + Math.round(rate * durationSeconds);
    const startedAt = clock();
    let nextProgressMs = 5000;
    for (let tick = 0; this.posted < total; tick += 1) {
      signal?.throwIfAborted();
      const elapsedMs = clock() - startedAt;
      if (this.options.beforeTick) {
        await this.options.beforeTick(elapsedMs);
      }
      const due = Math.min(total, backlog + Math.floor((rate * elapsedMs) / 1000));
      this.post(due - this.posted);
      if (elapsedMs >= nextProgressMs) {
        nextProgressMs += 5000;
        this.options.onProgress?.({
          elapsedMs,
          posted: this.posted,
          accepted: this.accepted.length,
          total,
        });
      }
      const nextTickAt = startedAt + (tick + 1) * TICK_MS;
      await sleep(Math.max(0, nextTickAt - clock()), undefined, { signal });
    }
    await this.settle();
    return {
      accepted: this.accepted,
      refused: this.refused,
      requests: this.requests,
      startedAt,
      endedAt: clock(),
    };
  }

  /** The ids accepted so far. */
  acceptedSoFar(): readonly string[] {
    return this.accepted;
  }

  /** Resolves when the posts in flight (to one target, or to all) have been answered. */
  async settle(target?: FeedTarget): Promise<void> {
    const sets = target
      ? [this.inFlight.get(target.url) ?? new Set()]
      : [...this.inFlight.values()];
    await Promise.all(sets.flatMap((set) => [...set]));
  }

  private post(count: number): void {
    const targets = this.options.targets();
    if (count <= 0 || targets.length === 0) {
      return;
    }
    // Rotate which target gets the remainder, so that small ticks still spread evenly.
    const offset = this.posted % targets.length;
    for (let index = 0; index < targets.length; index += 1) {
      const target = targets[(index + offset) % targets.length];
      let share = Math.floor(count / targets.length) + (index < count % targets.length ? 1 : 0);
      const batch = this.options.endpoint === 'single' ? 1 : MAX_BATCH;
      while (share > 0) {
        const size = Math.min(share, batch);
        const first = this.posted;
        this.posted += size;
        share -= size;
        const request =
          this.options.endpoint === 'single'
            ? this.postOne(target, first)
            : this.postBatch(target, first, size);
        const set = this.inFlight.get(target.url) ?? new Set<Promise<void>>();
        this.inFlight.set(target.url, set);
        set.add(request);
        void request.finally(() => set.delete(request));
      }
    }
  }

  private message(n: number): Record<string, string> {
    const name = `${this.options.idPrefix}${n}`;
    return {
      ...(this.options.callerIds === false ? {} : { localMessageId: name }),
      from: 'bench@example.com',
      to: `bench+${n}@example.com`,
      subject: name,
      text: 'A message from the ases benchmark. Nobody reads it.',
    };
  }

  /** POSTs `body` to `path`; the status and parsed body, or why there was no answer. */
  private async request(
    target: FeedTarget,
    path: string,
    body: unknown,
  ): Promise<
    | { status: number; answer: unknown }
    | { status: 'timeout' | 'error'; reason: string; answer?: undefined }
  > {
    const timeoutMs = this.options.requestTimeoutMs;
    try {
      const response = await fetch(`${target.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        answer = undefined;
      }
      return { status: response.status, answer };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      return name === 'TimeoutError'
        ? { status: 'timeout', reason: `no answer within ${timeoutMs} ms` }
        : { status: 'error', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private async postBatch(target: FeedTarget, first: number, size: number): Promise<void> {
    const messages = Array.from({ length: size }, (_unused, offset) =>
      this.message(first + offset),
    );
    const sentAt = clock();
    const reply = await this.request(target, '/v1/messages/batch', { messages });
    const record: FeedRequest = {
      target: target.name,
      first,
      size,
      sentAt,
      answeredAt: clock(),
      status: reply.status,
      ids: [],
    };
    this.requests.push(record);
    if (typeof reply.status !== 'number') {
      record.code = reply.reason;
      this.count(`request failed (${reply.reason})`, size);
      return;
    }
    const answer = (reply.answer ?? {}) as BatchAnswer;
    if (reply.status !== 202 || !Array.isArray(answer.results)) {
      this.count(`HTTP ${reply.status}`, size);
      return;
    }
    for (const result of answer.results) {
      if (typeof result.id === 'string') {
        this.accepted.push(result.id);
        record.ids.push(result.id);
      } else {
        record.ids.push(undefined);
        this.count(result.error?.code ?? 'unknown error', 1);
      }
    }
  }

  private async postOne(target: FeedTarget, n: number): Promise<void> {
    const sentAt = clock();
    const reply = await this.request(target, '/v1/messages', this.message(n));
    const record: FeedRequest = {
      target: target.name,
      first: n,
      size: 1,
      sentAt,
      answeredAt: clock(),
      status: reply.status,
      ids: [undefined],
    };
    this.requests.push(record);
    if (typeof reply.status !== 'number') {
      record.code = reply.reason;
      this.count(reply.status === 'timeout' ? 'timeout' : `request failed (${reply.reason})`, 1);
      return;
    }
    const answer = (reply.answer ?? {}) as SingleAnswer;
    if (reply.status === 202 && typeof answer.id === 'string') {
      this.accepted.push(answer.id);
      record.ids = [answer.id];
      return;
    }
    record.code = typeof answer.code === 'string' ? answer.code : undefined;
    this.count(`HTTP ${reply.status}${record.code ? ` ${record.code}` : ''}`, 1);
  }

  private count(reason: string, messages: number): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + messages;
  }
}
