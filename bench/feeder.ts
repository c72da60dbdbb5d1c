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
  /** Message ids are `<idPrefix><n>`; the subject is the id too, so the SES stub can read it. */
  idPrefix: string;
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

/** What the API made of the messages. */
export interface FeedResult {
  /** Ids of the messages the API accepted (a 202 whose result item has an id). */
  accepted: string[];
  /** Messages the API answered with an error, by code (HTTP status for a failed request). */
  refused: Record<string, number>;
  /** Absolute ms (see `clock`) of the first post and of the end of the last answer. */
  startedAt: number;
  endedAt: number;
}

interface BatchAnswer {
  results?: Array<{ id?: string; error?: { code?: string } }>;
}

/**
 * Posts `rate` messages per second in ticks of 100 ms to `POST /v1/messages/batch`, spread over
 * the targets. Ticks are scheduled from the start time and each posts what is due by then, so a
 * slow tick is made up by the next rather than lowering the rate. Posts are not awaited within a
 * tick: a slow API shows as a growing number of requests in flight, not as a slower feed.
 */
export class Feeder {
  private readonly accepted: string[] = [];
  private readonly refused: Record<string, number> = {};
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
      while (share > 0) {
        const size = Math.min(share, MAX_BATCH);
        const first = this.posted;
        this.posted += size;
        share -= size;
        const request = this.postBatch(target, first, size);
        const set = this.inFlight.get(target.url) ?? new Set<Promise<void>>();
        this.inFlight.set(target.url, set);
        set.add(request);
        void request.finally(() => set.delete(request));
      }
    }
  }

  private async postBatch(target: FeedTarget, first: number, size: number): Promise<void> {
    const messages = Array.from({ length: size }, (_unused, offset) => {
      const n = first + offset;
      const id = `${this.options.idPrefix}${n}`;
      return {
        localMessageId: id,
        from: 'bench@example.com',
        to: `bench+${n}@example.com`,
        subject: id,
        text: 'A message from the ases benchmark. Nobody reads it.',
      };
    });
    let status: number;
    let answer: BatchAnswer;
    try {
      const response = await fetch(`${target.url}/v1/messages/batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ messages }),
      });
      status = response.status;
      answer = (await response.json()) as BatchAnswer;
    } catch (error) {
      this.count(`request failed (${error instanceof Error ? error.message : 'unknown'})`, size);
      return;
    }
    if (status !== 202 || !Array.isArray(answer.results)) {
      this.count(`HTTP ${status}`, size);
      return;
    }
    for (const result of answer.results) {
      if (typeof result.id === 'string') {
        this.accepted.push(result.id);
      } else {
        this.count(result.error?.code ?? 'unknown error', 1);
      }
    }
  }

  private count(reason: string, messages: number): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + messages;
  }
}
