import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

/** A figure: a number (null when it could not be measured), a text, or one number per agent. */
export type FigureValue = number | string | null | Record<string, number | null>;

/** One goal and whether the run met it. */
export interface GoalResult {
  goal: string;
  target: string;
  actual: string;
  pass: boolean;
}

/** Where a run ran. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  redis: string;
}

/** What `bench/results/<scenario>.json` holds. */
export interface ScenarioResult {
  scenario: string;
  /** One sentence: what the scenario does. */
  summary: string;
  /** ISO time the run ended. */
  date: string;
  /** `git rev-parse --short HEAD`, with `+dirty` when the tree had changes. */
  commit: string;
  machine: MachineInfo;
  config: Record<string, unknown>;
  figures: Record<string, FigureValue>;
  goals: GoalResult[];
}

const LABELS: Record<string, string> = {
  configuredRate: 'Configured rate (shared)',
  feedSeconds: 'Feeding',
  accepted: 'Accepted by the API',
  refused: 'Refused by the API',
  sesSends: 'SendRawEmail calls',
  sesOk: 'Accepted by SES',
  sesThrottled: 'Throttled by SES',
  sesFailed: 'Failed (500) at SES',
  achievedRate: 'Achieved rate',
  achievedRatio: 'Achieved / configured',
  achievedSteadyRatio: 'Achieved / configured, after the first 10 s',
  maxWindow: 'Max calls in a 1-s window',
  maxWindowRatio: 'Max 1-s window / configured',
  maxWindowAtSeconds: 'Max 1-s window starts after',
  queuedToPushedP50Ms: 'Queued → pushed p50',
  queuedToPushedP99Ms: 'Queued → pushed p99',
  drainSeconds: 'Drain after feeding',
  lost: 'Lost (not PUSHED)',
  failedRecords: 'Recorded FAILED',
  duplicates: 'Duplicates (ids accepted twice)',
  ratePerProcess: 'Rate per process',
  settledAfterSeconds: 'Limiter settled after',
  settledRate: 'Rate after settling',
  throttledAfterSettling: 'Throttled after settling',
  killedAtSeconds: 'p2 killed after',
  restartedAtSeconds: 'p4 started after',
  unansweredAtKill: 'p2 calls SES never answered',
  unrecordedAtKill: 'p2 sends SES accepted, not recorded PUSHED',
  inFlightAtKill: 'In flight at kill (p2, the two above)',
  foreignCpuCores: 'CPU used by other processes',
  stubLoopDelayP99Ms: 'SES stub event-loop delay p99',
  stubLoopDelayMaxMs: 'SES stub event-loop delay max',
  requestRate: 'Requests/s at saturation (mean of 1-s samples)',
  slowestSecondRate: 'Requests/s at saturation, slowest 1-s sample',
  answered: 'Answered with the expected status',
  statusCodes: 'Responses by status',
  unexpectedStatus: 'Other statuses',
  errors: 'Connection errors (timeouts included)',
  timeouts: 'Timeouts',
  cutOffAtEnd: 'Sent, not answered (cut off at the end)',
  latencyP50Ms: 'Latency p50 at saturation',
  latencyP975Ms: 'Latency p97.5 at saturation',
  latencyP99Ms: 'Latency p99 at saturation',
  latencyMaxMs: 'Latency max at saturation',
  opensWritten: 'Opens counted in Redis (openCount)',
  clicksWritten: 'Clicks counted in Redis (clickCount)',
  appCpuCores: 'CPU of the app process',
  loadCpuCores: 'CPU of autocannon',
  redisCpuCores: 'CPU of Redis',
  warmupRate: 'Requests/s during the warm-up',
  fixedRate: 'Fixed rate: requests due per second',
  fixedAchievedRate: 'Fixed rate: answered per second',
  fixedStatusCodes: 'Fixed rate: responses by status',
  fixedErrors: 'Fixed rate: errors',
  fixedP50Ms: 'Fixed rate: latency p50 (from when due)',
  fixedP975Ms: 'Fixed rate: latency p97.5',
  fixedP99Ms: 'Fixed rate: latency p99',
  fixedMaxMs: 'Fixed rate: latency max',
  fixedLoadCpuCores: 'Fixed rate: CPU of the client',
  fixedClientLoopDelayP99Ms: "Fixed rate: client's event-loop delay p99",
  fixedClientLoopDelayMaxMs: "Fixed rate: client's event-loop delay max",
  redisVersion: 'Redis (its own server)',
  listpackSettings: 'Listpack settings',
  messages: 'Messages per mode',
  simulatedRate: 'Simulated queueing rate',
  callerIdMessages: 'Messages with caller-given ids',
  callerIdOpenBytes: 'Caller-given ids, full, DELIVERED + 1 open: bytes/message',
  callerIdOpenBytesByKeyKind: 'Caller-given ids: bytes/message by key kind',
  seriesCategories:
    'Time series: categories of the measured day (every counter moving every minute)',
  seriesBytesPerDay: 'Time series: bytes a day (used_memory)',
  seriesMinuteBytesPerDay: 'Time series: per-minute buckets, bytes a day (MEMORY USAGE)',
  seriesHourBytesPerDay: 'Time series: per-hour buckets, bytes a day (MEMORY USAGE)',
  seriesBytesKept: 'Time series: kept at once (2 days of minutes + 15 of hours)',
  callerIdOpenRecordLengthBytes: 'Caller-given ids: packed record length',
  callerIdOpenProjectionGb: 'Caller-given ids: projection for 121 M records',
  refusedCounts: 'Refused by the API (by answer)',
  faultStartSeconds: 'Fault started after (from the start of feeding)',
  faultLengthSeconds: 'Fault lasted',
  redisKeysBeforeFault: 'Redis keys before the fault',
  redisKeysAfterFault: 'Redis keys after the restart',
  jobsInQueueAtFlush: 'Jobs in the sendmail queue at FLUSHALL',
  acceptedNotSentAtFlush: 'Accepted, not yet sent, at FLUSHALL',
  sentOnce: 'Accepted mails SES accepted once',
  sentTwiceOrMore: 'Mails SES accepted twice or more',
  lostNeverSent: 'Lost (accepted, never accepted by SES)',
  lostByRecordCounts: 'Lost, by their record at the end',
  sentNotAccepted: 'Sent, though the API did not answer 202',
  ses5xx: 'SendRawEmail calls answered 5xx',
  sesCallsPerMailCounts: 'Mails by their SendRawEmail calls',
  sesOkDuringFault: 'Accepted by SES during the fault',
  apiDuringFaultCounts: 'POST /v1/messages under way from the fault to the end of feeding',
  apiBeforeFaultP50Ms: 'POST /v1/messages answered before the fault: latency p50',
  apiBeforeFaultMaxMs: 'POST /v1/messages answered before the fault: latency max',
  apiDuringFaultP50Ms: 'POST /v1/messages latency p50, same span',
  apiDuringFaultMaxMs: 'POST /v1/messages latency max, same span',
  healthDuringFaultCounts: 'GET /health every 500 ms, same span',
  healthDuringFaultMaxMs: 'GET /health max latency, same span',
  sendingResumedSeconds: "First send SES accepted after the fault's end",
  rateBackSeconds: "Rate back (a 1-s window ≥ 90 % of SEND_RATE) after the fault's end",
  allSentSeconds: "Every accepted mail sent, after the fault's end",
  drain: 'Drain',
  appExits: 'App processes that exited',
  victimUnanswered: 'Killed process: SES calls never answered',
  victimUnrecorded: 'Killed process: sends SES accepted, not recorded PUSHED',
  victimInFlight: 'In flight at the kill (the two above)',
  duplicatesNotInFlight: 'Duplicates not in flight at the kill',
  eventsPerRun: 'Deliveries queued before each deliverer starts',
  deliveredRateByConcurrency: 'Events/s delivered, by WEBHOOK_CONCURRENCY',
  deliverySecondsByConcurrency: 'First to last receipt, by WEBHOOK_CONCURRENCY',
  delivererCpuCoresByConcurrency: 'CPU of the delivering process, by WEBHOOK_CONCURRENCY',
  redisCpuCoresByConcurrency: 'CPU of Redis, by WEBHOOK_CONCURRENCY',
  duplicatesByConcurrencyCounts: 'Duplicate POSTs, by WEBHOOK_CONCURRENCY',
  missingByConcurrencyCounts: 'Not delivered when the run ended, by WEBHOOK_CONCURRENCY',
  leftInQueueByConcurrencyCounts: 'Left in the delivery queue, by WEBHOOK_CONCURRENCY',
  pacedFedRate: 'Paced: events emitted per second',
  pacedDeliveredRate: 'Paced: events/s delivered',
  pacedEvents: 'Paced: events',
  pacedLatencyP50Ms: 'Paced: emitted → received p50',
  pacedLatencyP99Ms: 'Paced: emitted → received p99',
  pacedLatencyMaxMs: 'Paced: emitted → received max',
  pacedDuplicates: 'Paced: duplicate POSTs',
  pacedMissing: 'Paced: not delivered',
  otherRunsEvents: "POSTs of another run's events (expected 0)",
  signaturesVerified: 'Signatures checked with standardwebhooks',
  badSignatures: 'Signatures that did not verify',
};

/** The runs of webhooks-hanging-receiver, by the prefix of their figures, and those figures. */
const WEBHOOK_RUNS: Readonly<Record<string, string>> = {
  baseline: 'No endpoint',
  hang: 'Hanging endpoint',
  both: 'Hanging + fast endpoint',
};
const WEBHOOK_RUN_FIGURES: Readonly<Record<string, string>> = {
  AchievedRate: 'achieved rate',
  AchievedRatio: 'achieved / configured',
  QueuedToPushedP50Ms: 'queued → pushed p50',
  QueuedToPushedP99Ms: 'queued → pushed p99',
  Lost: 'lost (not PUSHED)',
  SenderCpuCores: 'CPU of the sending process',
  ApiCpuCores: 'CPU of the API process',
  RedisCpuCores: 'CPU of Redis',
  EventsEmitted: 'events emitted (queued + pushed)',
  QueueDepth: 'deliveries in the queue at the end',
  Attempts: 'POSTs the hanging endpoint got (all held open)',
  Connections: 'connections opened to the hanging endpoint',
  FastDelivered: 'events the fast endpoint got',
  FastMissing: 'messages with no event at the fast endpoint',
  FastDuplicates: 'duplicate POSTs to the fast endpoint',
  FastLatencyP50Ms: 'fast endpoint, emitted → received p50',
  FastLatencyP99Ms: 'fast endpoint, emitted → received p99',
  FastLatencyMaxMs: 'fast endpoint, emitted → received max',
};

const MEMORY_MODES: Readonly<Record<string, string>> = { full: 'Full', lean: 'Lean' };
const MEMORY_STAGES: Readonly<Record<string, string>> = {
  Queued: 'QUEUED',
  Pushed: 'PUSHED',
  Delivered: 'DELIVERED',
  Open: 'DELIVERED + 1 open',
  Click: '+ 1 click',
};

/** The label of a figure: LABELS, the memory scenario's per-mode names, or the name itself. */
function labelOf(name: string): string {
  if (LABELS[name] !== undefined) {
    return LABELS[name];
  }
  const run = /^(baseline|hang|both)([A-Z]\w*)$/.exec(name);
  if (run && WEBHOOK_RUN_FIGURES[run[2]] !== undefined) {
    return `${WEBHOOK_RUNS[run[1]]}: ${WEBHOOK_RUN_FIGURES[run[2]]}`;
  }
  const memory = /^(full|lean)(Queued|Pushed|Delivered|Open|Click)?(.*)$/.exec(name);
  if (memory) {
    const [, mode, stage, rest] = memory;
    const at = stage === undefined ? '' : `, ${MEMORY_STAGES[stage]}`;
    const what: Record<string, string> = {
      Bytes: 'bytes/message (used_memory)',
      BytesByKeyKind: 'bytes/message by key kind (MEMORY USAGE)',
      ProjectionGbByStage: 'projection for 121 M records',
      RecordLengthBytesByStage: 'packed record length',
      SearchIndexBytes: 'search index (i:), bytes/message (MEMORY USAGE)',
      Layout: 'keys at the last stage',
    };
    if (what[rest] !== undefined) {
      return `${MEMORY_MODES[mode]}${at}: ${what[rest]}`;
    }
  }
  return name;
}

/**
 * Formats a figure by the unit its name ends in (`…Cores`, `…Ratio`, `…Ms`, `…Seconds`, `…Rate`,
 * `…Bytes`, `…Gb`).
 */
export function formatFigure(name: string, value: FigureValue): string {
  if (value === null) {
    return 'n/a';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'object') {
    // The entries take the unit of the name without its `By…`/`Per…` ending (`ratePerProcess`:
    // rates, `drainSecondsByConcurrency`: seconds).
    const unit = name.replace(/(By|Per)[A-Z]\w*$/, '');
    // `…Counts`: plain counts by what was counted.
    const entryName = /Counts$/.test(name) ? 'count' : unit;
    return Object.entries(value)
      .map(([key, entry]) => `${key} ${formatFigure(entryName, entry)}`)
      .join(', ');
  }
  if (/Bytes$/.test(name)) {
    return `${value.toFixed(1)} B`;
  }
  if (/Gb$/.test(name)) {
    return `${value.toFixed(2)} GB`;
  }
  if (/Cores$/.test(name)) {
    return `${value.toFixed(2)} cores`;
  }
  if (/Ratio$/.test(name)) {
    return `${(value * 100).toFixed(1)} %`;
  }
  if (/Ms$/.test(name)) {
    return `${Math.round(value)} ms`;
  }
  if (/Seconds$/.test(name)) {
    return `${value.toFixed(1)} s`;
  }
  if (/[rR]ate$/.test(name)) {
    return `${value.toFixed(1)}/s`;
  }
  return String(value);
}

function describeMachine(machine: MachineInfo): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, ` +
    `Node ${machine.node}, Redis ${machine.redis}`
  );
}

function describeConfig(config: Record<string, unknown>): string {
  return Object.entries(config)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/** The machine this runs on; `redis` is the server's version. */
export function machineInfo(redis: string): MachineInfo {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    redis,
  };
}

/**
 * The commit under test. The bench's own output (results, docs/benchmarks.md) does not make the
 * tree dirty, or every run after the first would say so.
 */
export function commitInfo(root: string): string {
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    const changes = git(
      'status',
      '--porcelain',
      '--',
      '.',
      ':(exclude)bench/results',
      ':(exclude)docs/benchmarks.md',
    );
    return changes === '' ? head : `${head}+dirty`;
  } catch {
    return 'unknown';
  }
}

/** The console table of one result. */
export function renderConsole(result: ScenarioResult): string {
  const rows: Array<[string, string]> = [
    ['Commit', result.commit],
    ['Config', describeConfig(result.config)],
    ...Object.entries(result.figures).map(([name, value]): [string, string] => [
      labelOf(name),
      formatFigure(name, value),
    ]),
    ...result.goals.map((goal): [string, string] => [
      `${goal.pass ? 'PASS' : 'FAIL'} ${goal.goal}`,
      `${goal.actual} (target ${goal.target})`,
    ]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const title = `== ${result.scenario}: ${result.summary}`;
  return [title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}

/** Writes `<dir>/<scenario>.json`. */
export function writeResult(dir: string, result: ScenarioResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.scenario}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** Every result in `dir`, in `order` (names not in it last, alphabetically). */
export function readResults(dir: string, order: readonly string[]): ScenarioResult[] {
  if (!existsSync(dir)) {
    return [];
  }
  const rank = (name: string): number => {
    const index = order.indexOf(name);
    return index === -1 ? order.length : index;
  };
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as ScenarioResult)
    .sort((a, b) => rank(a.scenario) - rank(b.scenario) || a.scenario.localeCompare(b.scenario));
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** docs/benchmarks.md, from every result. */
export function renderMarkdown(results: readonly ScenarioResult[]): string {
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` from bench/results/*.json: edit bench/report.ts, not this file. -->',
    '',
    '`npm run bench` builds the service and runs every scenario below but the fault scenarios, ' +
      'in order, against real ' +
      "processes: `node dist/main` app processes, fauxqs as SQS and the bench's own SES stub " +
      '(bench/ses-stub.ts, which answers after a fixed latency and records every call), each in ' +
      'a process of its own, and the local Redis. The feeder posts `POST /v1/messages/batch` ' +
      'to one more app process with `SEND_POLLERS=0` (it accepts mail, does not send), so the ' +
      'CPU of accepting mail is not counted against the senders measured, as with separate API ' +
      'and worker instances; all of them share the machine. `npm run bench -- rate-500` runs one scenario ' +
      '(several names run in order); `--duration 20` feeds for 20 s instead of 60, `--quick` ' +
      'for 15 s; `--report-only` just rewrites this page. Each run writes ' +
      '`bench/results/<scenario>.json`, which is committed, and regenerates this page from all ' +
      'of them, so running one scenario refreshes only its own section; the app logs and every ' +
      'call the stub saw go to `bench/results/logs/`. Rates are measured at the stub: achieved ' +
      'rate is the sends SES accepted divided by the time from the first to the last; the 1-s ' +
      'window is the most calls (throttled ones included) in any 1000 ms starting at a call; ' +
      "queued → pushed comes from each message's Redis record; lost is a message the API " +
      'accepted that is not PUSHED after the drain wait; a duplicate is an id SES accepted more ' +
      'than once. The machine is shared: CPU used by other processes says how much other work ' +
      "ran alongside, and the stub's event-loop delay bounds how late it may have timestamped a " +
      'call. The tracking scenarios (pixel, click) load the public tracking endpoints of one ' +
      'app process with autocannon, in a process of its own, after a warm-up run that is not ' +
      'counted; `--duration` sets their measured seconds (default 20, `--quick` 10). Requests/s ' +
      "at saturation is the mean of autocannon's 1-s samples; latency at saturation is from the " +
      'request written to the response read, over every response, so it is mostly time spent ' +
      'queued behind the other connections. The pixel scenario then measures latency at a fixed ' +
      '5000 requests/s (open loop: from when each request was due, so a stall is counted in ' +
      'full), which is what its p99 goal is about. The CPU figures are averages over the run ' +
      '(1.00 = one core busy). Opens and clicks written are summed from the Redis records after ' +
      'the run and must match the answered requests: only requests autocannon cut off when its ' +
      'time was up may add to them. The memory scenario starts nothing but a redis-server of its ' +
      'own (default settings, no persistence) and drives the status store directly; ' +
      '`--messages` sets how many messages it records per mode (default 100 000).',
    '',
    'The fault scenarios (`npm run bench -- faults` runs them all, about 5 minutes, more when a ' +
      'queue does not empty, as each waits up to 240 s after its fault; each also by its name; ' +
      '`--quick` shortens the faults and the drain cap) judge robustness, not speed. ' +
      'Each starts a redis-server of its own (on a free port and a temporary directory, so it can ' +
      'be shut down, paused, flushed and started again on the same port), fauxqs and the SES stub ' +
      'in processes of their own, one sending process and one API process, and posts ' +
      '`POST /v1/messages` one request a message while the fault happens. Sent once, sent twice ' +
      'and lost come from what the stub accepted, by the `X-Ases-Id` header of each mail; lost ' +
      'is a mail the API answered 202 for that SES never accepted (a refused request, e.g. 503, ' +
      'is not accepted and so not lost). After feeding the bench waits until the sendmail queue ' +
      'is empty (nothing visible, in hand or delayed: no more sends can come) for 2 s, or until ' +
      'a cap after the fault’s end (240 s; the send backoff reaches 300 s and the visibility ' +
      'timeout is 60 s), and says which. API answers and `/health` (asked every 500 ms of every ' +
      'healthy process) are counted when under way at any time from the fault’s start to the end ' +
      'of feeding, 5 s after the fault; recovery is timed from the fault’s end. ' +
      '`bench/results/logs/<scenario>-diagnosis.txt` lists each lost and doubled mail with ' +
      'its SES calls, its record and the app log lines naming it. `BENCH_DIST=<dir>` (or ' +
      '`--build <dir>`, which compiles src/ there first) runs the app processes from a ' +
      'build of their own, so src/ may change during a run; a build made with `--build` ' +
      'records the source it was made from, and the commit names that.',
    '',
    'The webhook scenarios (`npm run bench -- webhooks` runs both, about 3 minutes; each also by ' +
      'its name) post to a webhook receiver of their own (bench/webhooks-receiver.ts: node:http ' +
      'on 127.0.0.1 in a process of its own, which answers 204 at once or never) and start ' +
      'their own fauxqs, SES stub and app processes on the local Redis; `--duration` sets the ' +
      'feeding of the hanging-receiver runs (default 20 s), `--quick` halves it and queues ' +
      'fewer events.',
  ];
  if (results.length === 0) {
    lines.push('', 'No results yet.');
  }
  for (const result of results) {
    lines.push('', `## ${result.scenario}`, '', result.summary, '');
    lines.push('| Run | |', '| --- | --- |');
    lines.push(`| Date | ${cell(result.date)} |`);
    lines.push(`| Machine | ${cell(describeMachine(result.machine))} |`);
    lines.push(`| Commit | ${cell(result.commit)} |`);
    lines.push(`| Config | ${cell(describeConfig(result.config))} |`);
    for (const [name, value] of Object.entries(result.figures)) {
      lines.push(`| ${cell(labelOf(name))} | ${cell(formatFigure(name, value))} |`);
    }
    if (result.goals.length > 0) {
      lines.push('', '| Goal | Target | Actual | Result |', '| --- | --- | --- | --- |');
      for (const goal of result.goals) {
        lines.push(
          `| ${cell(goal.goal)} | ${cell(goal.target)} | ${cell(goal.actual)} | ` +
            `${goal.pass ? 'PASS' : '**FAIL**'} |`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Regenerates the markdown page from every result, formatted as `prettier --check` expects. */
export async function writeMarkdown(
  file: string,
  results: readonly ScenarioResult[],
): Promise<void> {
  const config = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(renderMarkdown(results), { ...config, filepath: file }));
}
