import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { withBenchStack } from './bench-stack';
import { FAULT_GROUP, FAULT_SCENARIOS, FaultScenarioDefinition, runFaultScenario } from './faults';
import { Feeder, FeedResult } from './feeder';
import { BENCH_API_KEY, benchDist } from './fleet';
import { ForeignLoadSampler } from './foreign-load';
import {
  MEMORY_MESSAGES,
  MEMORY_SCENARIO,
  MemoryScenarioDefinition,
  runMemoryScenario,
} from './memory';
import { StoredMessage, redisServer } from './message-store';
import {
  arrivals,
  clock,
  duplicateIds,
  maxWindowCount,
  okRateByAgent,
  percentile,
  rateBetween,
  ratePerSecond,
  SendRecord,
  settlePoint,
} from './metrics';
import {
  commitInfo,
  FigureValue,
  GoalResult,
  machineInfo,
  readResults,
  renderConsole,
  ScenarioResult,
  writeMarkdown,
  writeResult,
} from './report';
import type { SesStubOptions } from './ses-stub';
import {
  runTrackingScenario,
  TRACKING_CONNECTIONS,
  TRACKING_MESSAGES,
  TRACKING_WARMUP_SECONDS,
  TrackingScenarioDefinition,
} from './tracking';
import {
  runWebhooksScenario,
  WEBHOOKS_GROUP,
  WEBHOOKS_SCENARIOS,
  WebhooksScenarioDefinition,
} from './webhooks';

const ROOT = resolve(__dirname, '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const LOG_DIR = join(RESULTS_DIR, 'logs');
const DOCS_FILE = join(ROOT, 'docs', 'benchmarks.md');
const REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_DURATION_SECONDS = 60;
const QUICK_DURATION_SECONDS = 15;
/** The tracking scenarios' measured load, after their warm-up. */
const DEFAULT_LOAD_SECONDS = 20;
const QUICK_LOAD_SECONDS = 10;
const BACKLOG_SECONDS = 1;
const STUB_LATENCY_MS = 100;
const MAX_WINDOW_RATIO = 1.02;
const MIN_ACHIEVED_RATIO = 0.98;

/** One scenario: the processes, the SES stub's behaviour, and which goals apply. */
interface ScenarioDefinition {
  name: string;
  summary: string;
  processes: number;
  /** SEND_RATE of every process; they share one budget, so it is also the configured total. */
  sendRate: number;
  stub: Omit<SesStubOptions, 'random'>;
  /** How long to wait after feeding for every message to leave QUEUED. */
  drainWaitSeconds: number;
  /** SIGKILL this process (1-based) halfway through feeding. */
  killProcess?: number;
  goals: {
    achieved?: boolean;
    noDuplicates?: boolean;
    duplicatesWithinInFlight?: boolean;
  };
  figures: { perProcess?: boolean; settling?: boolean };
}

/** Start-up excluded from the steady-state rate. */
const STEADY_AFTER_MS = 10_000;

const SCENARIOS: readonly ScenarioDefinition[] = [
  {
    name: 'rate-100',
    summary: 'One process with SEND_RATE=100; SES answers every call after 100 ms.',
    processes: 1,
    sendRate: 100,
    stub: { latencyMs: STUB_LATENCY_MS },
    drainWaitSeconds: 30,
    goals: { achieved: true },
    figures: {},
  },
  {
    name: 'rate-500',
    summary: 'One process with SEND_RATE=500; SES answers every call after 100 ms.',
    processes: 1,
    sendRate: 500,
    stub: { latencyMs: STUB_LATENCY_MS },
    drainWaitSeconds: 30,
    goals: { achieved: true },
    figures: {},
  },
  {
    name: 'fleet-300',
    summary:
      'Three processes, each with SEND_RATE=300, which they share through Redis: 300/s in ' +
      'all. SES answers after 100 ms.',
    processes: 3,
    sendRate: 300,
    stub: { latencyMs: STUB_LATENCY_MS },
    drainWaitSeconds: 30,
    goals: {},
    figures: { perProcess: true },
  },
  {
    name: 'throttle',
    summary:
      'One process with SEND_RATE=200 against an SES that throttles above 160 sends a second ' +
      '(80 %), answering after 100 ms. The limiter has settled at the start of the first 5-s ' +
      'span (tried every second from the first call, until feeding ends) in which throttled ' +
      'calls are under 1 % of the calls in it; the rate after settling counts the sends SES ' +
      'accepted from there to the end of feeding.',
    processes: 1,
    sendRate: 200,
    stub: { latencyMs: STUB_LATENCY_MS, throttleAbovePerSecond: 160 },
    drainWaitSeconds: 90,
    goals: { noDuplicates: true },
    figures: { settling: true },
  },
  {
    name: 'kill',
    summary:
      'Three processes sharing SEND_RATE=300; p2 gets SIGKILL halfway through feeding. Its ' +
      'received messages come back after the 60 s SQS visibility timeout; the bench waits ' +
      'until every accepted message is PUSHED. At three quarters of feeding a new process (p4) ' +
      'starts and joins the shared budget. In flight at kill: sends between the SES call ' +
      'and the status write when p2 died, i.e. its calls never answered plus those SES ' +
      'accepted whose record was still QUEUED right after the kill.',
    processes: 3,
    sendRate: 300,
    stub: { latencyMs: STUB_LATENCY_MS },
    drainWaitSeconds: 150,
    killProcess: 2,
    goals: { duplicatesWithinInFlight: true },
    figures: { perProcess: true },
  },
];

const TRACKING_SCENARIOS: readonly TrackingScenarioDefinition[] = [
  {
    name: 'pixel',
    summary:
      `One app process answers \`GET /t/o/<token>.gif\`, the open pixel. First autocannon, in a ` +
      `process of its own, saturates it: ${TRACKING_CONNECTIONS} keep-alive connections, each ` +
      `request for the next of ${TRACKING_MESSAGES} PUSHED messages in turn, with a browser ` +
      `User-Agent, after a ${TRACKING_WARMUP_SECONDS}-s warm-up run that is not counted: the ` +
      'most it answers, and latency with requests queued. Then the same process sends 5000 ' +
      'requests a second, each when it is due (open loop, on up to as many connections), for ' +
      'as long again: the latency at that rate, counted from when each request was due. Every ' +
      "answered pixel must have counted its open in the message's Redis record (openCount, " +
      'summed over the messages after the run); requests cut off at the end may have counted too.',
    endpoint: 'open',
    fixedRatePerSecond: 5000,
    goals: { minRate: 5000, maxP99Ms: 20 },
  },
  {
    name: 'click',
    summary:
      `The same for \`GET /t/c/<token>\`, a tracked link, which answers 302 to the link's URL ` +
      '(not followed): one link per message, the clicks counted in clickCount.',
    endpoint: 'click',
    goals: {},
  },
];

type AnyScenario =
  | ScenarioDefinition
  | TrackingScenarioDefinition
  | MemoryScenarioDefinition
  | FaultScenarioDefinition
  | WebhooksScenarioDefinition;

/** Every scenario, in the order they run and appear in docs/benchmarks.md. */
const ALL_SCENARIOS: readonly AnyScenario[] = [
  ...SCENARIOS,
  ...TRACKING_SCENARIOS,
  MEMORY_SCENARIO,
  ...WEBHOOKS_SCENARIOS,
  ...FAULT_SCENARIOS,
];

/** Names that stand for several scenarios. */
const GROUPS: Readonly<Record<string, readonly AnyScenario[]>> = {
  [FAULT_GROUP]: FAULT_SCENARIOS,
  [WEBHOOKS_GROUP]: WEBHOOKS_SCENARIOS,
};

/** The fault scenarios run with a Redis, fauxqs and SES stub of their own, and judge robustness. */
function isFault(definition: AnyScenario): definition is FaultScenarioDefinition {
  return 'fault' in definition;
}

/** The webhook scenarios start their own processes and a webhook receiver, on the shared Redis. */
function isWebhooks(definition: AnyScenario): definition is WebhooksScenarioDefinition {
  return 'webhooks' in definition;
}

function isTracking(definition: AnyScenario): definition is TrackingScenarioDefinition {
  return 'endpoint' in definition;
}

/** The memory scenario needs no shared Redis, SQS, SES stub or app process. */
function isMemory(definition: AnyScenario): definition is MemoryScenarioDefinition {
  return definition === MEMORY_SCENARIO;
}

interface Cli {
  scenarios: AnyScenario[];
  /** Build the app into this directory first, and run that build. */
  buildInto: string | undefined;
  /** Seconds of feeding (send scenarios) or of measured load (tracking scenarios). */
  durationSeconds: number | undefined;
  /** Messages per mode of the memory scenario. */
  messages: number;
  quick: boolean;
  reportOnly: boolean;
}

const USAGE =
  `usage: npm run bench -- [scenario ...] [--duration <seconds> | --quick] [--messages <n>]\n` +
  `  scenarios: ${ALL_SCENARIOS.filter((s) => !isFault(s))
    .map(({ name }) => name)
    .join(', ')} (default: all of these, in this order)\n` +
  `  ${WEBHOOKS_GROUP}: ${WEBHOOKS_SCENARIOS.map(({ name }) => name).join(', ')} (about 3 ` +
  `minutes; --duration sets the hanging-receiver runs' feeding, default 20 s, --quick 10 s ` +
  `and fewer events)\n` +
  `  ${FAULT_GROUP}: ${FAULT_SCENARIOS.map(({ name }) => name).join(', ')} (each by its name, ` +
  `or all with \`${FAULT_GROUP}\`; not run by default: about 5 minutes, up to 4 more each ` +
  `when its queue does not empty; --duration does not apply, --quick shortens faults and the ` +
  `drain cap)\n` +
  `  --duration S  seconds of feeding (default ${DEFAULT_DURATION_SECONDS}), or of measured ` +
  `load for ${TRACKING_SCENARIOS.map(({ name }) => name).join(' and ')} (default ` +
  `${DEFAULT_LOAD_SECONDS}, after a ${TRACKING_WARMUP_SECONDS}-s warm-up)\n` +
  `  --quick       feed for ${QUICK_DURATION_SECONDS} s, load for ${QUICK_LOAD_SECONDS} s\n` +
  `  --messages N  messages per mode of the memory scenario (default ${MEMORY_MESSAGES})\n` +
  `  --report-only rewrite docs/benchmarks.md from bench/results, run nothing\n` +
  `  --build DIR   compile src/ into DIR first (tsc, and the .lua files and assets beside the JS) and run ` +
  `that build, as BENCH_DIST=DIR does with one made before: src/ may change meanwhile`;

function parseCli(args: readonly string[]): Cli {
  const names: string[] = [];
  let durationSeconds: number | undefined;
  let messages = MEMORY_MESSAGES;
  let quick = false;
  let reportOnly = false;
  let buildInto: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--report-only') {
      reportOnly = true;
    } else if (arg === '--build' || arg.startsWith('--build=')) {
      buildInto = arg === '--build' ? args[(index += 1)] : arg.slice('--build='.length);
      if (!buildInto) {
        throw new Error(`--build: expected a directory\n${USAGE}`);
      }
    } else if (arg === '--quick') {
      quick = true;
      durationSeconds = undefined;
    } else if (arg === '--duration' || arg.startsWith('--duration=')) {
      const value = arg === '--duration' ? args[(index += 1)] : arg.slice('--duration='.length);
      durationSeconds = Number(value);
      quick = false;
      if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) {
        throw new Error(`--duration: got ${JSON.stringify(value)}; expected seconds > 0\n${USAGE}`);
      }
    } else if (arg === '--messages' || arg.startsWith('--messages=')) {
      const value = arg === '--messages' ? args[(index += 1)] : arg.slice('--messages='.length);
      messages = Number(value);
      if (!Number.isInteger(messages) || messages <= 0) {
        throw new Error(
          `--messages: got ${JSON.stringify(value)}; expected an integer > 0\n${USAGE}`,
        );
      }
    } else if (ALL_SCENARIOS.some(({ name }) => name === arg)) {
      names.push(arg);
    } else if (GROUPS[arg] !== undefined) {
      names.push(...GROUPS[arg].map(({ name }) => name));
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  return {
    scenarios:
      names.length === 0
        ? ALL_SCENARIOS.filter((s) => !isFault(s))
        : ALL_SCENARIOS.filter((s) => names.includes(s.name)),
    buildInto,
    durationSeconds,
    messages,
    quick,
    reportOnly,
  };
}

/** Where a build made by --build says which source it was made from. */
const BUILD_COMMIT_FILE = '.bench-commit';

/** Every file under `dir` whose name ends with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return filesUnder(path, suffix);
    }
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

/**
 * The commit of the working tree and, when src/ differs from it, a digest of the difference
 * (`b928e9b+dirty(src 1a2b3c4d)`), so that runs on different uncommitted states tell apart.
 */
function sourceState(): string {
  const commit = commitInfo(ROOT);
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    const hash = createHash('sha256').update(git('diff', 'HEAD', '--binary', '--', 'src'));
    const untracked = git('ls-files', '--others', '--exclude-standard', '--', 'src')
      .split('\n')
      .filter(Boolean)
      .sort();
    for (const file of untracked) {
      hash.update(file).update(readFileSync(join(ROOT, file)));
    }
    const changed = untracked.length > 0 || git('diff', 'HEAD', '--name-only', '--', 'src') !== '';
    return changed
      ? `${commit.replace(/\+dirty$/, '')}+dirty(src ${hash.digest('hex').slice(0, 8)})`
      : commit;
  } catch {
    return commit;
  }
}

/**
 * Compiles src/ into `dir` with the .lua files and the dashboard's assets beside the JS, as `nest
 * build` does for dist/ (nest-cli.json's assets).
 */
function buildApp(dir: string): void {
  const out = resolve(ROOT, dir);
  const state = sourceState();
  console.log(`building src/ (${state}) into ${out}`);
  execFileSync(
    process.execPath,
    // Not incremental: a build info left in `out` would skip files that are not there any more.
    [
      require.resolve('typescript/bin/tsc'),
      ...['-p', 'tsconfig.build.json', '--outDir', out, '--incremental', 'false'],
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const src = join(ROOT, 'src');
  const assets = filesUnder(join(src, 'dashboard', 'assets'), '');
  for (const file of [...filesUnder(src, '.lua'), ...assets]) {
    const target = join(out, relative(src, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  writeFileSync(join(out, BUILD_COMMIT_FILE), `${state}\n`);
  process.env.BENCH_DIST = out;
}

/** The source the app build was made from: as --build recorded it, or the working tree's. */
function appCommit(dist: string): string {
  const recorded = join(dist, BUILD_COMMIT_FILE);
  return existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : commitInfo(ROOT);
}

function log(scenario: string, text: string): void {
  console.log(`[${scenario}] ${text}`);
}

function percent(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${(ratio * 100).toFixed(1)} %`;
}

interface Measured {
  definition: ScenarioDefinition;
  feed: FeedResult;
  sends: SendRecord[];
  messages: StoredMessage[];
  drain: { finished: boolean; waitedMs: number };
  /** Average cores other processes used during feeding and drain; null when not measurable. */
  foreignCpuCores: number | null;
  /** The stub's event-loop delay, in ms: arrivals are timestamped no more precisely. */
  stubLoopDelay: { p99Ms: number; maxMs: number };
  /** `queued`: the ids accepted so far whose record was still QUEUED once the victim was dead. */
  kill?: { at: number; afterSeconds: number; queued: ReadonlySet<string> };
}

/** Figures and goals of a run, from what the SES stub saw and what Redis holds. */
function evaluate(run: Measured): { figures: Record<string, FigureValue>; goals: GoalResult[] } {
  const { definition, sends, messages } = run;
  const raw = sends.filter((send) => send.action === 'SendRawEmail');
  const all = arrivals(raw);
  const ok = arrivals(raw, (send) => send.outcome === 'ok');
  const rate = definition.sendRate;
  const achievedRate = ratePerSecond(ok);
  const achievedRatio = achievedRate === null ? null : achievedRate / rate;
  // The same after the first 10 s (start-up: cold code, new connections) until feeding ended.
  const steadyRate =
    ok.length > 0 ? rateBetween(ok, ok[0] + STEADY_AFTER_MS, run.feed.endedAt) : null;
  const { count: window, startAt: windowAt } = maxWindowCount(all);
  const windowRatio = window / rate;
  const latencies = messages.flatMap((message) =>
    message.queuedAt !== undefined && message.pushedAt !== undefined
      ? [message.pushedAt - message.queuedAt]
      : [],
  );
  const lost = messages.filter((message) => message.pushedAt === undefined).length;
  const duplicates = duplicateIds(raw);
  const refused = Object.values(run.feed.refused).reduce((sum, count) => sum + count, 0);

  const figures: Record<string, FigureValue> = {
    configuredRate: rate,
    accepted: run.feed.accepted.length,
    refused: refused === 0 ? 0 : `${refused} (${JSON.stringify(run.feed.refused)})`,
    sesSends: raw.length,
    sesOk: ok.length,
    sesThrottled: raw.filter((send) => send.outcome === 'throttled').length,
    sesFailed: raw.filter((send) => send.outcome === 'failed').length,
    achievedRate,
    achievedRatio,
    achievedSteadyRatio: steadyRate === null ? null : steadyRate / rate,
    maxWindow: window,
    maxWindowRatio: windowRatio,
    maxWindowAtSeconds: windowAt === null ? null : (windowAt - all[0]) / 1000,
    queuedToPushedP50Ms: percentile(latencies, 50),
    queuedToPushedP99Ms: percentile(latencies, 99),
    drainSeconds: run.drain.finished
      ? run.drain.waitedMs / 1000
      : `not done after ${definition.drainWaitSeconds} s`,
    lost,
    failedRecords: messages.filter((message) => message.status === 'FAILED').length,
    duplicates,
    foreignCpuCores: run.foreignCpuCores,
    stubLoopDelayP99Ms: run.stubLoopDelay.p99Ms,
    stubLoopDelayMaxMs: run.stubLoopDelay.maxMs,
  };
  if (definition.figures.perProcess) {
    figures.ratePerProcess = okRateByAgent(raw);
  }
  if (definition.figures.settling) {
    const settled = settlePoint(raw, run.feed.endedAt);
    figures.settledAfterSeconds = settled ? settled.afterSeconds : 'never during feeding';
    figures.settledRate = settled ? rateBetween(ok, settled.at, run.feed.endedAt) : null;
    // Settling once is not staying settled: a limiter that climbs back is throttled again.
    figures.throttledAfterSettling = settled
      ? raw.filter((send) => send.outcome === 'throttled' && send.at >= settled.at).length
      : null;
  }
  let inFlight: number | undefined;
  if (run.kill) {
    const victim = `p${definition.killProcess}`;
    const { queued } = run.kill;
    figures.killedAtSeconds = run.kill.afterSeconds;
    // A send is in flight from the SES call until its status is written. At the kill that is
    // p2's calls never answered, and those SES accepted whose record was still QUEUED right after
    // it died (nobody else could record them until SQS handed them out again, 60 s later). Every
    // call of p2 was made before it died, also one the stub timestamped after the kill: the
    // request was still in the socket, or the stub's event loop was late (up to tens of ms).
    const mine = raw.filter((send) => send.agent === victim);
    const unanswered = new Set(mine.filter((send) => !send.answered).map((send) => send.id));
    const unrecorded = new Set(
      mine.filter((send) => send.outcome === 'ok' && queued.has(send.id)).map((send) => send.id),
    );
    figures.unansweredAtKill = unanswered.size;
    figures.unrecordedAtKill = unrecorded.size;
    inFlight = new Set([...unanswered, ...unrecorded]).size;
    figures.inFlightAtKill = inFlight;
  }

  const goals: GoalResult[] = [];
  if (definition.goals.achieved) {
    goals.push({
      goal: 'achieved rate',
      target: `≥ ${MIN_ACHIEVED_RATIO * 100} % of ${rate}/s`,
      actual: percent(achievedRatio),
      pass: achievedRatio !== null && achievedRatio >= MIN_ACHIEVED_RATIO,
    });
  }
  goals.push({
    goal: 'no 1-s window over the rate',
    target: `≤ ${MAX_WINDOW_RATIO * 100} % of ${rate}/s`,
    actual: `${percent(windowRatio)} (${window} calls)`,
    pass: windowRatio <= MAX_WINDOW_RATIO,
  });
  goals.push({ goal: 'nothing lost', target: '0', actual: String(lost), pass: lost === 0 });
  if (definition.goals.noDuplicates) {
    goals.push({
      goal: 'no duplicates',
      target: '0',
      actual: String(duplicates),
      pass: duplicates === 0,
    });
  }
  if (definition.goals.duplicatesWithinInFlight && inFlight !== undefined) {
    goals.push({
      goal: 'duplicates only from sends in flight at kill',
      target: `≤ ${inFlight}`,
      actual: String(duplicates),
      pass: duplicates <= inFlight,
    });
  }
  return { figures, goals };
}

async function runScenario(
  definition: ScenarioDefinition,
  durationSeconds: number,
  redis: Redis,
  redisPid: number | undefined,
  signal: AbortSignal,
): Promise<Omit<ScenarioResult, 'date' | 'commit' | 'machine'>> {
  const { name } = definition;
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  log(name, `run ${runId}: starting fauxqs and ${definition.processes} app process(es)`);
  const stack = {
    root: ROOT,
    scenario: name,
    runId,
    logDir: LOG_DIR,
    redisUrl: REDIS_URL,
    sendRate: definition.sendRate,
    stub: definition.stub,
    redis,
    log: (text: string) => log(name, text),
  };
  return withBenchStack(stack, async ({ stub, fleet, store }) => {
    for (let index = 0; index < definition.processes; index += 1) {
      await fleet.startApp();
    }
    const api = await fleet.startApp({ api: true });

    const victim =
      definition.killProcess === undefined ? undefined : fleet.apps[definition.killProcess - 1];
    let kill: Measured['kill'];
    let restarting: Promise<void> | undefined;
    let restartedAfterSeconds: number | undefined;
    const feeder: Feeder = new Feeder({
      rate: definition.sendRate,
      durationSeconds,
      backlogSeconds: BACKLOG_SECONDS,
      apiKey: BENCH_API_KEY,
      idPrefix: `${runId}-`,
      targets: () => [api],
      signal,
      beforeTick: async (elapsedMs) => {
        if (victim && kill === undefined && elapsedMs >= (durationSeconds * 1000) / 2) {
          const at = clock();
          await fleet.kill(victim);
          const queued = new Set(
            (await store.read(feeder.acceptedSoFar()))
              .filter((message) => message.status === 'QUEUED')
              .map((message) => message.id),
          );
          kill = { at, afterSeconds: elapsedMs / 1000, queued };
          log(name, `SIGKILL ${victim.name} after ${(elapsedMs / 1000).toFixed(1)} s`);
        }
        if (kill && restarting === undefined && elapsedMs >= (durationSeconds * 1000 * 3) / 4) {
          // A new process joins the shared budget: it must not burst (started in the background
          // so that feeding goes on meanwhile).
          restarting = fleet.startApp().then(() => {
            log(name, `restarted: p${fleet.apps.length} joins the fleet`);
          });
          restartedAfterSeconds = elapsedMs / 1000;
        }
      },
      onProgress: ({ elapsedMs, posted, accepted, total }) =>
        log(
          name,
          `${(elapsedMs / 1000).toFixed(0)} s: posted ${posted}/${total}, accepted ${accepted}, ` +
            `SES accepted ${stub.counts().ok}`,
        ),
    });
    log(name, `feeding ${definition.sendRate}/s for ${durationSeconds} s`);
    const foreignLoad = new ForeignLoadSampler(redisPid === undefined ? [] : [redisPid]);
    foreignLoad.start();
    const feed = await feeder.run();
    await restarting;
    log(
      name,
      `fed: ${feed.accepted.length} accepted; waiting up to ${definition.drainWaitSeconds} s ` +
        'for every message to leave QUEUED',
    );
    const drain = await store.waitUntilFinished(
      feed.accepted,
      definition.drainWaitSeconds * 1000,
      signal,
    );
    const foreignCpuCores = foreignLoad.stop();
    if (foreignCpuCores !== null && foreignCpuCores > 0.1) {
      log(
        name,
        `warning: other processes used ${foreignCpuCores.toFixed(2)} cores on average during ` +
          'the run; its figures are skewed by them',
      );
    }
    const { sends, loopDelay } = await stub.stop();
    // Raw material for a second look at a surprising figure; gitignored with the app logs.
    writeFileSync(
      join(LOG_DIR, `${name}-sends.jsonl`),
      sends.map((send) => JSON.stringify(send)).join('\n') + '\n',
    );
    const { figures, goals } = evaluate({
      definition,
      feed,
      sends,
      messages: drain.messages,
      drain,
      foreignCpuCores,
      stubLoopDelay: loopDelay,
      kill,
    });
    if (restartedAfterSeconds !== undefined) {
      figures.restartedAtSeconds = restartedAfterSeconds;
    }
    return {
      scenario: name,
      summary: definition.summary,
      config: {
        processes: definition.processes,
        sendRate: definition.sendRate,
        stubLatencyMs: definition.stub.latencyMs,
        throttleAbovePerSecond: definition.stub.throttleAbovePerSecond,
        feedSeconds: durationSeconds,
        backlogSeconds: BACKLOG_SECONDS,
        drainWaitSeconds: definition.drainWaitSeconds,
        killProcess: victim?.name,
      },
      figures,
      goals,
    };
  });
}

async function main(): Promise<void> {
  // The harness's own SQS client would print a Node 22 notice in the middle of the progress lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const cli = parseCli(process.argv.slice(2));
  const scenarioOrder = ALL_SCENARIOS.map(({ name }) => name);
  if (cli.reportOnly) {
    await writeMarkdown(DOCS_FILE, readResults(RESULTS_DIR, scenarioOrder));
    console.log(`wrote ${DOCS_FILE}`);
    return;
  }
  if (cli.buildInto !== undefined) {
    buildApp(cli.buildInto);
  }
  // Every scenario but memory runs app processes; only the fault scenarios bring their own Redis.
  const needsApps = cli.scenarios.some((definition) => !isMemory(definition));
  const needsStack = cli.scenarios.some((d) => !isMemory(d) && !isFault(d));
  const dist = benchDist(ROOT);
  if (needsApps && !existsSync(join(dist, 'main.js'))) {
    throw new Error(
      `${join(dist, 'main.js')} is missing: run \`nest build\` (npm run bench does), or build ` +
        'into the directory BENCH_DIST names',
    );
  }
  if (needsApps && !existsSync(join(dist, 'status', 'lua'))) {
    throw new Error(
      `${join(dist, 'status', 'lua')} is missing: the build needs src/**/*.lua beside the JS ` +
        "(nest-cli.json's assets; after a plain tsc, copy them: " +
        `cd src && find . -name '*.lua' -exec cp --parents {} ${dist}/ \\;)`,
    );
  }
  if (needsApps) {
    console.log(`app processes run ${join(dist, 'main.js')}`);
  }
  const aborter = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (aborter.signal.aborted) {
      process.exit(130);
    }
    console.error(`${signal}: stopping the processes and deleting the run's Redis keys`);
    aborter.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  /** Prints a result, writes its JSON and regenerates docs/benchmarks.md. */
  const record = async (measured: Omit<ScenarioResult, 'date'>): Promise<void> => {
    const result: ScenarioResult = {
      scenario: measured.scenario,
      summary: measured.summary,
      date: new Date().toISOString(),
      commit: measured.commit,
      machine: measured.machine,
      config: measured.config,
      figures: measured.figures,
      goals: measured.goals,
    };
    console.log(`\n${renderConsole(result)}\n`);
    const file = writeResult(RESULTS_DIR, result);
    await writeMarkdown(DOCS_FILE, readResults(RESULTS_DIR, scenarioOrder));
    log(result.scenario, `wrote ${file} and ${DOCS_FILE}`);
  };

  // The shared Redis only for the scenarios that run app processes against it.
  const shared = needsStack ? new Redis(REDIS_URL, { maxRetriesPerRequest: 2 }) : undefined;
  try {
    const server = shared ? { redis: shared, ...(await redisServer(shared)) } : undefined;
    // The app build's source for the scenarios that run it; memory drives src/ itself.
    const commit = commitInfo(ROOT);
    const appsCommit = needsApps ? appCommit(dist) : commit;
    for (const definition of cli.scenarios) {
      if (isMemory(definition)) {
        const { redisVersion, ...memory } = await runMemoryScenario(definition, {
          logDir: LOG_DIR,
          messages: cli.messages,
          signal: aborter.signal,
          log: (text) => log(definition.name, text),
        });
        await record({ ...memory, machine: machineInfo(redisVersion), commit });
        continue;
      }
      if (isFault(definition)) {
        const { result, redisVersion } = await runFaultScenario(definition, {
          root: ROOT,
          logDir: LOG_DIR,
          quick: cli.quick,
          signal: aborter.signal,
          log: (text) => log(definition.name, text),
        });
        await record({ ...result, machine: machineInfo(redisVersion), commit: appsCommit });
        continue;
      }
      if (server === undefined) {
        throw new Error(`${definition.name}: the shared Redis at ${REDIS_URL} was not connected`);
      }
      const { redis } = server;
      const machine = machineInfo(server.version);
      if (isWebhooks(definition)) {
        const outcome = await runWebhooksScenario(definition, {
          root: ROOT,
          logDir: LOG_DIR,
          redisUrl: REDIS_URL,
          redis,
          redisPid: server.pid,
          runId: () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
          feedSeconds: cli.durationSeconds,
          quick: cli.quick,
          signal: aborter.signal,
          log: (text) => log(definition.name, text),
        });
        await record({ ...outcome, machine, commit: appsCommit });
        continue;
      }
      const measured = isTracking(definition)
        ? await runTrackingScenario(definition, {
            root: ROOT,
            logDir: LOG_DIR,
            redisUrl: REDIS_URL,
            redis,
            redisPid: server.pid,
            runId: `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
            loadSeconds:
              cli.durationSeconds ?? (cli.quick ? QUICK_LOAD_SECONDS : DEFAULT_LOAD_SECONDS),
            signal: aborter.signal,
            log: (text) => log(definition.name, text),
          })
        : await runScenario(
            definition,
            cli.durationSeconds ?? (cli.quick ? QUICK_DURATION_SECONDS : DEFAULT_DURATION_SECONDS),
            redis,
            server.pid,
            aborter.signal,
          );
      await record({ ...measured, machine, commit: appsCommit });
    }
  } finally {
    shared?.disconnect();
  }
}

main().then(
  // Explicit exit: a keep-alive socket or a timer of a failed run must not hold the harness open.
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof Error && error.name === 'AbortError') {
      console.error('interrupted: the scenario in progress was not recorded');
      process.exit(130);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
