import { readFileSync } from 'node:fs';
import type { Drain, FaultRecord, FaultScenarioDefinition, FaultTiming } from './faults';
import type { HealthSample } from './faults-probe';
import type { FeedRequest, FeedResult } from './feeder';
import type { StoredMessage } from './message-store';
import { percentile } from './metrics';
import type { FigureValue, GoalResult } from './report';
import type { StubSendRecord } from './ses-stub';

/** The goal for API answers while Redis is faulty. */
const API_ANSWER_GOAL_MS = 2000;
/** The sending rate is back once a 1-s window after the fault holds this share of SEND_RATE. */
const RATE_BACK_RATIO = 0.9;

/** What a fault scenario recorded: the feeder's requests, the stub's sends, the records. */
export interface Evaluation {
  definition: FaultScenarioDefinition;
  timing: FaultTiming;
  t0: number;
  feed: FeedResult;
  fault: FaultRecord;
  drain: Drain;
  sends: StubSendRecord[];
  health: HealthSample[];
  records: ReadonlyMap<string, StoredMessage>;
  accepted: ReadonlySet<string>;
}

/** How many times SES accepted each id. */
function okCounts(sends: readonly StubSendRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const send of sends) {
    if (send.outcome === 'ok') {
      counts.set(send.id, (counts.get(send.id) ?? 0) + 1);
    }
  }
  return counts;
}

/** How many SendRawEmail calls each id got, whatever SES answered. */
function countCalls(sends: readonly StubSendRecord[]): Map<string, number> {
  const calls = new Map<string, number>();
  for (const send of sends) {
    calls.set(send.id, (calls.get(send.id) ?? 0) + 1);
  }
  return calls;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const name = key(item);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true })),
  );
}

function requestLabel(request: FeedRequest): string {
  return typeof request.status === 'number'
    ? `${request.status}${request.code ? ` ${request.code}` : ''}`
    : request.status;
}

/** The first 1-s window from `from` on (in steps of 100 ms) holding `needed` times; null if none. */
function firstWindowWith(sortedTimes: readonly number[], from: number, needed: number) {
  if (needed <= 0) {
    return from;
  }
  const last = sortedTimes.at(-1);
  if (last === undefined) {
    return null;
  }
  let start = sortedTimes.findIndex((time) => time >= from);
  if (start === -1) {
    return null;
  }
  let end = start;
  for (let t = from; t <= last; t += 100) {
    while (start < sortedTimes.length && sortedTimes[start] < t) {
      start += 1;
    }
    end = Math.max(end, start);
    while (end < sortedTimes.length && sortedTimes[end] < t + 1000) {
      end += 1;
    }
    if (end - start >= needed) {
      return t;
    }
  }
  return null;
}

/** The figures and goals of a fault scenario's run. */
export function evaluate(run: Evaluation): {
  figures: Record<string, FigureValue>;
  goals: GoalResult[];
} {
  const { definition, timing, fault, drain, sends, accepted, records } = run;
  const seconds = (ms: number): number => ms / 1000;
  const counts = okCounts(sends);
  const lostIds = [...accepted].filter((id) => !counts.has(id));
  const doubled = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
  const ok = sends.filter((send) => send.outcome === 'ok');
  const okTimes = ok.map((send) => send.at).sort((a, b) => a - b);
  // API requests and health checks under way at any time from the fault's start to the end of
  // feeding after it: also those made just before it, which it holds up.
  const windowEnd = fault.endAt + timing.tail * 1000;
  const overlaps = (from: number, to: number): boolean => to >= fault.startAt && from <= windowEnd;
  const during = run.feed.requests.filter((request) =>
    overlaps(request.sentAt, request.answeredAt),
  );
  const latency = (request: FeedRequest): number => request.answeredAt - request.sentAt;
  const apiMaxMs = Math.max(0, ...during.map(latency));
  // The same before the fault: how fast the API answers on this machine without it.
  const before = run.feed.requests.filter((request) => request.answeredAt < fault.startAt);
  const apiUnanswered = during.filter((request) => typeof request.status !== 'number').length;
  const health = run.health.filter((sample) => overlaps(sample.sentAt, sample.answeredAt));
  const healthMaxMs = Math.max(0, ...health.map((sample) => sample.answeredAt - sample.sentAt));
  const healthUnanswered = health.filter((sample) => sample.status === 'timeout').length;

  // Each accepted mail's first acceptance by SES.
  const firstOk = new Map<string, number>();
  for (const send of ok) {
    firstOk.set(send.id, Math.min(send.at, firstOk.get(send.id) ?? Number.POSITIVE_INFINITY));
  }
  const lastFirst = Math.max(
    Number.NEGATIVE_INFINITY,
    ...[...accepted].map((id) => firstOk.get(id) ?? Number.NEGATIVE_INFINITY),
  );
  const resumed = okTimes.find((time) => time >= fault.endAt);
  const rateBack = firstWindowWith(okTimes, fault.endAt, RATE_BACK_RATIO * definition.sendRate);
  const refused = run.feed.requests.filter((request) => request.status !== 202);
  const notAccepted = [...counts.keys()].filter((id) => !accepted.has(id));

  const figures: Record<string, FigureValue> = {
    configuredRate: definition.sendRate,
    accepted: accepted.size,
    refusedCounts: refused.length === 0 ? 0 : countBy(refused, requestLabel),
    faultStartSeconds: seconds(fault.startAt - run.t0),
    faultLengthSeconds: seconds(fault.endAt - fault.startAt),
    ...fault.figures,
    sentOnce: [...accepted].filter((id) => counts.get(id) === 1).length,
    sentTwiceOrMore: doubled.length,
    lostNeverSent: lostIds.length,
    lostByRecordCounts:
      lostIds.length === 0
        ? 'none'
        : countBy(lostIds, (id) => records.get(id)?.status ?? 'no record'),
    sentNotAccepted: notAccepted.length,
    sesSends: sends.length,
    sesOk: ok.length,
    ses5xx: sends.filter((send) => send.outcome === 'failed').length,
    sesCallsPerMailCounts: countBy(
      [...countCalls(sends).values()].sort((a, b) => a - b),
      (calls) => `${calls} call${calls === 1 ? '' : 's'}`,
    ),
    sesOkDuringFault:
      fault.endAt > fault.startAt
        ? okTimes.filter((time) => time >= fault.startAt && time < fault.endAt).length
        : 'n/a (an instant)',
    apiBeforeFaultP50Ms: percentile(before.map(latency), 50),
    apiBeforeFaultMaxMs: before.length === 0 ? null : Math.max(...before.map(latency)),
    apiDuringFaultCounts: countBy(during, requestLabel),
    apiDuringFaultP50Ms: percentile(during.map(latency), 50),
    apiDuringFaultMaxMs: apiMaxMs,
    healthDuringFaultCounts: countBy(health, (sample) => `${sample.target} ${sample.status}`),
    healthDuringFaultMaxMs: healthMaxMs,
    sendingResumedSeconds: resumed === undefined ? 'never' : seconds(resumed - fault.endAt),
    rateBackSeconds:
      rateBack === null
        ? `no 1-s window with ${RATE_BACK_RATIO * 100} % of ${definition.sendRate} sends after it`
        : seconds(rateBack - fault.endAt),
    allSentSeconds:
      lostIds.length > 0
        ? `not all: ${lostIds.length} accepted never sent`
        : seconds(Math.max(0, lastFirst - fault.endAt)),
    drain:
      drain.outcome === 'empty'
        ? `queue empty ${seconds(drain.at - fault.endAt).toFixed(1)} s after the fault's end`
        : `cap of ${timing.drainCap} s after the fault's end reached; the queue still holds ` +
          `${drain.depth.visible} visible, ${drain.depth.inFlight} in hand, ` +
          `${drain.depth.delayed} delayed`,
    failedRecords: [...accepted].filter((id) => records.get(id)?.status === 'FAILED').length,
  };

  const goals: GoalResult[] = [
    {
      goal: 'nothing lost',
      target: '0',
      actual:
        lostIds.length === 0
          ? '0'
          : `${lostIds.length} (${JSON.stringify(figures.lostByRecordCounts)})`,
      pass: lostIds.length === 0,
    },
  ];
  if (fault.kill) {
    const { victim, queued } = fault.kill;
    // A send is in flight from the SES call until its status is written. At the kill that is the
    // victim's calls never answered (also one the stub timestamped after the kill: the request was
    // already in the socket), and those SES accepted whose record was still QUEUED after it died.
    const mine = sends.filter((send) => send.agent === victim);
    const unanswered = new Set(mine.filter((send) => !send.answered).map((send) => send.id));
    const unrecorded = new Set(
      mine.filter((send) => send.outcome === 'ok' && queued.has(send.id)).map((send) => send.id),
    );
    const inFlight = new Set([...unanswered, ...unrecorded]);
    const outside = doubled.filter((id) => !inFlight.has(id));
    figures.victimUnanswered = unanswered.size;
    figures.victimUnrecorded = unrecorded.size;
    figures.victimInFlight = inFlight.size;
    figures.duplicatesNotInFlight = outside.length;
    goals.push({
      goal: 'duplicates only from sends in flight at the kill',
      target: `≤ ${inFlight.size}, each one of them`,
      actual: `${doubled.length}, ${outside.length} not in flight at the kill`,
      pass: doubled.length <= inFlight.size && outside.length === 0,
    });
  } else {
    goals.push({
      goal: 'no duplicates',
      target: '0',
      actual: String(doubled.length),
      pass: doubled.length === 0,
    });
  }
  if (definition.fault.startsWith('redis') || definition.fault === 'records-flushed') {
    const unanswered = apiUnanswered + healthUnanswered;
    goals.push({
      goal: `API answers during the Redis fault within ${API_ANSWER_GOAL_MS / 1000} s`,
      target: `POST /v1/messages and /health ≤ ${API_ANSWER_GOAL_MS} ms, all answered`,
      actual:
        `POST max ${Math.round(apiMaxMs)} ms, /health max ${Math.round(healthMaxMs)} ms` +
        (unanswered > 0 ? `, ${unanswered} unanswered` : ''),
      pass: apiMaxMs <= API_ANSWER_GOAL_MS && healthMaxMs <= API_ANSWER_GOAL_MS && unanswered === 0,
    });
  }
  return { figures, goals };
}

/** What {@link diagnose} reads: the run's records and the app processes' log files. */
export interface Diagnosis {
  definition: FaultScenarioDefinition;
  t0: number;
  feed: FeedResult;
  fault: FaultRecord;
  sends: StubSendRecord[];
  records: ReadonlyMap<string, StoredMessage>;
  accepted: ReadonlySet<string>;
  logFiles: Array<{ name: string; file: string }>;
}

/** Most ids described in detail in each list of the diagnosis. */
const DETAILED_IDS = 25;
/** Most log lines quoted for one id. */
const LINES_PER_ID = 12;

/**
 * A text report of what went wrong: each lost and each doubled mail with its request, its SES
 * calls, its record and the app log lines that name it; and the app's warnings and errors,
 * grouped by their text with ids and numbers blanked out.
 */
export function diagnose(run: Diagnosis): string {
  const { t0, sends, records, accepted } = run;
  const at = (ms: number): string => `${((ms - t0) / 1000).toFixed(2)} s`;
  const logs = run.logFiles.map(({ name, file }) => {
    try {
      // Nest colours its log lines even into a file.
      // eslint-disable-next-line no-control-regex
      const text = readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
      return { name, lines: text.split('\n') };
    } catch {
      return { name, lines: [] };
    }
  });
  const requestOf = new Map<string, FeedRequest>();
  for (const request of run.feed.requests) {
    for (const id of request.ids) {
      if (id !== undefined) {
        requestOf.set(id, request);
      }
    }
  }
  const sendsOf = new Map<string, StubSendRecord[]>();
  for (const send of sends) {
    const list = sendsOf.get(send.id) ?? [];
    list.push(send);
    sendsOf.set(send.id, list);
  }
  const counts = okCounts(sends);
  const describe = (id: string): string[] => {
    const request = requestOf.get(id);
    const record = records.get(id);
    const out = [
      sendsOf.has(id) ? `${id} (subject ${sendsOf.get(id)?.[0]?.subject})` : id,
      request
        ? `  request #${request.first}: sent ${at(request.sentAt)}, answered ` +
          `${requestLabel(request)} after ` +
          `${Math.round(request.answeredAt - request.sentAt)} ms`
        : '  request: no 202 answer named it (see the subject for its request number)',
      record?.status === undefined
        ? '  record: none'
        : `  record: ${record.status}, attempts ${record.attempts ?? '-'}` +
          (record.error ? `, error ${record.error}` : ''),
      ...(sendsOf.get(id) ?? []).map(
        (send) =>
          `  SES call ${at(send.at)} from ${send.agent}: ${send.outcome}` +
          (send.error ? ` ${send.error}` : '') +
          (send.answered ? '' : ' (caller gone before the answer)'),
      ),
    ];
    for (const { name, lines } of logs) {
      const hits = lines.filter((line) => line.includes(id)).slice(0, LINES_PER_ID);
      out.push(...hits.map((line) => `  ${name}.log: ${line.replace(/^\[Nest\] \d+\s+- /, '')}`));
    }
    return out;
  };
  const lost = [...accepted].filter((id) => !counts.has(id));
  const doubled = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
  const notAccepted = [...counts.keys()].filter((id) => !accepted.has(id));
  const section = (title: string, ids: string[]): string[] => [
    '',
    `## ${title}: ${ids.length}${ids.length > DETAILED_IDS ? ` (the first ${DETAILED_IDS})` : ''}`,
    ...ids.slice(0, DETAILED_IDS).flatMap((id) => ['', ...describe(id)]),
  ];
  // Warnings and errors by their text, ids (ases's, SES's) and numbers blanked out.
  const grouped = new Map<string, number>();
  for (const { name, lines } of logs) {
    for (const line of lines) {
      const level = /\s(WARN|ERROR)\s+(?:\[[^\]]*\]\s+)?(.*)$/.exec(line);
      if (level) {
        const text = `${name} ${level[1]} ${level[2]
          .replace(/\b0[0-9a-z]{19}\b/g, '<id>')
          .replace(/\b[0-9a-f]+(?:-[0-9a-f]+){3,}\b/gi, '<SES id>')
          .replace(/\d+/g, 'N')}`;
        grouped.set(text, (grouped.get(text) ?? 0) + 1);
      }
    }
  }
  const fault = run.fault;
  return [
    `# ${run.definition.name}: lost and doubled mails`,
    '',
    `Times are from the start of feeding. The fault: ${at(fault.startAt)} to ${at(fault.endAt)}.`,
    ...section('Lost (accepted, never accepted by SES)', lost),
    ...section('Sent twice or more', doubled),
    ...section('Sent, but the API did not answer 202 for them', notAccepted),
    '',
    '## Warnings and errors of the app processes, by text',
    '',
    ...[...grouped]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 60)
      .map(([text, count]) => `${String(count).padStart(6)}  ${text}`),
    '',
  ].join('\n');
}
