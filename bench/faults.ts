import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBenchStack } from './bench-stack';
import { isRunning } from './children';
import { HealthProbe, ProbeTarget } from './faults-probe';
import { diagnose, evaluate } from './faults-evaluate';
import { FaultRedis } from './faults-redis';
import { Feeder } from './feeder';
import { ForeignLoadSampler } from './foreign-load';
import { AppProcess, BENCH_API_KEY, Fleet } from './fleet';
import type { MessageStore } from './message-store';
import { clock } from './metrics';
import type { FigureValue, ScenarioResult } from './report';
import type { StubFailure } from './ses-stub';
import type { SesStubProcess } from './ses-stub-process';

/** What goes wrong in a fault scenario. */
export type FaultKind = 'redis-restart' | 'redis-pause' | 'records-flushed' | 'kill' | 'ses-5xx';

/** One fault scenario: one sending process, an API process, a Redis of its own, one fault. */
export interface FaultScenarioDefinition {
  name: string;
  fault: FaultKind;
  /** The scenario's Redis keeps an append-only file (`appendfsync always`). */
  aof?: boolean;
  /** SEND_RATE of the sending process(es). */
  sendRate: number;
  /** Messages per second posted to `POST /v1/messages`. */
  feedRate: number;
  /** What it does, with the timing in force. */
  summary: (timing: FaultTiming) => string;
}

/** When the fault comes and how long things last, in seconds; `--quick` shortens them. */
export interface FaultTiming {
  /** From the start of feeding to the fault. */
  faultAt: number;
  /** Redis is down this long before it is started again. */
  restart: number;
  /** Redis is stopped (SIGSTOP) this long. */
  pause: number;
  /** SES answers 5xx for `burstOn`, then normally for `burstOff`, `bursts` times. */
  burstOn: number;
  burstOff: number;
  bursts: number;
  /** After the kill, the replacement process is started this much later. */
  replacementAfter: number;
  /** Feeding goes on this long after the fault's end. */
  tail: number;
  /** The most the bench waits after the fault's end for the queue to empty. */
  drainCap: number;
}

const FULL_TIMING: FaultTiming = {
  faultAt: 5,
  restart: 10,
  pause: 25,
  burstOn: 5,
  burstOff: 5,
  bursts: 3,
  replacementAfter: 2,
  tail: 5,
  drainCap: 240,
};

const QUICK_TIMING: FaultTiming = {
  faultAt: 3,
  restart: 5,
  pause: 10,
  burstOn: 3,
  burstOff: 3,
  bursts: 2,
  replacementAfter: 2,
  tail: 3,
  drainCap: 120,
};

const STUB_LATENCY_MS = 100;
/**
 * Seconds' worth of mail posted at once before feeding at the rate: with the feed rate equal to
 * the send rate, that backlog stays in SQS, and a fault always finds jobs waiting.
 */
const BACKLOG_SECONDS = 1;
/** A request to the API not answered by then is counted as unanswered. */
const REQUEST_TIMEOUT_MS = 60_000;
/** The queue must stay empty this long before the drain counts as over. */
const EMPTY_FOR_MS = 2000;

/** The 5xx answers of the ses-5xx bursts, in turn. */
const SES_FAILURES: readonly StubFailure[] = [
  {
    status: 500,
    code: 'InternalFailure',
    message: 'The request processing has failed because of an unknown error, exception or failure.',
  },
  {
    status: 503,
    code: 'ServiceUnavailable',
    message: 'The request has failed due to a temporary failure of the server.',
  },
];

const COMMON =
  'One sending process (SEND_RATE=100) and one API process (SEND_POLLERS=0) on a Redis of the ' +
  "scenario's own, fauxqs (SQS) and the SES stub (100 ms) each in a process of their own; the " +
  'feeder posts `POST /v1/messages` (ases makes the ids), one request a message, a second’s ' +
  'worth at once first, so that about that many jobs always wait in SQS, as in steady sending.';

const DRAIN =
  'After feeding, the bench waits until the sendmail queue is empty (nothing visible, in hand ' +
  'or delayed: nothing more can be sent) for 2 s, or until the cap after the fault’s end. ' +
  'Sent once / twice and lost come from the SES stub, by the `X-Ases-Id` of each mail SES ' +
  'accepted.';

export const FAULT_SCENARIOS: readonly FaultScenarioDefinition[] = [
  {
    name: 'redis-restart',
    fault: 'redis-restart',
    sendRate: 100,
    feedRate: 100,
    summary: (t) =>
      `${COMMON} After ${t.faultAt} s of feeding at 100/s, Redis (no persistence) is shut down ` +
      `(SHUTDOWN NOSAVE) and started again on the same port ${t.restart} s later, empty; feeding ` +
      `goes on for ${t.tail} s after. ${DRAIN}`,
  },
  {
    name: 'redis-restart-aof',
    fault: 'redis-restart',
    aof: true,
    sendRate: 100,
    feedRate: 100,
    summary: (t) =>
      `As redis-restart, with Redis keeping an append-only file (appendonly yes, appendfsync ` +
      `always): it comes back after ${t.restart} s with every write it acknowledged. ${DRAIN}`,
  },
  {
    name: 'redis-pause',
    fault: 'redis-pause',
    sendRate: 100,
    feedRate: 100,
    summary: (t) =>
      `${COMMON} After ${t.faultAt} s of feeding at 100/s, Redis gets SIGSTOP: connections stay ` +
      `open, nothing is answered; SIGCONT ${t.pause} s later. Feeding goes on for ${t.tail} s ` +
      `after. ${DRAIN}`,
  },
  {
    name: 'records-flushed',
    fault: 'records-flushed',
    sendRate: 100,
    feedRate: 100,
    summary: (t) =>
      `${COMMON} After ${t.faultAt} s of feeding at 100/s Redis gets FLUSHALL while jobs wait ` +
      `in SQS (every record, lease and the send budget gone, as if evicted or lost with a ` +
      `replica promoted empty); feeding goes on for ${t.tail} s after. ${DRAIN}`,
  },
  {
    name: 'sender-kill',
    fault: 'kill',
    sendRate: 100,
    feedRate: 100,
    summary: (t) =>
      `${COMMON} After ${t.faultAt} s of feeding at 100/s the sending process p1 gets SIGKILL ` +
      `mid-send (SQS is outside it: its received messages come back after the 60 s visibility ` +
      `timeout); p2 is started ${t.replacementAfter} s later (the fault ends when it is healthy). ` +
      `Feeding goes on for ${t.tail} s after. In flight at the kill: p1's SES calls never ` +
      `answered, and the sends SES accepted whose record was still QUEUED right after the kill. ` +
      DRAIN,
  },
  {
    name: 'ses-5xx',
    fault: 'ses-5xx',
    sendRate: 100,
    feedRate: 100,
    summary: (t) =>
      `${COMMON} After ${t.faultAt} s of feeding at 100/s the SES stub answers every send with ` +
      `an error for ${t.burstOn} s, then normally for ${t.burstOff} s, ${t.bursts} times ` +
      `(500 InternalFailure, then 503 ServiceUnavailable, in turn); the fault ends with the last ` +
      `burst, feeding goes on for ${t.tail} s after. ${DRAIN}`,
  },
];

/** Names of the fault scenarios, the `faults` group. */
export const FAULT_GROUP = 'faults';

/** What the harness gives a fault scenario. */
export interface FaultContext {
  root: string;
  logDir: string;
  quick: boolean;
  signal: AbortSignal;
  log: (text: string) => void;
}

/** When the fault happened, and what the script saw of it. */
export interface FaultRecord {
  /** Absolute ms (see `clock`). */
  startAt: number;
  endAt: number;
  figures: Record<string, FigureValue>;
  /** The kill: the victim, and the accepted ids whose record was QUEUED right after it died. */
  kill?: { victim: string; queued: ReadonlySet<string> };
}

/** How the wait for the queue to empty ended. */
export interface Drain {
  /** `empty`: the queue was empty for 2 s; `cap`: the cap passed first. */
  outcome: 'empty' | 'cap';
  /** Absolute ms the queue was found empty, or the cap passed. */
  at: number;
  depth: { visible: number; inFlight: number; delayed: number };
}

/** Resolves at `t0 + seconds`. */
function until(t0: number, seconds: number, signal: AbortSignal): Promise<void> {
  return sleep(Math.max(0, t0 + seconds * 1000 - clock()), undefined, { signal });
}

function faultLength(definition: FaultScenarioDefinition, t: FaultTiming): number {
  switch (definition.fault) {
    case 'redis-restart':
      return t.restart;
    case 'redis-pause':
      return t.pause;
    case 'records-flushed':
      return 0;
    case 'kill':
      return t.replacementAfter;
    case 'ses-5xx':
      return t.bursts * t.burstOn + (t.bursts - 1) * t.burstOff;
  }
}

/** Runs one fault scenario; resolves to its result and the version of its Redis. */
export async function runFaultScenario(
  definition: FaultScenarioDefinition,
  context: FaultContext,
): Promise<{ result: Omit<ScenarioResult, 'date' | 'commit' | 'machine'>; redisVersion: string }> {
  const { name } = definition;
  const timing = context.quick ? QUICK_TIMING : FULL_TIMING;
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const redisLog = join(context.logDir, `${name}-redis.log`);
  mkdirSync(context.logDir, { recursive: true });
  writeFileSync(redisLog, '');
  const server = await FaultRedis.start({ aof: definition.aof === true, logFile: redisLog });
  const redis = server.client();
  try {
    const redisVersion = await server.version();
    context.log(
      `run ${runId}: redis-server ${redisVersion} on port ${server.port} (persistence: ` +
        `${server.persistence}); starting the SES stub, fauxqs and the app processes`,
    );
    const result = await withBenchStack(
      {
        root: context.root,
        scenario: name,
        runId,
        logDir: context.logDir,
        redisUrl: server.url,
        sendRate: definition.sendRate,
        stub: { latencyMs: STUB_LATENCY_MS },
        redis,
        log: context.log,
      },
      async (stack) => {
        try {
          return await runInStack(definition, timing, context, runId, { ...stack, server, redis });
        } finally {
          // The stack's cleanup deletes the run's keys: Redis must answer by then.
          server.resume();
          if (!server.running) {
            await server.restart().catch(() => undefined);
          }
        }
      },
    );
    return { result, redisVersion };
  } finally {
    redis.disconnect();
    await server.close();
  }
}

interface Stack {
  stub: SesStubProcess;
  fleet: Fleet;
  store: MessageStore;
  server: FaultRedis;
  redis: Redis;
}

async function runInStack(
  definition: FaultScenarioDefinition,
  timing: FaultTiming,
  context: FaultContext,
  runId: string,
  stack: Stack,
): Promise<Omit<ScenarioResult, 'date' | 'commit' | 'machine'>> {
  const { stub, fleet, store } = stack;
  const { log } = context;
  const sender = await fleet.startApp();
  const api = await fleet.startApp({ api: true });
  // Only processes that came up are asked for their health (a replacement starting is not).
  const healthy: AppProcess[] = [api, sender];
  const asProbe = (app: AppProcess): ProbeTarget => ({
    name: app.name,
    url: app.url,
    alive: () => isRunning(app.child),
  });
  const probe = new HealthProbe(() => healthy.map(asProbe));

  const length = faultLength(definition, timing);
  const feedSeconds = timing.faultAt + length + timing.tail;
  // A failed fault script stops the feeding too.
  const aborter = new AbortController();
  const signal = AbortSignal.any([context.signal, aborter.signal]);
  const feeder = new Feeder({
    rate: definition.feedRate,
    durationSeconds: feedSeconds,
    backlogSeconds: BACKLOG_SECONDS,
    apiKey: BENCH_API_KEY,
    idPrefix: `${runId}-`,
    endpoint: 'single',
    callerIds: false,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    targets: () => [api],
    signal,
    onProgress: ({ elapsedMs, posted, accepted, total }) =>
      log(
        `${(elapsedMs / 1000).toFixed(0)} s: posted ${posted}/${total}, accepted ${accepted}, ` +
          `SES accepted ${stub.counts().ok}`,
      ),
  });
  log(
    `feeding ${definition.feedRate}/s for ${feedSeconds} s to POST /v1/messages; the fault ` +
      `comes after ${timing.faultAt} s`,
  );
  probe.start();
  // The machine is shared: other processes' CPU during feeding and the fault skews latencies.
  const foreignLoad = new ForeignLoadSampler([]);
  foreignLoad.start();
  const t0 = clock();
  const script = runFault(definition, timing, t0, signal, {
    ...stack,
    sender,
    feeder,
    healthy,
    log,
  }).catch((error: unknown) => {
    aborter.abort(error);
    throw error;
  });
  const [feed, fault] = await Promise.all([feeder.run(), script]);
  const health = await probe.stop();
  const foreignCpuCores = foreignLoad.stop();
  if (foreignCpuCores !== null && foreignCpuCores > 0.1) {
    log(
      `warning: other processes used ${foreignCpuCores.toFixed(2)} cores on average while ` +
        'feeding; the latencies are skewed by them',
    );
  }
  const relative = (at: number): number => Math.round(at - t0) / 1000;
  writeFileSync(
    join(context.logDir, `${definition.name}-requests.jsonl`),
    [
      ...feed.requests.map((request) => ({
        kind: 'POST /v1/messages',
        n: request.first,
        id: request.ids[0],
        status: request.status,
        code: request.code,
        sent: relative(request.sentAt),
        ms: Math.round(request.answeredAt - request.sentAt),
      })),
      ...health.map((sample) => ({
        kind: 'GET /health',
        target: sample.target,
        status: sample.status,
        sent: relative(sample.sentAt),
        ms: Math.round(sample.answeredAt - sample.sentAt),
      })),
    ]
      .map((line) => JSON.stringify(line))
      .join('\n') + '\n',
  );

  log(
    `fed: ${feed.accepted.length} accepted of ${feed.requests.length}; waiting until the ` +
      `sendmail queue is empty, at most until ${timing.drainCap} s after the fault's end`,
  );
  const drain = await waitForDrain(fleet, stub, feed.accepted, fault.endAt, timing, signal, log);
  const exits = [api, ...fleet.apps]
    .filter((app) => app.name !== fault.kill?.victim && !isRunning(app.child))
    .map((app) => `${app.name} exited with ${app.child.exitCode ?? app.child.signalCode}`);
  const { sends } = await stub.stop();
  writeFileSync(
    join(context.logDir, `${definition.name}-sends.jsonl`),
    sends.map((send) => JSON.stringify({ ...send, t: (send.at - t0) / 1000 })).join('\n') + '\n',
  );
  const sentIds = new Set(sends.filter((send) => send.outcome === 'ok').map((send) => send.id));
  const accepted = new Set(feed.accepted);
  const records = new Map(
    (await store.read([...new Set([...feed.accepted, ...sentIds])])).map((message) => [
      message.id,
      message,
    ]),
  );
  const evaluation = evaluate({
    definition,
    timing,
    t0,
    feed,
    fault,
    drain,
    sends,
    health,
    records,
    accepted,
  });
  if (exits.length > 0) {
    evaluation.figures.appExits = exits.join('; ');
  }
  evaluation.figures.foreignCpuCores = foreignCpuCores;
  const diagnosis = diagnose({
    definition,
    t0,
    feed,
    fault,
    sends,
    records,
    accepted,
    logFiles: [api, ...fleet.apps].map((app) => ({ name: app.name, file: app.logFile })),
  });
  const diagnosisFile = join(context.logDir, `${definition.name}-diagnosis.txt`);
  writeFileSync(diagnosisFile, diagnosis);
  log(`lost and doubled mails, with their app log lines: ${diagnosisFile}`);
  return {
    scenario: definition.name,
    summary: definition.summary(timing),
    config: {
      processes: `1 sender (p1${definition.fault === 'kill' ? ', then p2' : ''}) + 1 API`,
      sendRate: definition.sendRate,
      feedRate: definition.feedRate,
      feedSeconds,
      faultAtSeconds: timing.faultAt,
      fault: describeFault(definition, timing, stack.server),
      backlogSeconds: BACKLOG_SECONDS,
      stubLatencyMs: STUB_LATENCY_MS,
      drainCapSeconds: timing.drainCap,
      quick: context.quick || undefined,
    },
    figures: evaluation.figures,
    goals: evaluation.goals,
  };
}

function describeFault(definition: FaultScenarioDefinition, t: FaultTiming, server: FaultRedis) {
  switch (definition.fault) {
    case 'redis-restart':
      return `Redis down ${t.restart} s, persistence ${server.persistence}`;
    case 'redis-pause':
      return `Redis SIGSTOP ${t.pause} s`;
    case 'records-flushed':
      return 'FLUSHALL';
    case 'kill':
      return `SIGKILL p1, p2 started ${t.replacementAfter} s later`;
    case 'ses-5xx':
      return (
        `${t.bursts} bursts of ${t.burstOn} s of ` +
        `${SES_FAILURES.map((failure) => `${failure.status} ${failure.code}`).join(' / ')}, ` +
        `${t.burstOff} s apart`
      );
  }
}

/** Plays the scenario's fault on the timeline that starts at `t0` (when feeding starts). */
async function runFault(
  definition: FaultScenarioDefinition,
  t: FaultTiming,
  t0: number,
  signal: AbortSignal,
  stack: Stack & {
    sender: AppProcess;
    feeder: Feeder;
    healthy: AppProcess[];
    log: (text: string) => void;
  },
): Promise<FaultRecord> {
  const { server, fleet, stub, store, log } = stack;
  const since = (at: number): string => `${((at - t0) / 1000).toFixed(1)} s`;
  await until(t0, t.faultAt, signal);
  switch (definition.fault) {
    case 'redis-restart': {
      const keysBefore = await server.dbsize();
      const startAt = clock();
      await server.stop();
      log(`${since(startAt)}: Redis shut down (SHUTDOWN NOSAVE), ${keysBefore} keys`);
      await sleep(Math.max(0, startAt + t.restart * 1000 - clock()), undefined, { signal });
      await server.restart();
      const endAt = clock();
      const keysAfter = await server.dbsize();
      log(`${since(endAt)}: Redis answers again, with ${keysAfter} keys`);
      return {
        startAt,
        endAt,
        figures: { redisKeysBeforeFault: keysBefore, redisKeysAfterFault: keysAfter },
      };
    }
    case 'redis-pause': {
      const startAt = clock();
      server.pause();
      log(`${since(startAt)}: Redis SIGSTOP`);
      try {
        await sleep(t.pause * 1000, undefined, { signal });
      } finally {
        server.resume();
      }
      const endAt = clock();
      log(`${since(endAt)}: Redis SIGCONT`);
      return { startAt, endAt, figures: {} };
    }
    case 'records-flushed': {
      const depth = await fleet.sendmailDepth();
      const keysBefore = await server.dbsize();
      const notYetSent = stack.feeder
        .acceptedSoFar()
        .filter((id) => !stub.acceptedById().has(id)).length;
      await server.flushAll();
      const at = clock();
      log(
        `${since(at)}: FLUSHALL (${keysBefore} keys); the sendmail queue held ` +
          `${depth.visible + depth.inFlight + depth.delayed} jobs`,
      );
      return {
        startAt: at,
        endAt: at,
        figures: {
          redisKeysBeforeFault: keysBefore,
          jobsInQueueAtFlush: depth.visible + depth.inFlight + depth.delayed,
          acceptedNotSentAtFlush: notYetSent,
        },
      };
    }
    case 'kill': {
      const startAt = clock();
      await fleet.kill(stack.sender);
      const queued = new Set(
        (await store.read(stack.feeder.acceptedSoFar()))
          .filter((message) => message.status === 'QUEUED')
          .map((message) => message.id),
      );
      log(`${since(startAt)}: SIGKILL ${stack.sender.name}; ${queued.size} accepted still QUEUED`);
      await sleep(Math.max(0, startAt + t.replacementAfter * 1000 - clock()), undefined, {
        signal,
      });
      const replacement = await fleet.startApp();
      stack.healthy.push(replacement);
      const endAt = clock();
      log(`${since(endAt)}: ${replacement.name} started and healthy`);
      return { startAt, endAt, figures: {}, kill: { victim: stack.sender.name, queued } };
    }
    case 'ses-5xx': {
      let startAt = 0;
      for (let burst = 0; burst < t.bursts; burst += 1) {
        const from = t.faultAt + burst * (t.burstOn + t.burstOff);
        await until(t0, from, signal);
        const failure = SES_FAILURES[burst % SES_FAILURES.length];
        stub.setFailure(failure);
        startAt ||= clock();
        log(`${since(clock())}: SES answers ${failure.status} ${failure.code}`);
        try {
          await until(t0, from + t.burstOn, signal);
        } finally {
          stub.setFailure(null);
        }
        log(`${since(clock())}: SES answers normally`);
      }
      return { startAt, endAt: clock(), figures: {} };
    }
  }
}

/**
 * Waits until the sendmail queue has been empty for 2 s (every message's outcome recorded:
 * nothing more can be sent), or the cap after the fault's end has passed.
 */
async function waitForDrain(
  fleet: Fleet,
  stub: SesStubProcess,
  accepted: readonly string[],
  faultEndAt: number,
  timing: FaultTiming,
  signal: AbortSignal,
  log: (text: string) => void,
): Promise<Drain> {
  const deadline = faultEndAt + timing.drainCap * 1000;
  let emptySince: number | undefined;
  let nextLogAt = clock() + 10_000;
  for (;;) {
    const depth = await fleet.sendmailDepth();
    const now = clock();
    if (depth.visible + depth.inFlight + depth.delayed === 0) {
      emptySince ??= now;
      if (now - emptySince >= EMPTY_FOR_MS) {
        return { outcome: 'empty', at: emptySince, depth };
      }
    } else {
      emptySince = undefined;
    }
    if (now >= deadline) {
      return { outcome: 'cap', at: now, depth };
    }
    if (now >= nextLogAt) {
      nextLogAt += 10_000;
      const sent = stub.acceptedById();
      const unsent = accepted.filter((id) => !sent.has(id)).length;
      log(
        `drain, ${((now - faultEndAt) / 1000).toFixed(0)} s after the fault: ${unsent} accepted ` +
          `not sent yet; queue: ${depth.visible} visible, ${depth.inFlight} in hand, ` +
          `${depth.delayed} delayed`,
      );
    }
    await sleep(500, undefined, { signal });
  }
}
