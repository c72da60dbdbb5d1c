import type { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBenchStack } from './bench-stack';
import { stopChild } from './children';
import { Feeder, FeedResult } from './feeder';
import { AppProcess, BENCH_API_KEY } from './fleet';
import { cpuSeconds, ForeignLoadSampler } from './foreign-load';
import { arrivals, percentile, ratePerSecond } from './metrics';
import type { FigureValue, GoalResult, ScenarioResult } from './report';
import { ReceiverReport, WebhookReceiverProcess } from './webhooks-receiver';

/** `npm run bench -- webhooks` runs both webhook scenarios. */
export const WEBHOOKS_GROUP = 'webhooks';

/** A webhook scenario: how many events one process delivers, or sending beside a hanging receiver. */
export interface WebhooksScenarioDefinition {
  name: string;
  summary: string;
  webhooks: 'throughput' | 'hanging-receiver';
}

/** Events (one `message.queued` a message) in the queue before each deliverer starts. */
const THROUGHPUT_EVENTS = 10_000;
const QUICK_THROUGHPUT_EVENTS = 3000;
/** WEBHOOK_CONCURRENCY of the deliverer, one run each. */
const CONCURRENCIES = [8, 32, 128] as const;
/** The option's default, that of the paced run. */
const DEFAULT_CONCURRENCY = 32;
/** The paced run: events a second the deliverer emits itself (one message each), and for how long. */
const PACED_RATE = 200;
const PACED_SECONDS = 10;
const QUICK_PACED_SECONDS = 5;
/** A delivery run ends when every event arrived, when none arrived for this long, or at the cap. */
const STALL_MS = 10_000;
const DELIVERY_CAP_MS = 30_000;
const FILL_CAP_MS = 60_000;
const POLL_MS = 200;
/** The receiver checks the signature of one POST in this many. */
const VERIFY_EVERY = 10;

/** The hanging-receiver runs: SEND_RATE, the SES stub's answer time, and feeding (as rate-100). */
const HANG_SEND_RATE = 100;
const HANG_STUB_LATENCY_MS = 100;
const HANG_FEED_SECONDS = 20;
const QUICK_HANG_FEED_SECONDS = 10;
const HANG_BACKLOG_SECONDS = 1;
const HANG_DRAIN_WAIT_SECONDS = 30;
const MIN_ACHIEVED_RATIO = 0.98;

/** The app environment every process of these scenarios gets: the receiver is on 127.0.0.1. */
const WEBHOOK_ENV = { WEBHOOK_ALLOW_PRIVATE: 'true' };

/** The two scenarios, in the order they run and appear in docs/benchmarks.md. */
export const WEBHOOKS_SCENARIOS: readonly WebhooksScenarioDefinition[] = [
  {
    name: 'webhooks-throughput',
    summary:
      'How many events one process delivers to a fast receiver (node:http on 127.0.0.1, in a ' +
      'process of its own, answering 204 as soon as it has read the body, checking one ' +
      'signature in ten with the `standardwebhooks` package). An API process with ' +
      'WEBHOOK_CONCURRENCY=0 (it queues deliveries, posts none) and SEND_POLLERS=0 accepts ' +
      'eventsPerRun messages at once through `POST /v1/messages/batch`: one `message.queued` ' +
      'delivery each for the one endpoint, subscribed to that type only, waiting in the ' +
      'delivery queue. Then one more process (SEND_POLLERS=0: it delivers, sends nothing) ' +
      'starts with WEBHOOK_CONCURRENCY 8, then 32 (the default), then 128, a fresh queue of the same ' +
      'size each time, until every event arrived, none arrived for ' +
      `${STALL_MS / 1000} s, or ${DELIVERY_CAP_MS / 1000} s passed: events/s is distinct ` +
      '`webhook-id`s received divided by the time from the first to the last receipt; CPU is ' +
      'from the process answering `/health` to the end of the run. What a run leaves in the ' +
      'queue is counted and deleted. Then a fresh deliverer with WEBHOOK_CONCURRENCY=32 is ' +
      `fed ${PACED_RATE} messages a second itself (pacedSeconds), the paced run, as a process ` +
      `sending at ${PACED_RATE / 2}/s emits \`message.queued\` and \`message.pushed\`: latency ` +
      "is from the body's `timestamp` (when ases emitted the event) to the receipt. Duplicates " +
      'are POSTs beyond the first of a `webhook-id`; not delivered are accepted messages whose ' +
      'event had not arrived when the run ended.',
    webhooks: 'throughput',
  },
  {
    name: 'webhooks-hanging-receiver',
    summary:
      `Sending at SEND_RATE=${HANG_SEND_RATE} (SES answers after ${HANG_STUB_LATENCY_MS} ms; ` +
      'one sending process and one API process, as rate-100, both delivering webhooks with ' +
      'the default WEBHOOK_CONCURRENCY=32) three times, each on fresh processes and fed for ' +
      'feedSeconds: with no endpoint (baseline); with one endpoint subscribed to every event ' +
      'that never answers (it accepts the connection and the request and holds them: ases gives ' +
      'up after its 10-s timeout and retries); and with that endpoint and a fast one beside it ' +
      '(both). The rate is the sends SES accepted divided by the time from the first to the ' +
      'last; queued → pushed comes from the records. At the end every delivery to the hanging ' +
      'endpoint must still be in its queue (`<prefix>whq:{<endpoint>}{0}`, due or leased), one per ' +
      'event emitted (`message.queued` and `message.pushed` of each message), and the fast ' +
      "endpoint must have every event once; its latency is from the body's `timestamp` to the " +
      'receipt. CPU figures are averages over feeding and drain.',
    webhooks: 'hanging-receiver',
  },
];

/** What {@link runWebhooksScenario} needs from the harness. */
export interface WebhooksRunContext {
  root: string;
  logDir: string;
  redisUrl: string;
  redis: Redis;
  redisPid: number | undefined;
  /** A fresh id a run; the hanging-receiver scenario adds `-baseline` and `-hang`. */
  runId: () => string;
  /** Seconds of feeding for the hanging-receiver runs (default 20, quick 10). */
  feedSeconds: number | undefined;
  quick: boolean;
  signal: AbortSignal;
  log: (text: string) => void;
}

type ScenarioOutcome = Omit<ScenarioResult, 'date' | 'commit' | 'machine'>;

/** Runs one webhook scenario on its own fauxqs, SES stub, app processes and receiver. */
export function runWebhooksScenario(
  definition: WebhooksScenarioDefinition,
  context: WebhooksRunContext,
): Promise<ScenarioOutcome> {
  return definition.webhooks === 'throughput'
    ? runThroughput(definition, context)
    : runHangingReceiver(definition, context);
}

/** Deliveries waiting in the queues, due or leased (`ZCARD` of every endpoint's queue). */
async function queueDepth(redis: Redis, keyPrefix: string): Promise<number> {
  let total = 0;
  for (const key of await queueKeys(redis, keyPrefix)) {
    if (!key.endsWith(':jobs')) {
      total += await redis.zcard(key);
    }
  }
  return total;
}

/** The keys of the delivery queues: `<prefix>whq:{<endpoint>}{0}` and its `:jobs` (webhook-delivery.repository.ts). */
async function queueKeys(redis: Redis, keyPrefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix}whq:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

/** Empties the delivery queues, so that what one run left does not count in the next. */
async function clearQueue(redis: Redis, keyPrefix: string): Promise<void> {
  const keys = await queueKeys(redis, keyPrefix);
  if (keys.length > 0) {
    await redis.del(...keys);
  }
}

/** Makes an endpoint through the API; resolves to its id and secret. */
async function createEndpoint(
  app: AppProcess,
  url: string,
  events: readonly string[] | undefined,
): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${app.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, ...(events === undefined ? {} : { events }) }),
  });
  const answer = (await response.json()) as { id?: unknown; secret?: unknown };
  if (response.status !== 201 || typeof answer.id !== 'string') {
    throw new Error(`POST /v1/webhooks: HTTP ${response.status}: ${JSON.stringify(answer)}`);
  }
  if (typeof answer.secret !== 'string') {
    throw new Error(`POST /v1/webhooks answered no secret: ${JSON.stringify(answer)}`);
  }
  return { id: answer.id, secret: answer.secret };
}

/** Polls `read` until it reaches `target`, stops moving for STALL_MS, or `capMs` passes. */
async function waitForCount(
  read: () => Promise<number>,
  target: number,
  capMs: number,
  signal: AbortSignal,
): Promise<{ reached: boolean; last: number; waitedMs: number }> {
  const started = Date.now();
  let last = -1;
  let movedAt = started;
  for (;;) {
    const current = await read();
    const now = Date.now();
    if (current !== last) {
      last = current;
      movedAt = now;
    }
    if (current >= target || now - movedAt >= STALL_MS || now - started >= capMs) {
      return { reached: current >= target, last: current, waitedMs: now - started };
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** Posts `count` messages at once (batches of 500 in parallel) to `app`; resolves to the feed. */
function postAtOnce(
  app: AppProcess,
  count: number,
  idPrefix: string,
  signal: AbortSignal,
): Promise<FeedResult> {
  return new Feeder({
    rate: count,
    durationSeconds: 0,
    backlogSeconds: 1,
    apiKey: BENCH_API_KEY,
    idPrefix,
    targets: () => [app],
    signal,
  }).run();
}

/** What a run of deliveries came to, from the receiver's records. */
interface DeliveryFigures {
  events: number;
  distinct: number;
  duplicates: number;
  /** Accepted messages whose event never arrived. */
  missing: number;
  /** POSTs of events of messages this run did not post (another run's, or none). */
  unexpected: number;
  rate: number | null;
  /** First to last receipt, s. */
  spanSeconds: number | null;
  /** Emitted → received of each event's first POST, ms. */
  latencies: number[];
  verified: number;
  badSignatures: number;
  signatureErrors: string[];
}

function deliveryFigures(report: ReceiverReport, accepted: readonly string[]): DeliveryFigures {
  const wanted = new Set(accepted);
  const first = new Map<string, { at: number; latency: number }>();
  const messages = new Set<string>();
  let posts = 0;
  let unexpected = 0;
  for (const received of report.received) {
    if (!wanted.has(received.messageId)) {
      unexpected += 1;
      continue;
    }
    posts += 1;
    messages.add(received.messageId);
    if (!first.has(received.webhookId)) {
      first.set(received.webhookId, {
        at: received.receivedAt,
        latency: received.receivedAt - received.emittedAt,
      });
    }
  }
  const times = [...first.values()].map(({ at }) => at).sort((a, b) => a - b);
  return {
    events: accepted.length,
    distinct: first.size,
    duplicates: posts - first.size,
    missing: accepted.filter((id) => !messages.has(id)).length,
    unexpected,
    rate: ratePerSecond(times),
    spanSeconds: times.length < 2 ? null : (times[times.length - 1] - times[0]) / 1000,
    latencies: [...first.values()]
      .map(({ latency }) => latency)
      .filter((latency) => Number.isFinite(latency)),
    verified: report.verified,
    badSignatures: report.badSignatures,
    signatureErrors: report.signatureErrors,
  };
}

/** A run that drains a full queue: the deliveries, the CPU it took, and what it left queued. */
type DrainRun = DeliveryFigures & {
  appCores: number | null;
  redisCores: number | null;
  left: number;
};

/** The paced run: the deliveries, the rate they were emitted at, and what it left queued. */
type PacedRun = DeliveryFigures & { fedRate: number; left: number };

/** CPU seconds of a process since `before`, as cores over `seconds`; null when not measurable. */
function coresSince(
  pid: number | undefined,
  before: number | null,
  seconds: number,
): number | null {
  const after = pid === undefined ? null : cpuSeconds(pid);
  return before === null || after === null || seconds <= 0 ? null : (after - before) / seconds;
}

function cpuNow(pid: number | undefined): number | null {
  return pid === undefined ? null : cpuSeconds(pid);
}

function warnForeign(log: (text: string) => void, cores: number | null): void {
  if (cores !== null && cores > 0.1) {
    log(
      `warning: other processes used ${cores.toFixed(2)} cores on average during the run; ` +
        'its figures are skewed by them',
    );
  }
}

async function runThroughput(
  definition: WebhooksScenarioDefinition,
  context: WebhooksRunContext,
): Promise<ScenarioOutcome> {
  const { name } = definition;
  const { redis, signal, log } = context;
  const events = context.quick ? QUICK_THROUGHPUT_EVENTS : THROUGHPUT_EVENTS;
  const pacedSeconds = context.quick ? QUICK_PACED_SECONDS : PACED_SECONDS;
  const runId = context.runId();
  log(`run ${runId}: starting fauxqs, the receiver and the API process`);
  const stack = {
    root: context.root,
    scenario: name,
    runId,
    logDir: context.logDir,
    redisUrl: context.redisUrl,
    // Nothing is sent: every process has SEND_POLLERS=0.
    sendRate: 100,
    stub: { latencyMs: 5 },
    redis,
    log,
  };
  return withBenchStack(stack, async ({ fleet }) => {
    const receiver = await WebhookReceiverProcess.start(context.root);
    try {
      const producer = await fleet.startApp({
        api: true,
        env: { ...WEBHOOK_ENV, WEBHOOK_CONCURRENCY: '0' },
      });
      const endpoint = await createEndpoint(producer, receiver.url, ['message.queued']);
      await receiver.configure('fast', endpoint.secret, VERIFY_EVERY);
      const foreignLoad = new ForeignLoadSampler(
        context.redisPid === undefined ? [] : [context.redisPid],
      );
      foreignLoad.start();

      const byConcurrency = new Map<number, DrainRun>();
      const startDeliverer = (concurrency: number): Promise<AppProcess> =>
        fleet.startApp({
          env: { ...WEBHOOK_ENV, SEND_POLLERS: '0', WEBHOOK_CONCURRENCY: String(concurrency) },
        });
      /** Stops the deliverer, then takes what the receiver got and empties the queue for the next run. */
      const finish = async (
        deliverer: AppProcess,
      ): Promise<{ report: ReceiverReport; left: number }> => {
        await stopChild(deliverer.child, 'SIGTERM', 30_000);
        const report = await receiver.drain();
        const left = await queueDepth(redis, fleet.redisKeyPrefix);
        await clearQueue(redis, fleet.redisKeyPrefix);
        return { report, left };
      };
      for (const concurrency of CONCURRENCIES) {
        const fill = await postAtOnce(producer, events, `${runId}-c${concurrency}-`, signal);
        if (fill.accepted.length !== events) {
          throw new Error(
            `the API accepted ${fill.accepted.length} of ${events} messages: ` +
              JSON.stringify(fill.refused),
          );
        }
        // The deliveries are queued after the API has answered: wait until all are there.
        const queued = await waitForCount(
          () => queueDepth(redis, fleet.redisKeyPrefix),
          events,
          FILL_CAP_MS,
          signal,
        );
        if (!queued.reached) {
          throw new Error(`only ${queued.last} of ${events} deliveries were queued`);
        }
        log(
          `${events} deliveries queued in ${((fill.endedAt - fill.startedAt) / 1000).toFixed(1)} ` +
            `s; starting a deliverer with WEBHOOK_CONCURRENCY=${concurrency}`,
        );
        const deliverer = await startDeliverer(concurrency);
        const started = Date.now();
        const appCpu = cpuNow(deliverer.child.pid);
        const redisCpu = cpuNow(context.redisPid);
        const delivered = await waitForCount(
          async () => (await receiver.counts()).distinct,
          events,
          DELIVERY_CAP_MS,
          signal,
        );
        const seconds = (Date.now() - started) / 1000;
        const appCores = coresSince(deliverer.child.pid, appCpu, seconds);
        const redisCores = coresSince(context.redisPid, redisCpu, seconds);
        const { report, left } = await finish(deliverer);
        const figures = deliveryFigures(report, fill.accepted);
        byConcurrency.set(concurrency, { ...figures, appCores, redisCores, left });
        log(
          `WEBHOOK_CONCURRENCY=${concurrency}: ${figures.distinct}/${events} events in ` +
            `${figures.spanSeconds?.toFixed(1) ?? '?'} s, ${figures.rate?.toFixed(0) ?? '?'}/s` +
            `${delivered.reached ? '' : ` (stopped waiting after ${delivered.waitedMs} ms)`}; ` +
            `app ${appCores?.toFixed(2) ?? '?'} cores, Redis ${redisCores?.toFixed(2) ?? '?'}; ` +
            `${left} left in the queue`,
        );
      }

      log(
        `paced: ${PACED_RATE} messages/s for ${pacedSeconds} s to a deliverer with ` +
          `WEBHOOK_CONCURRENCY=${DEFAULT_CONCURRENCY}`,
      );
      const deliverer = await startDeliverer(DEFAULT_CONCURRENCY);
      const feed = await new Feeder({
        rate: PACED_RATE,
        durationSeconds: pacedSeconds,
        backlogSeconds: 0,
        apiKey: BENCH_API_KEY,
        idPrefix: `${runId}-paced-`,
        targets: () => [deliverer],
        signal,
      }).run();
      await waitForCount(
        async () => (await receiver.counts()).distinct,
        feed.accepted.length,
        DELIVERY_CAP_MS,
        signal,
      );
      const pacedRun = await finish(deliverer);
      const paced: PacedRun = {
        ...deliveryFigures(pacedRun.report, feed.accepted),
        fedRate: feed.accepted.length / ((feed.endedAt - feed.startedAt) / 1000),
        left: pacedRun.left,
      };
      log(
        `paced: ${paced.distinct}/${paced.events} events, emitted → received p50 ` +
          `${percentile(paced.latencies, 50) ?? '?'} ms, p99 ${percentile(paced.latencies, 99) ?? '?'} ms`,
      );
      const foreignCpuCores = foreignLoad.stop();
      warnForeign(log, foreignCpuCores);
      writeFileSync(
        join(context.logDir, `${name}-runs.json`),
        `${JSON.stringify(
          {
            byConcurrency: Object.fromEntries(
              [...byConcurrency].map(([c, { latencies: _l, ...rest }]) => [c, rest]),
            ),
            paced: { ...paced, latencies: undefined },
          },
          null,
          2,
        )}\n`,
      );
      return throughputResult(definition, events, pacedSeconds, byConcurrency, paced, {
        foreignCpuCores,
      });
    } finally {
      await receiver.close();
    }
  });
}

function throughputResult(
  definition: WebhooksScenarioDefinition,
  events: number,
  pacedSeconds: number,
  byConcurrency: ReadonlyMap<number, DrainRun>,
  paced: PacedRun,
  extra: { foreignCpuCores: number | null },
): ScenarioOutcome {
  const ordered = [...byConcurrency].sort(([a], [b]) => a - b);
  const per = (pick: (run: DrainRun) => number | null): Record<string, number | null> =>
    Object.fromEntries(ordered.map(([c, run]) => [String(c), pick(run)]));
  const all = [...byConcurrency.values(), paced];
  const verified = all.reduce((sum, run) => sum + run.verified, 0);
  const bad = all.reduce((sum, run) => sum + run.badSignatures, 0);
  const missing = all.reduce((sum, run) => sum + run.missing, 0);
  const duplicates = all.reduce((sum, run) => sum + run.duplicates, 0);
  const figures: Record<string, FigureValue> = {
    eventsPerRun: events,
    deliveredRateByConcurrency: per((run) => run.rate),
    deliverySecondsByConcurrency: per((run) => run.spanSeconds),
    delivererCpuCoresByConcurrency: per((run) => run.appCores),
    redisCpuCoresByConcurrency: per((run) => run.redisCores),
    duplicatesByConcurrencyCounts: per((run) => run.duplicates),
    missingByConcurrencyCounts: per((run) => run.missing),
    leftInQueueByConcurrencyCounts: per((run) => run.left),
    pacedFedRate: paced.fedRate,
    pacedDeliveredRate: paced.rate,
    pacedEvents: paced.events,
    pacedLatencyP50Ms: percentile(paced.latencies, 50),
    pacedLatencyP99Ms: percentile(paced.latencies, 99),
    pacedLatencyMaxMs: percentile(paced.latencies, 100),
    pacedDuplicates: paced.duplicates,
    pacedMissing: paced.missing,
    otherRunsEvents: all.reduce((sum, run) => sum + run.unexpected, 0),
    signaturesVerified: verified,
    badSignatures:
      bad === 0 ? 0 : `${bad} (${all.flatMap((run) => run.signatureErrors).join('; ')})`,
    foreignCpuCores: extra.foreignCpuCores,
  };
  const goals: GoalResult[] = [
    {
      goal: 'every event delivered',
      target: '0 not delivered when a run ended',
      actual: String(missing),
      pass: missing === 0,
    },
    {
      goal: 'each event posted once (fast receiver)',
      target: '0 duplicates',
      actual: String(duplicates),
      pass: duplicates === 0,
    },
    {
      goal: 'signatures verify (standardwebhooks)',
      target: `0 bad of ${verified}`,
      actual: String(bad),
      pass: bad === 0 && verified > 0,
    },
  ];
  return {
    scenario: definition.name,
    summary: definition.summary,
    config: {
      processes: '1 API (WEBHOOK_CONCURRENCY=0) + 1 deliverer a run',
      eventsPerRun: events,
      concurrencies: [...CONCURRENCIES],
      pacedRate: PACED_RATE,
      pacedSeconds,
      endpointEvents: 'message.queued',
      verifyEvery: VERIFY_EVERY,
    },
    figures,
    goals,
  };
}

/** The endpoints of a sending run: none, one that hangs, or one that hangs and one that answers. */
type SendingRunKind = 'baseline' | 'hang' | 'both';

/** What one sending run came to. */
interface SendingRun {
  accepted: number;
  pushed: number;
  lost: number;
  achievedRate: number | null;
  queuedToPushed: number[];
  senderCores: number | null;
  apiCores: number | null;
  redisCores: number | null;
  foreignCores: number | null;
  /** With a hanging endpoint: what waits in the queue, and what the endpoint got. */
  hang?: { depth: number; emitted: number; attempts: number; connections: number };
  /** With a fast endpoint beside it: what that one got. */
  fast?: DeliveryFigures;
}

/** Starts a receiver and makes an endpoint for it, subscribed to every event. */
async function receiverWithEndpoint(
  context: WebhooksRunContext,
  api: AppProcess,
  mode: 'hang' | 'fast',
): Promise<WebhookReceiverProcess> {
  const receiver = await WebhookReceiverProcess.start(context.root);
  try {
    const endpoint = await createEndpoint(api, receiver.url, undefined);
    await receiver.configure(mode, endpoint.secret, VERIFY_EVERY);
    return receiver;
  } catch (error) {
    await receiver.close();
    throw error;
  }
}

async function sendingRun(
  definition: WebhooksScenarioDefinition,
  context: WebhooksRunContext,
  kind: SendingRunKind,
  feedSeconds: number,
): Promise<SendingRun> {
  const { redis, signal } = context;
  const log = (text: string): void => context.log(`${kind}: ${text}`);
  const runId = context.runId();
  log(`run ${runId}: starting fauxqs and the app processes`);
  const stack = {
    root: context.root,
    scenario: `${definition.name}-${kind}`,
    runId,
    logDir: context.logDir,
    redisUrl: context.redisUrl,
    sendRate: HANG_SEND_RATE,
    stub: { latencyMs: HANG_STUB_LATENCY_MS },
    redis,
    log,
  };
  return withBenchStack(stack, async ({ stub, fleet, store }) => {
    const receivers: WebhookReceiverProcess[] = [];
    try {
      const api = await fleet.startApp({ api: true, env: WEBHOOK_ENV });
      // Made before the sender starts, so that its first look at the endpoints finds them.
      const hanging = kind === 'baseline' ? null : await receiverWithEndpoint(context, api, 'hang');
      const fast = kind === 'both' ? await receiverWithEndpoint(context, api, 'fast') : null;
      for (const receiver of [hanging, fast]) {
        if (receiver !== null) {
          receivers.push(receiver);
        }
      }
      const sender = await fleet.startApp({ env: WEBHOOK_ENV });
      const started = Date.now();
      const cpu = {
        sender: cpuNow(sender.child.pid),
        api: cpuNow(api.child.pid),
        redis: cpuNow(context.redisPid),
      };
      const foreignLoad = new ForeignLoadSampler(
        context.redisPid === undefined ? [] : [context.redisPid],
      );
      foreignLoad.start();
      const feed = await new Feeder({
        rate: HANG_SEND_RATE,
        durationSeconds: feedSeconds,
        backlogSeconds: HANG_BACKLOG_SECONDS,
        apiKey: BENCH_API_KEY,
        idPrefix: `${runId}-`,
        targets: () => [api],
        signal,
        onProgress: ({ elapsedMs, posted, total }) =>
          log(
            `${(elapsedMs / 1000).toFixed(0)} s: posted ${posted}/${total}, SES accepted ` +
              `${stub.counts().ok}`,
          ),
      }).run();
      const drain = await store.waitUntilFinished(
        feed.accepted,
        HANG_DRAIN_WAIT_SECONDS * 1000,
        signal,
      );
      const seconds = (Date.now() - started) / 1000;
      const senderCores = coresSince(sender.child.pid, cpu.sender, seconds);
      const apiCores = coresSince(api.child.pid, cpu.api, seconds);
      const redisCores = coresSince(context.redisPid, cpu.redis, seconds);
      const foreignCores = foreignLoad.stop();
      warnForeign(log, foreignCores);
      const { sends } = await stub.stop();
      // Raw material for a second look at a surprising figure; gitignored with the app logs.
      writeFileSync(
        join(context.logDir, `${definition.name}-${kind}-sends.jsonl`),
        sends.map((send) => JSON.stringify(send)).join('\n') + '\n',
      );
      const pushed = drain.messages.filter((message) => message.pushedAt !== undefined);
      const run: SendingRun = {
        accepted: feed.accepted.length,
        pushed: pushed.length,
        lost: drain.messages.length - pushed.length,
        achievedRate: ratePerSecond(arrivals(sends, (send) => send.outcome === 'ok')),
        queuedToPushed: pushed.flatMap((message) =>
          message.queuedAt === undefined || message.pushedAt === undefined
            ? []
            : [message.pushedAt - message.queuedAt],
        ),
        senderCores,
        apiCores,
        redisCores,
        foreignCores,
      };
      // One event a message when it is queued and one when it is pushed.
      const emitted = run.accepted + run.pushed;
      if (fast !== null) {
        // The last events are emitted as the last messages are pushed: let their deliveries land.
        await waitForCount(
          async () => (await fast.counts()).distinct,
          emitted,
          DELIVERY_CAP_MS,
          signal,
        );
        const report = await fast.drain();
        run.fast = deliveryFigures(report, feed.accepted);
      }
      if (hanging !== null) {
        // Every event's delivery is queued after the event; the last ones may be on their way.
        const depth = await waitForCount(
          () => queueDepth(redis, fleet.redisKeyPrefix),
          emitted,
          STALL_MS,
          signal,
        );
        const report = await hanging.drain();
        run.hang = {
          depth: depth.last,
          emitted,
          attempts: report.received.length,
          connections: report.connections,
        };
      }
      log(
        `SES rate ${run.achievedRate?.toFixed(1) ?? '?'}/s, queued → pushed p99 ` +
          `${percentile(run.queuedToPushed, 99) ?? '?'} ms, sender ` +
          `${senderCores?.toFixed(2) ?? '?'} cores, Redis ${redisCores?.toFixed(2) ?? '?'}` +
          (run.hang ? `; ${run.hang.depth}/${run.hang.emitted} deliveries waiting` : '') +
          (run.fast
            ? `; fast endpoint got ${run.fast.distinct} events, p99 ` +
              `${percentile(run.fast.latencies, 99) ?? '?'} ms`
            : ''),
      );
      return run;
    } finally {
      for (const receiver of receivers) {
        await receiver.close();
      }
    }
  });
}

async function runHangingReceiver(
  definition: WebhooksScenarioDefinition,
  context: WebhooksRunContext,
): Promise<ScenarioOutcome> {
  const feedSeconds =
    context.feedSeconds ?? (context.quick ? QUICK_HANG_FEED_SECONDS : HANG_FEED_SECONDS);
  const runs: Record<SendingRunKind, SendingRun> = {
    baseline: await sendingRun(definition, context, 'baseline', feedSeconds),
    hang: await sendingRun(definition, context, 'hang', feedSeconds),
    both: await sendingRun(definition, context, 'both', feedSeconds),
  };
  const ratio = (run: SendingRun): number | null =>
    run.achievedRate === null ? null : run.achievedRate / HANG_SEND_RATE;
  const figures: Record<string, FigureValue> = { configuredRate: HANG_SEND_RATE };
  // Figure by figure, the three runs side by side.
  const each = (figure: string, pick: (run: SendingRun) => FigureValue): void => {
    for (const [kind, run] of Object.entries(runs)) {
      figures[`${kind}${figure}`] = pick(run);
    }
  };
  each('AchievedRate', (run) => run.achievedRate);
  each('AchievedRatio', ratio);
  each('QueuedToPushedP50Ms', (run) => percentile(run.queuedToPushed, 50));
  each('QueuedToPushedP99Ms', (run) => percentile(run.queuedToPushed, 99));
  each('Lost', (run) => run.lost);
  each('SenderCpuCores', (run) => run.senderCores);
  each('ApiCpuCores', (run) => run.apiCores);
  each('RedisCpuCores', (run) => run.redisCores);
  const { hang, both } = runs;
  for (const [kind, run] of [
    ['hang', hang],
    ['both', both],
  ] as const) {
    figures[`${kind}EventsEmitted`] = run.hang?.emitted ?? null;
    figures[`${kind}QueueDepth`] = run.hang?.depth ?? null;
    figures[`${kind}Attempts`] = run.hang?.attempts ?? null;
    figures[`${kind}Connections`] = run.hang?.connections ?? null;
  }
  const fast = both.fast;
  figures.bothFastDelivered = fast?.distinct ?? null;
  figures.bothFastMissing = fast?.missing ?? null;
  figures.bothFastDuplicates = fast?.duplicates ?? null;
  figures.bothFastLatencyP50Ms = fast ? percentile(fast.latencies, 50) : null;
  figures.bothFastLatencyP99Ms = fast ? percentile(fast.latencies, 99) : null;
  figures.bothFastLatencyMaxMs = fast ? percentile(fast.latencies, 100) : null;
  const foreign = Object.values(runs).map((run) => run.foreignCores);
  figures.foreignCpuCores = foreign.some((cores) => cores === null)
    ? null
    : Math.max(...(foreign as number[]));

  const lost = Object.values(runs).reduce((sum, run) => sum + run.lost, 0);
  const goals: GoalResult[] = (['hang', 'both'] as const).map((kind) => {
    const achieved = ratio(runs[kind]);
    return {
      goal: `send rate with ${kind === 'hang' ? 'a hanging endpoint' : 'a hanging and a fast endpoint'}`,
      target: `≥ ${MIN_ACHIEVED_RATIO * 100} % of ${HANG_SEND_RATE}/s`,
      actual: achieved === null ? 'n/a' : `${(achieved * 100).toFixed(1)} %`,
      pass: achieved !== null && achieved >= MIN_ACHIEVED_RATIO,
    };
  });
  goals.push({
    goal: 'no mail lost',
    target: '0 not PUSHED',
    actual: String(lost),
    pass: lost === 0,
  });
  for (const kind of ['hang', 'both'] as const) {
    const waiting = runs[kind].hang;
    goals.push({
      goal: `hanging endpoint${kind === 'both' ? ' (beside a fast one)' : ''}: every delivery waits for its retry`,
      target: `${waiting?.emitted ?? '?'} in the queue`,
      actual: String(waiting?.depth ?? 'n/a'),
      pass: waiting !== undefined && waiting.depth === waiting.emitted,
    });
  }
  goals.push({
    goal: 'the fast endpoint gets every event beside the hanging one',
    target: `${both.hang?.emitted ?? '?'} events, once each`,
    actual: fast ? `${fast.distinct} (${fast.duplicates} duplicates)` : 'n/a',
    pass:
      fast !== undefined &&
      both.hang !== undefined &&
      fast.distinct === both.hang.emitted &&
      fast.duplicates === 0,
  });
  return {
    scenario: definition.name,
    summary: definition.summary,
    config: {
      processes: '1 sender + 1 API',
      sendRate: HANG_SEND_RATE,
      stubLatencyMs: HANG_STUB_LATENCY_MS,
      feedSeconds,
      backlogSeconds: HANG_BACKLOG_SECONDS,
      webhookTimeoutMs: 10_000,
      webhookConcurrency: DEFAULT_CONCURRENCY,
    },
    figures,
    goals,
  };
}
