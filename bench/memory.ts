import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { ResolvedAsesOptions } from '../src/core/ases-options';
import { newMessageId } from '../src/status/message-id';
import { MessageStatus } from '../src/status/message-status';
import type { StatusDetail } from '../src/status/record-codec';
import { recordLocation } from '../src/status/record-location';
import { NewMessage, StatusRepository } from '../src/status/status.repository';
import { HOUR_MS, MINUTE_MS, SERIES_COUNTERS } from '../src/stats/series';
import { SeriesRepository } from '../src/stats/series.repository';
import { isRunning, stopChild, trackChild } from './children';
import { freePort } from './fleet';
import type { FigureValue, GoalResult, ScenarioResult } from './report';

/** Messages per mode (`--messages`). */
export const MEMORY_MESSAGES = 100_000;
/** Messages with ids the caller gave, measured at DELIVERED + 1 open in full mode. */
export const CALLER_ID_MESSAGES = 10_000;
/** The projection: records kept at once (the retention's worth of mail). */
export const PROJECTED_RECORDS = 121_000_000;

const KEY_PREFIX = 'ases:';
const TTL_SECONDS = 14 * 86_400;
/** Simulated rate: one message queued every 10 ms of simulated time. */
const QUEUE_INTERVAL_MS = 10;
const PUSH_AFTER_MS = 300;
const DELIVER_AFTER_MS = 2_500;
const OPEN_AFTER_MS = 3_600_000;
const CLICK_AFTER_MS = 60_000;
const IN_FLIGHT = 200;
const CLICK_URL = 'https://shop.example.com/offer?utm_campaign=weekly';
const LEASE_MS = 60_000;
/** Records whose packed length is averaged per stage (HSTRLEN / STRLEN). */
const LENGTH_SAMPLE = 1_000;

/** The goals: bytes per message at DELIVERED + 1 open. */
const GOALS: Readonly<Record<StatusDetail, number>> = { full: 500, lean: 200 };

/** The memory scenario's name and what it is about. */
export interface MemoryScenarioDefinition {
  name: 'memory';
  summary: string;
}

/** Where the memory scenario writes its Redis log, and how many messages it records. */
export interface MemoryScenarioContext {
  logDir: string;
  messages: number;
  signal: AbortSignal;
  log: (text: string) => void;
}

/** The stages measured, in order; each adds to the one before. */
const STAGES = [
  { name: 'QUEUED', figure: 'Queued' },
  { name: 'PUSHED', figure: 'Pushed' },
  { name: 'DELIVERED', figure: 'Delivered' },
  { name: 'DELIVERED + 1 open', figure: 'Open' },
  { name: '+ 1 click', figure: 'Click' },
] as const;
type Stage = (typeof STAGES)[number];

/** The key kinds of the status store, by the letter after the prefix. */
const KEY_KINDS = ['r', 'x', 'u', 'i'] as const;
type KeyKind = (typeof KEY_KINDS)[number];

export const MEMORY_SCENARIO: MemoryScenarioDefinition = {
  name: 'memory',
  summary:
    'Bytes of Redis memory per message, by stage, in both `statusDetail` modes: StatusRepository ' +
    'driven directly (no app process, SQS or SES stub) against a redis-server of its own with ' +
    'default settings. Messages are queued at 100/s of simulated time (so the per-minute time ' +
    'buckets fill as they would at that rate), pushed 300 ms later with a real-shaped 60-character ' +
    'SES id, delivered 2.5 s after that, opened once an hour later and clicked once a minute ' +
    'after the open: from 25 characters, to 36, subject 70, 2 tags, opens and clicks tracked. ' +
    'Each stage is `used_memory` after it minus that of the empty database, divided by the ' +
    'messages; by key kind is `MEMORY USAGE <key> SAMPLES 0` summed over the keys of the kind ' +
    '(r: time buckets, x: SES-id index, u: caller-given ids, i: search index, its lists and ' +
    'their chunk filters), divided by the messages they hold. ' +
    'The projection multiplies bytes per message by 121 M records. Caller-given ids ' +
    '(`localMessageId`, each record a key of its own, with its fingerprint) are measured apart, ' +
    'at DELIVERED + 1 open in full mode.',
};

/** One simulated message: its id, fields and the times of its events. */
interface SimulatedMessage {
  message: NewMessage;
  sesMessageId: string;
  pushedAt: string;
  deliveredAt: string;
  openAt: string;
  clickAt: string;
}

/** `length` characters: `text` cut or padded with `pad`. */
function sized(text: string, length: number, pad = 'x'): string {
  return text.length >= length ? text.slice(0, length) : text + pad.repeat(length - text.length);
}

/** A real-shaped SES message id: 0100, the send time (12 hex digits of ms), a UUID, -000000. */
function sesMessageId(sentAtMs: number): string {
  return `0100${sentAtMs.toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The n-th message queued at 100/s from `t0`, with an id ases makes or one the caller gave. */
function simulate(n: number, t0: number, callerId: boolean): SimulatedMessage {
  const queuedAt = t0 + n * QUEUE_INTERVAL_MS;
  const pushed = queuedAt + PUSH_AFTER_MS;
  const delivered = pushed + DELIVER_AFTER_MS;
  const open = delivered + OPEN_AFTER_MS;
  const subject = sized(
    `Order ${n.toString().padStart(7, '0')} has shipped: track your parcel and see this week's offers`,
    70,
  );
  const message: NewMessage = {
    id: callerId ? `order-${n}` : newMessageId(queuedAt),
    from: 'news@shop-mail.example.io',
    to: `jane.doe.${n.toString(36).padStart(5, '0')}@customer-mail.example`,
    subject,
    tags: { campaign: 'weekly-offers', variant: 'b' },
    track: { opens: true, clicks: true },
    queuedAt: iso(queuedAt),
    fingerprint: createHash('sha256').update(`${n}:${subject}`).digest('base64url'),
  };
  if (message.from.length !== 25 || message.to.length !== 36 || message.subject.length !== 70) {
    throw new Error(
      `simulated message ${n}: from, to, subject are ${message.from.length}, ` +
        `${message.to.length}, ${message.subject.length} characters; expected 25, 36, 70`,
    );
  }
  return {
    message,
    sesMessageId: sesMessageId(pushed),
    pushedAt: iso(pushed),
    deliveredAt: iso(delivered),
    openAt: iso(open),
    clickAt: iso(open + CLICK_AFTER_MS),
  };
}

/** Runs `work` on every item, `limit` at a time. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      signal.throwIfAborted();
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Throws when a step did not do what the simulation expects: the figures would be wrong. */
function expectOutcome(step: string, id: string, outcome: string, expected: string): void {
  if (outcome !== expected) {
    throw new Error(`${step} of ${id}: outcome ${JSON.stringify(outcome)}; expected ${expected}`);
  }
}

/** Runs one stage over every message. */
async function runStage(
  repository: StatusRepository,
  stage: Stage,
  messages: readonly SimulatedMessage[],
  signal: AbortSignal,
): Promise<void> {
  await inParallel(
    messages,
    IN_FLIGHT,
    async (m) => {
      const { id } = m.message;
      const [to] = [m.message.to].flat();
      switch (stage.figure) {
        case 'Queued': {
          const created = await repository.create(m.message);
          expectOutcome('create', id, String(created.created), 'true');
          return;
        }
        case 'Pushed': {
          const claimed = await repository.claim(id, 'memory-bench', LEASE_MS);
          expectOutcome('claim', id, claimed.outcome, 'claimed');
          const pushed = await repository.markPushed(id, m.sesMessageId, m.pushedAt);
          expectOutcome('markPushed', id, pushed.outcome, 'applied');
          return;
        }
        case 'Delivered': {
          const delivered = await repository.apply(id, {
            status: MessageStatus.DELIVERED,
            change: { deliveredAt: m.deliveredAt },
            event: {
              type: 'delivery',
              at: m.deliveredAt,
              recipient: to,
              detail: '250 ok:  Message 64111812 accepted',
              source: 'ses',
            },
            dedupeKeys: [`delivery:${m.sesMessageId}:${to}`],
          });
          expectOutcome('delivery', id, delivered.outcome, 'applied');
          return;
        }
        case 'Open': {
          const opened = await repository.apply(id, {
            tracking: { kind: 'open', source: 'ases', at: m.openAt, class: 'human' },
            event: {
              type: 'open',
              at: m.openAt,
              source: 'ases',
              hit: { class: 'human', rule: 'browser' },
            },
          });
          expectOutcome('open', id, opened.outcome, 'applied');
          return;
        }
        case 'Click': {
          const clicked = await repository.apply(id, {
            tracking: {
              kind: 'click',
              source: 'ases',
              at: m.clickAt,
              class: 'human',
              url: CLICK_URL,
            },
            event: {
              type: 'click',
              at: m.clickAt,
              detail: CLICK_URL,
              source: 'ases',
              hit: { class: 'human', rule: 'browser', link: 0 },
            },
          });
          expectOutcome('click', id, clicked.outcome, 'applied');
          return;
        }
      }
    },
    signal,
  );
}

/** A redis-server of the scenario's own, with default settings and no persistence. */
async function startRedis(logDir: string): Promise<{ redis: Redis; stop: () => Promise<void> }> {
  const port = await freePort();
  mkdirSync(logDir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      logDir,
      '--logfile',
      join(logDir, 'memory-redis.log'),
    ],
    { stdio: 'ignore' },
  );
  trackChild(child);
  const stop = (): Promise<void> => stopChild(child, 'SIGTERM', 5_000);
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    retryStrategy: () => null,
  });
  // Refused connections while the server starts reject connect(); nothing else to report.
  redis.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (!isRunning(child)) {
        throw new Error(`redis-server exited (see ${join(logDir, 'memory-redis.log')})`);
      }
      await redis.connect();
      await redis.ping();
      return {
        redis,
        stop: async () => {
          redis.disconnect();
          await stop();
        },
      };
    } catch (error) {
      redis.disconnect();
      if (Date.now() > deadline || !isRunning(child)) {
        await stop();
        throw new Error(
          `redis-server on port ${port} did not answer within 10 s: ${String(error)}`,
        );
      }
      await sleep(100);
    }
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const value = /^used_memory:(\d+)/m.exec(info)?.[1];
  if (value === undefined) {
    throw new Error('INFO memory: no used_memory field');
  }
  return Number(value);
}

/** Every key of the prefix, grouped by kind. */
async function keysByKind(redis: Redis): Promise<Map<KeyKind, string[]>> {
  const keys = new Map<KeyKind, string[]>(KEY_KINDS.map((kind) => [kind, []]));
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      keys.get(key.charAt(KEY_PREFIX.length) as KeyKind)?.push(key);
    }
  } while (cursor !== '0');
  return keys;
}

/** Per key kind: keys, entries (hash fields; 1 a string key), bytes, encodings. */
interface KindUsage {
  keys: number;
  entries: number;
  bytes: number;
  encodings: Set<string>;
}

async function usageByKind(redis: Redis): Promise<Map<KeyKind, KindUsage>> {
  const usage = new Map<KeyKind, KindUsage>();
  for (const [kind, keys] of await keysByKind(redis)) {
    const total: KindUsage = { keys: keys.length, entries: 0, bytes: 0, encodings: new Set() };
    for (let start = 0; start < keys.length; start += 500) {
      const pipeline = redis.pipeline();
      const chunk = keys.slice(start, start + 500);
      for (const key of chunk) {
        pipeline.memory('USAGE', key, 'SAMPLES', 0);
        pipeline.object('ENCODING', key);
        if (kind === 'u') {
          pipeline.exists(key);
        } else if (kind === 'i') {
          // A minute's list holds one entry a message; its chunk filters (`:b`, a string) none.
          if (key.endsWith(':b')) {
            pipeline.exists(key);
          } else {
            pipeline.llen(key);
          }
        } else {
          pipeline.hlen(key);
        }
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < replies.length; i += 3) {
        const [error, bytes] = replies[i];
        const [, encoding] = replies[i + 1];
        const [, entries] = replies[i + 2];
        if (error) {
          throw new Error(`MEMORY USAGE ${chunk[i / 3]}: ${error.message}`);
        }
        total.bytes += Number(bytes);
        total.entries += kind === 'i' && chunk[i / 3].endsWith(':b') ? 0 : Number(entries);
        total.encodings.add(String(encoding));
      }
    }
    usage.set(kind, total);
  }
  return usage;
}

/** Mean packed length of a sample of the records. */
async function meanRecordLength(redis: Redis, ids: readonly string[]): Promise<number> {
  const sample = ids.filter(
    (_, index) => index % Math.max(1, Math.floor(ids.length / LENGTH_SAMPLE)) === 0,
  );
  const pipeline = redis.pipeline();
  for (const id of sample) {
    const { key, field } = recordLocation(KEY_PREFIX, id);
    if (field === '') {
      pipeline.strlen(key);
    } else {
      pipeline.hstrlen(key, field);
    }
  }
  const replies = (await pipeline.exec()) ?? [];
  const total = replies.reduce((sum, [, length]) => sum + Number(length), 0);
  return sample.length === 0 ? 0 : total / sample.length;
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Empties the database, keeping the scripts loaded, and measures the empty baseline. */
async function emptyBaseline(redis: Redis): Promise<number> {
  await redis.flushall('SYNC');
  await redis.call('MEMORY', 'PURGE');
  await sleep(200);
  return usedMemory(redis);
}

/** Per stage: used_memory delta per message, bytes per message by key kind, record length. */
interface StageMeasure {
  stage: Stage['name'];
  bytesPerMessage: number;
  byKind: Partial<Record<KeyKind, number>>;
  recordLength: number;
  encodings: Partial<Record<KeyKind, string>>;
  keys: Partial<Record<KeyKind, number>>;
}

async function measureStage(
  redis: Redis,
  stage: Stage,
  baseline: number,
  messages: readonly SimulatedMessage[],
): Promise<StageMeasure> {
  const ids = messages.map((m) => m.message.id);
  const used = await usedMemory(redis);
  const usage = await usageByKind(redis);
  const byKind: StageMeasure['byKind'] = {};
  const encodings: StageMeasure['encodings'] = {};
  const keys: StageMeasure['keys'] = {};
  for (const [kind, total] of usage) {
    if (total.keys > 0) {
      // Bytes per message the kind holds (each message has one record and one index entry).
      byKind[kind] = round(total.bytes / total.entries);
      encodings[kind] = [...total.encodings].sort().join('+');
      keys[kind] = total.keys;
    }
  }
  return {
    stage: stage.name,
    bytesPerMessage: round((used - baseline) / messages.length),
    byKind,
    recordLength: round(await meanRecordLength(redis, ids)),
    encodings,
    keys,
  };
}

/** Records `messages` stage by stage in `detail` mode, measuring after each of `stages`. */
async function runMode(
  redis: Redis,
  detail: StatusDetail,
  messages: readonly SimulatedMessage[],
  stages: readonly Stage[],
  context: MemoryScenarioContext,
  label: string,
): Promise<StageMeasure[]> {
  const repository = new StatusRepository(redis, {
    redis: { keyPrefix: KEY_PREFIX },
    statusTtlSeconds: TTL_SECONDS,
    statusDetail: detail,
  } as ResolvedAsesOptions);
  const baseline = await emptyBaseline(redis);
  const measures: StageMeasure[] = [];
  for (const stage of STAGES) {
    const started = Date.now();
    await runStage(repository, stage, messages, context.signal);
    if (stages.includes(stage)) {
      const measure = await measureStage(redis, stage, baseline, messages);
      measures.push(measure);
      const kinds = Object.entries(measure.byKind)
        .map(([kind, bytes]) => `${kind}: ${bytes} B (${measure.encodings[kind as KeyKind]})`)
        .join(', ');
      context.log(
        `${label} ${stage.name}: ${measure.bytesPerMessage} B/message; ${kinds}; record ` +
          `${measure.recordLength} characters (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
    if (stage === stages[stages.length - 1]) {
      break;
    }
  }
  return measures;
}

/** A warm-up of every script on a throwaway message, so that the script cache is in the baseline. */
async function warmUp(redis: Redis, context: MemoryScenarioContext): Promise<void> {
  const messages = [simulate(0, Date.now(), false), simulate(1, Date.now(), true)];
  for (const detail of ['full', 'lean'] as const) {
    await runMode(redis, detail, messages, STAGES, { ...context, log: () => undefined }, 'warm-up');
  }
}

function kindFigure(measure: StageMeasure): Record<string, number | null> {
  return Object.fromEntries(
    KEY_KINDS.filter((kind) => measure.byKind[kind] !== undefined).map((kind) => [
      `${kind}:`,
      measure.byKind[kind] ?? null,
    ]),
  );
}

/** Runs the memory scenario: both modes over `context.messages`, then caller-given ids. */
export async function runMemoryScenario(
  definition: MemoryScenarioDefinition,
  context: MemoryScenarioContext,
): Promise<Omit<ScenarioResult, 'date' | 'commit' | 'machine'> & { redisVersion: string }> {
  const { log } = context;
  const n = context.messages;
  const callerIds = Math.min(CALLER_ID_MESSAGES, n);
  const server = await startRedis(context.logDir);
  try {
    const { redis } = server;
    const version = /^redis_version:(.+)$/m.exec(await redis.info('server'))?.[1]?.trim() ?? '?';
    const listpack = (await redis.config('GET', 'hash-max-listpack-*')) as string[];
    const settings: string[] = [];
    for (let i = 0; i + 1 < listpack.length; i += 2) {
      settings.push(`${listpack[i]} ${listpack[i + 1]}`);
    }
    log(`redis-server ${version} on ${redis.options.port}; ${settings.sort().join(', ')}`);
    await warmUp(redis, context);

    // Simulated time starts at a minute boundary, now: the buckets' TTLs are then real ones.
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const generated = Array.from({ length: n }, (_, i) => simulate(i, t0, false));
    const figures: Record<string, FigureValue> = {
      redisVersion: version,
      listpackSettings: settings.sort().join(', '),
      messages: n,
      simulatedRate: 1000 / QUEUE_INTERVAL_MS,
    };
    const goals: GoalResult[] = [];
    for (const detail of ['full', 'lean'] as const) {
      log(`${detail}: ${n} messages, ${IN_FLIGHT} in flight`);
      const measures = await runMode(redis, detail, generated, STAGES, context, detail);
      for (const [index, measure] of measures.entries()) {
        const stage = STAGES[index];
        figures[`${detail}${stage.figure}Bytes`] = measure.bytesPerMessage;
      }
      figures[`${detail}ProjectionGbByStage`] = Object.fromEntries(
        measures.map((m) => [m.stage, round((m.bytesPerMessage * PROJECTED_RECORDS) / 1e9, 2)]),
      );
      for (const [index, measure] of measures.entries()) {
        figures[`${detail}${STAGES[index].figure}BytesByKeyKind`] = kindFigure(measure);
      }
      // The search index's share, on a line of its own: it is the same at every stage.
      figures[`${detail}SearchIndexBytes`] = measures[measures.length - 1].byKind.i ?? null;
      figures[`${detail}RecordLengthBytesByStage`] = Object.fromEntries(
        measures.map((m) => [m.stage, m.recordLength]),
      );
      const last = measures[measures.length - 1];
      figures[`${detail}Layout`] = KEY_KINDS.filter((kind) => last.keys[kind] !== undefined)
        .map(
          (kind) =>
            `${kind}: ${last.keys[kind]} keys, ${round(n / (last.keys[kind] ?? 1))} messages ` +
            `a key, ${last.encodings[kind]}`,
        )
        .join('; ');
      const open = measures.find((m) => m.stage === 'DELIVERED + 1 open');
      const actual = open?.bytesPerMessage ?? Number.NaN;
      goals.push({
        goal: `${detail}: bytes per message at DELIVERED + 1 open`,
        target: `≤ ${GOALS[detail]} B`,
        actual: `${actual} B (${round((actual * PROJECTED_RECORDS) / 1e9, 2)} GB for 121 M)`,
        pass: actual <= GOALS[detail],
      });
    }

    log(`caller-given ids: ${callerIds} messages, full mode`);
    const given = Array.from({ length: callerIds }, (_, i) => simulate(i, t0, true));
    const openStage = STAGES.find((s) => s.figure === 'Open');
    const [callerOpen] = (
      await runMode(redis, 'full', given, openStage ? [openStage] : [], context, 'caller ids')
    ).slice(-1);
    figures.callerIdMessages = callerIds;
    figures.callerIdOpenBytes = callerOpen.bytesPerMessage;
    figures.callerIdOpenBytesByKeyKind = kindFigure(callerOpen);
    figures.callerIdOpenRecordLengthBytes = callerOpen.recordLength;
    figures.callerIdOpenProjectionGb = round(
      (callerOpen.bytesPerMessage * PROJECTED_RECORDS) / 1e9,
      2,
    );
    await redis.flushall('SYNC');
    Object.assign(figures, await seriesFigures(redis, log));
    await redis.flushall('SYNC');
    return {
      scenario: definition.name,
      summary: definition.summary,
      config: {
        messages: n,
        callerIdMessages: callerIds,
        inFlight: IN_FLIGHT,
        keyPrefix: KEY_PREFIX,
        statusTtlSeconds: TTL_SECONDS,
        projectedRecords: PROJECTED_RECORDS,
      },
      figures,
      goals,
      redisVersion: version,
    };
  } finally {
    await server.stop();
  }
}

/** Categories of the time series' measured day: every counter of each moves every minute. */
const SERIES_CATEGORIES = ['transactional', 'marketing', 'news'];

/**
 * Bytes the time series take: one simulated day in which every counter of three categories and
 * every gauge move every minute (the most a day can write: fields, not counts, cost memory).
 * Minutes are kept 2 days and hours 15, so what a fleet keeps at once is 2 days of minutes plus
 * 15 of hours.
 */
async function seriesFigures(
  redis: Redis,
  log: (text: string) => void,
): Promise<Record<string, FigureValue>> {
  const series = new SeriesRepository(redis, {
    redis: { keyPrefix: KEY_PREFIX },
  } as unknown as ResolvedAsesOptions);
  // Starts at the next hour, so that every bucket's expiry is in the future.
  const start = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
  const before = await usedMemory(redis);
  for (let at = start; at < start + 24 * HOUR_MS; at += MINUTE_MS) {
    for (const category of SERIES_CATEGORIES) {
      series.add({ category, counters: [...SERIES_COUNTERS], lagMs: 1_200 }, at);
    }
    await Promise.all([series.sample(120, 14, at), series.flush()]);
  }
  const total = (await usedMemory(redis)) - before;
  let minuteBytes = 0;
  let hourBytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}ts:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const bytes = Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
      if (/:\d+$/.test(key.slice(key.indexOf('}')))) {
        minuteBytes += bytes;
      } else {
        hourBytes += bytes;
      }
    }
  } while (cursor !== '0');
  const kept = 2 * minuteBytes + 15 * hourBytes;
  log(
    `time series: ${total} B a day (used_memory); minutes ${minuteBytes} B, hours ${hourBytes} B ` +
      `a day (MEMORY USAGE); kept at once ${kept} B`,
  );
  return {
    seriesCategories: SERIES_CATEGORIES.length,
    seriesBytesPerDay: total,
    seriesMinuteBytesPerDay: minuteBytes,
    seriesHourBytesPerDay: hourBytes,
    seriesBytesKept: kept,
  };
}
