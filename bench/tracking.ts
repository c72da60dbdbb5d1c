import type { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signLinkToken, signTrackingToken } from '../src/tracking/tracking-token';
import { withBenchStack } from './bench-stack';
import { AppProcess, BENCH_API_KEY, BENCH_TRACKING_SECRET } from './fleet';
import { cpuSeconds, ForeignLoadSampler } from './foreign-load';
import { FixedRateRun, LoadRun, runLoad } from './load-process';
import type { FigureValue, GoalResult, ScenarioResult } from './report';

/** The public tracking endpoint a scenario loads. */
export type TrackingEndpoint = 'open' | 'click';

/** One tracking scenario: which endpoint, and which goals apply. */
export interface TrackingScenarioDefinition {
  name: string;
  summary: string;
  endpoint: TrackingEndpoint;
  /** After the saturating run, this many requests a second for the latency at that rate. */
  fixedRatePerSecond?: number;
  goals: {
    /** Requests/s (mean of the 1-s samples) at least this, with as many connections as it takes. */
    minRate?: number;
    /** p99 latency at the fixed rate below this. */
    maxP99Ms?: number;
  };
}

/** Messages the requests are spread over, round robin. */
export const TRACKING_MESSAGES = 2000;
/**
 * autocannon's keep-alive connections; BENCH_TRACKING_CONNECTIONS overrides it, to try others (the
 * count used is in each result's config).
 */
export const TRACKING_CONNECTIONS = Number(process.env.BENCH_TRACKING_CONNECTIONS) || 50;
/** A separate autocannon run first, not measured: cold code, new connections, JIT. */
export const TRACKING_WARMUP_SECONDS = 3;
/** The SES stub's answer time: only the set-up sends, so only how long that takes. */
export const TRACKING_STUB_LATENCY_MS = 5;
/** SEND_RATE of the app process: the set-up messages are PUSHED in a few seconds. */
const TRACKING_SEND_RATE = 1000;
const MAX_BATCH = 500;
const PUSH_WAIT_MS = 60_000;
/**
 * People open and click well after the send; the app may take a hit soon after it for a link
 * scanner's (10 s by default). The load starts this long after the last message was PUSHED.
 */
const AFTER_PUSH_MS = 11_000;
const PIPELINE = 1000;
/** How long the counts in Redis may keep moving after a run (requests cut off at the end). */
const SETTLE_TIMEOUT_MS = 10_000;
const SETTLE_POLL_MS = 300;
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/126.0.0.0 Safari/537.36';

interface EndpointSpec {
  /** The status every request should get. */
  status: number;
  /** The hash field of `<prefix>msg:<id>` that counts the requests. */
  field: string;
  /** The figure with that count. */
  writtenFigure: string;
  /** What a browser sends as Accept for it. */
  accept: string;
  path(message: BenchMessage): string;
  /** What one answer should be, beyond its status: `null` when it is right, else what is wrong. */
  wrong(response: Response, message: BenchMessage): string | null;
}

const ENDPOINTS: Record<TrackingEndpoint, EndpointSpec> = {
  open: {
    status: 200,
    field: 'openCount',
    writtenFigure: 'opensWritten',
    accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
    path: ({ id }) => `/t/o/${signTrackingToken('o', id, BENCH_TRACKING_SECRET)}.gif`,
    wrong: (response) => {
      const type = response.headers.get('content-type');
      return type === 'image/gif' ? null : `Content-Type ${type}`;
    },
  },
  click: {
    status: 302,
    field: 'clickCount',
    writtenFigure: 'clicksWritten',
    accept:
      'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,' +
      'image/apng,*/*;q=0.8',
    path: ({ id, url }) =>
      `/t/c/${signLinkToken({ messageId: id, index: 0, url }, BENCH_TRACKING_SECRET)}`,
    wrong: (response, { url }) => {
      const location = response.headers.get('location');
      return location === url ? null : `Location ${location}`;
    },
  },
};

/** A message the bench created, with the one link in its HTML. */
interface BenchMessage {
  id: string;
  url: string;
}

/** What {@link runTrackingScenario} needs from the harness. */
export interface TrackingRunContext {
  root: string;
  logDir: string;
  redisUrl: string;
  redis: Redis;
  redisPid: number | undefined;
  runId: string;
  loadSeconds: number;
  signal: AbortSignal;
  log: (text: string) => void;
}

interface BatchAnswer {
  results?: Array<{ id?: string; error?: { code?: string } }>;
}

/** Creates the messages through the API, each with one link in its HTML. */
async function createMessages(app: AppProcess, runId: string): Promise<BenchMessage[]> {
  const created: BenchMessage[] = [];
  for (let first = 0; first < TRACKING_MESSAGES; first += MAX_BATCH) {
    const batch = Array.from(
      { length: Math.min(MAX_BATCH, TRACKING_MESSAGES - first) },
      (_unused, offset) => {
        const n = first + offset;
        const id = `${runId}-${n}`;
        const url = `https://shop.example.com/p/${n}`;
        return {
          url,
          message: {
            localMessageId: id,
            from: 'bench@example.com',
            to: `bench+${n}@example.com`,
            subject: id,
            html: `<html><body><p>Product ${n}</p><p><a href="${url}">x</a></p></body></html>`,
          },
        };
      },
    );
    const response = await fetch(`${app.url}/v1/messages/batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${BENCH_API_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ messages: batch.map(({ message }) => message) }),
    });
    const answer = (await response.json()) as BatchAnswer;
    if (response.status !== 202 || !Array.isArray(answer.results)) {
      throw new Error(
        `POST /v1/messages/batch: HTTP ${response.status}: ${JSON.stringify(answer)}`,
      );
    }
    answer.results.forEach((result, index) => {
      if (typeof result.id !== 'string') {
        throw new Error(`message ${first + index} refused: ${JSON.stringify(result.error)}`);
      }
      created.push({ id: result.id, url: batch[index].url });
    });
  }
  return created;
}

/**
 * One request, checked in full (autocannon only counts statuses): the status, and the GIF's type
 * or the redirect's target. Resolves to what is wrong with it, or null.
 */
async function probe(
  app: AppProcess,
  spec: EndpointSpec,
  message: BenchMessage,
  headers: Record<string, string>,
): Promise<string | null> {
  const response = await fetch(`${app.url}${spec.path(message)}`, { headers, redirect: 'manual' });
  await response.arrayBuffer();
  if (response.status !== spec.status) {
    return `HTTP ${response.status}`;
  }
  return spec.wrong(response, message);
}

/** The sum of one hash field over the messages' records (HGET in pipelines). */
async function sumField(
  redis: Redis,
  prefix: string,
  ids: readonly string[],
  field: string,
): Promise<number> {
  let sum = 0;
  for (let start = 0; start < ids.length; start += PIPELINE) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(start, start + PIPELINE)) {
      pipeline.hget(`${prefix}msg:${id}`, field);
    }
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      if (error) {
        throw new Error(`HGET ${field} failed: ${error.message}`);
      }
      sum += Number(value ?? 0);
    }
  }
  return sum;
}

/**
 * The sum once it stops moving: autocannon cuts the requests in flight when its time is up, and
 * the app still answers (and counts) those.
 */
async function settledSum(
  read: () => Promise<number>,
  signal: AbortSignal,
): Promise<{ sum: number; settled: boolean }> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let last = await read();
  while (Date.now() < deadline) {
    await sleep(SETTLE_POLL_MS, undefined, { signal });
    const current = await read();
    if (current === last) {
      return { sum: current, settled: true };
    }
    last = current;
  }
  return { sum: last, settled: false };
}

interface TrackingMeasured {
  definition: TrackingScenarioDefinition;
  /** What was wrong with the one request checked in full; null: nothing. */
  probe: string | null;
  warmup?: LoadRun;
  measured: LoadRun;
  fixed?: FixedRateRun;
  written: number;
  writtenSettled: boolean;
  elapsedSeconds: number;
  appCpuSeconds: number | null;
  redisCpuSeconds: number | null;
  foreignCpuCores: number | null;
}

function difference(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : after - before;
}

function cores(seconds: number | null, elapsedSeconds: number): number | null {
  return seconds === null || elapsedSeconds <= 0 ? null : seconds / elapsedSeconds;
}

/** Figures and goals of a tracking run, from autocannon's result and the counts in Redis. */
function evaluateTracking(run: TrackingMeasured): {
  figures: Record<string, FigureValue>;
  goals: GoalResult[];
} {
  const { definition, measured, fixed } = run;
  const spec = ENDPOINTS[definition.endpoint];
  const total = (codes: Record<string, number>): number =>
    Object.values(codes).reduce((sum, count) => sum + count, 0);
  const describe = (codes: Record<string, number>): string =>
    Object.entries(codes)
      .map(([code, count]) => `${code}: ${count}`)
      .join(', ') || 'none';
  const responses = total(measured.statusCodes);
  const fixedResponses = fixed ? total(fixed.statusCodes) : 0;
  const fixedAnswered = fixed?.statusCodes[String(spec.status)] ?? 0;
  const answered = (measured.statusCodes[String(spec.status)] ?? 0) + fixedAnswered;
  const unexpected = responses + fixedResponses - answered;
  const errors = measured.errors + (fixed?.errors ?? 0);
  // Sent but never answered: the requests in flight when autocannon stopped (it closes their
  // connections) and those that failed. The app may well have counted them.
  const cutOff =
    Math.max(0, measured.sent - responses) + (fixed ? Math.max(0, fixed.sent - fixedResponses) : 0);
  const statusCodes = describe(measured.statusCodes);
  const figures: Record<string, FigureValue> = {
    requestRate: measured.requestsPerSecond,
    slowestSecondRate: measured.slowestSecond,
    answered,
    statusCodes,
    unexpectedStatus: unexpected,
    errors: measured.errors,
    timeouts: measured.timeouts,
    cutOffAtEnd: cutOff,
    latencyP50Ms: measured.latencyMs.p50,
    latencyP975Ms: measured.latencyMs.p97_5,
    latencyP99Ms: measured.latencyMs.p99,
    latencyMaxMs: measured.latencyMs.max,
    [spec.writtenFigure]: run.writtenSettled
      ? run.written
      : `${run.written} (still moving after ${SETTLE_TIMEOUT_MS / 1000} s)`,
    appCpuCores: cores(run.appCpuSeconds, run.elapsedSeconds),
    loadCpuCores: cores(measured.cpuSeconds, measured.durationSeconds),
    redisCpuCores: cores(run.redisCpuSeconds, run.elapsedSeconds),
    foreignCpuCores: run.foreignCpuCores,
    warmupRate: run.warmup?.requestsPerSecond ?? null,
    ...(fixed
      ? {
          fixedRate: fixed.perSecond,
          fixedAchievedRate: fixed.achievedPerSecond,
          fixedStatusCodes: describe(fixed.statusCodes),
          fixedErrors: fixed.errors,
          fixedP50Ms: fixed.latencyMs.p50,
          fixedP975Ms: fixed.latencyMs.p97_5,
          fixedP99Ms: fixed.latencyMs.p99,
          fixedMaxMs: fixed.latencyMs.max,
          fixedLoadCpuCores: cores(fixed.cpuSeconds, fixed.durationSeconds),
          fixedClientLoopDelayP99Ms: fixed.clientLoopDelayMs.p99,
          fixedClientLoopDelayMaxMs: fixed.clientLoopDelayMs.max,
        }
      : {}),
  };

  const goals: GoalResult[] = [];
  if (definition.goals.minRate !== undefined) {
    goals.push({
      goal: 'requests/s on one process',
      target: `≥ ${definition.goals.minRate}/s`,
      actual: `${measured.requestsPerSecond.toFixed(0)}/s`,
      pass: measured.requestsPerSecond >= definition.goals.minRate,
    });
  }
  if (definition.goals.maxP99Ms !== undefined) {
    goals.push({
      goal: `p99 latency at ${fixed?.perSecond ?? '?'} requests/s`,
      target: `< ${definition.goals.maxP99Ms} ms`,
      actual: fixed ? `${fixed.latencyMs.p99} ms` : 'no fixed-rate run',
      pass: fixed !== undefined && fixed.latencyMs.p99 < definition.goals.maxP99Ms,
    });
  }
  goals.push({
    goal: definition.endpoint === 'open' ? 'answers a GIF' : "redirects to the link's URL",
    target: 'one request checked in full',
    actual: run.probe ?? 'as expected',
    pass: run.probe === null,
  });
  goals.push({
    goal: `every request answered ${spec.status}`,
    target: '0 other statuses, 0 errors',
    actual: `${unexpected} other, ${errors} errors`,
    pass: unexpected === 0 && errors === 0,
  });
  // Every answered request was counted, and nothing more than was sent: exactly `answered` when
  // no request was cut off at the end.
  goals.push({
    goal: `${spec.field} written = answered`,
    target:
      cutOff === 0 ? `= ${answered}` : `${answered} to ${answered + cutOff} (${cutOff} cut off)`,
    actual: String(run.written),
    pass: run.writtenSettled && run.written >= answered && run.written <= answered + cutOff,
  });
  return { figures, goals };
}

/**
 * One tracking scenario: fauxqs, the SES stub and ONE app process; 2,000 messages created through
 * its API and PUSHED; then autocannon (in a process of its own) requests the endpoint for each
 * message in turn, and the counts in Redis are compared with the answers.
 */
export async function runTrackingScenario(
  definition: TrackingScenarioDefinition,
  context: TrackingRunContext,
): Promise<Omit<ScenarioResult, 'date' | 'commit' | 'machine'>> {
  const { name, endpoint } = definition;
  const { redis, signal, log } = context;
  const spec = ENDPOINTS[endpoint];
  log(`run ${context.runId}: starting fauxqs and one app process`);
  const stack = {
    root: context.root,
    scenario: name,
    runId: context.runId,
    logDir: context.logDir,
    redisUrl: context.redisUrl,
    sendRate: TRACKING_SEND_RATE,
    stub: { latencyMs: TRACKING_STUB_LATENCY_MS },
    redis,
    log,
  };
  return withBenchStack(stack, async ({ fleet, store }) => {
    const prefix = fleet.redisKeyPrefix;
    const app = await fleet.startApp();
    const messages = await createMessages(app, context.runId);
    const ids = messages.map(({ id }) => id);
    const pushed = await store.waitUntilFinished(ids, PUSH_WAIT_MS, signal);
    const notPushed = pushed.messages.filter((message) => message.status !== 'PUSHED');
    if (notPushed.length > 0) {
      throw new Error(
        `${notPushed.length} of ${ids.length} messages not PUSHED after ` +
          `${pushed.waitedMs / 1000} s (e.g. ${JSON.stringify(notPushed[0])})`,
      );
    }
    const lastPushedAt = Math.max(...pushed.messages.map((message) => message.pushedAt ?? 0));
    const pause = Math.max(0, lastPushedAt + AFTER_PUSH_MS - Date.now());
    log(
      `${ids.length} messages PUSHED in ${(pushed.waitedMs / 1000).toFixed(1)} s; loading in ` +
        `${(pause / 1000).toFixed(1)} s`,
    );
    await sleep(pause, undefined, { signal });
    const headers = { 'user-agent': USER_AGENT, accept: spec.accept };
    const wrong = await probe(app, spec, messages[0], headers);
    if (wrong !== null) {
      log(`warning: GET ${spec.path(messages[0])} answered ${wrong}`);
    }

    const readWritten = (): Promise<number> => sumField(redis, prefix, ids, spec.field);
    const appPid = app.child.pid;
    const cpuOf = (pid: number | undefined): number | null =>
      pid === undefined ? null : cpuSeconds(pid);
    // Set by the hooks, between the warm-up and the measured run.
    const baseline: {
      written: number;
      at: number;
      appCpu: number | null;
      redisCpu: number | null;
    } = { written: 0, at: 0, appCpu: null, redisCpu: null };
    const foreignLoad = new ForeignLoadSampler(
      context.redisPid === undefined ? [] : [context.redisPid],
    );
    log(
      `GET ${endpoint === 'open' ? '/t/o/<token>.gif' : '/t/c/<token>'} with ` +
        `${TRACKING_CONNECTIONS} connections: ${TRACKING_WARMUP_SECONDS} s warm-up, then ` +
        `${context.loadSeconds} s measured`,
    );
    const fixedRate =
      definition.fixedRatePerSecond === undefined
        ? undefined
        : { perSecond: definition.fixedRatePerSecond, seconds: context.loadSeconds };
    const { warmup, measured, fixed } = await runLoad(
      {
        url: app.url,
        paths: messages.map((message) => spec.path(message)),
        headers,
        connections: TRACKING_CONNECTIONS,
        warmupSeconds: TRACKING_WARMUP_SECONDS,
        seconds: context.loadSeconds,
        fixedRate,
      },
      context.root,
      {
        afterWarmup: async (run) => {
          baseline.written = (await settledSum(readWritten, signal)).sum;
          if (run) {
            log(
              `warm-up: ${run.requestsPerSecond.toFixed(0)}/s; ${spec.field} so far ` +
                `${baseline.written}`,
            );
          }
        },
        onMeasuredStart: () => {
          baseline.at = Date.now();
          baseline.appCpu = cpuOf(appPid);
          baseline.redisCpu = cpuOf(context.redisPid);
          foreignLoad.start();
        },
      },
      signal,
    );
    const elapsedSeconds = (Date.now() - baseline.at) / 1000;
    const appCpuAfter = cpuOf(appPid);
    const redisCpuAfter = cpuOf(context.redisPid);
    const foreignCpuCores = foreignLoad.stop();
    const after = await settledSum(readWritten, signal);
    // Raw material for a second look (the 1-s samples); gitignored with the app logs.
    writeFileSync(
      join(context.logDir, `${name}-load.json`),
      `${JSON.stringify({ warmup, measured, fixed }, null, 2)}\n`,
    );
    if (foreignCpuCores !== null && foreignCpuCores > 0.1) {
      log(
        `warning: other processes used ${foreignCpuCores.toFixed(2)} cores on average during ` +
          'the run; its figures are skewed by them',
      );
    }
    const { figures, goals } = evaluateTracking({
      definition,
      probe: wrong,
      warmup,
      measured,
      fixed,
      written: after.sum - baseline.written,
      writtenSettled: after.settled,
      elapsedSeconds,
      appCpuSeconds: difference(baseline.appCpu, appCpuAfter),
      redisCpuSeconds: difference(baseline.redisCpu, redisCpuAfter),
      foreignCpuCores,
    });
    return {
      scenario: name,
      summary: definition.summary,
      config: {
        processes: 1,
        messages: ids.length,
        connections: TRACKING_CONNECTIONS,
        warmupSeconds: TRACKING_WARMUP_SECONDS,
        loadSeconds: context.loadSeconds,
        loadGenerator:
          fixedRate === undefined
            ? 'autocannon, own process'
            : 'autocannon, then a fixed-rate node:http client, own process',
        ...(fixedRate === undefined ? {} : { fixedRatePerSecond: fixedRate.perSecond }),
        stubLatencyMs: TRACKING_STUB_LATENCY_MS,
      },
      figures,
      goals,
    };
  });
}
