import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { mailboxProblem } from '../core/email-address';
import { CONTROL_CHARACTER, hasLoneSurrogate } from '../core/unsafe-text';
import type { MessageRecord } from './message-record';
import { IndexSearch, minuteOf, SearchPosition } from './message-index';
import { MessageStatus } from './message-status';
import { bareAddress, StatusDetail } from './record-codec';
import { STALE_REASONS, StaleReason } from './stale-rules';

/** Most messages on one page of a listing or search. */
export const MAX_PAGE = 500;
/** Messages on a page when `limit` is not given. */
export const DEFAULT_PAGE = 100;
/** `status=STALE`: messages QUEUED far too long, or PUSHED with no outcome (not a stored status). */
export const STALE = 'STALE';
/** Most `to` and most `tag` parameters of one search. */
export const MAX_SEARCH_TERMS = 10;
/**
 * How far ahead of this instance's clock a search starts when `until` is not given: messages
 * queued by instances whose clocks run ahead are listed too.
 */
export const CLOCK_SKEW_MS = 60_000;

/** The statuses a search can ask for: every stored one. */
export const SEARCHABLE_STATUSES: readonly MessageStatus[] = Object.values(MessageStatus).filter(
  (status) => status !== MessageStatus.UNKNOWN,
);

/** One page of a search, newest queued first. */
export interface SearchPage {
  /** The matching messages, each as `GET /v1/messages/:id` shows it but without `events`. */
  messages: MessageRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** `GET /v1/messages`'s parameters, as a host passes them to `AsesService.listMessages`. */
export interface MessageQuery {
  status?: string;
  to?: string | string[];
  tag?: string | string[];
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
  reason?: string;
}

/**
 * What `GET /v1/messages` asks for: the FAILED listing (`status=FAILED` alone), the stale listing
 * (`status=STALE`), or a search (anything else, `status=FAILED` with other filters included).
 */
export type MessageListing =
  | { kind: 'failed'; limit: number; cursor?: string }
  | { kind: 'stale'; limit: number; cursor?: string; reason?: StaleReason }
  | { kind: 'search'; limit: number; cursor?: string; search: IndexSearch };

const SEARCH_PARAMETERS = ['to', 'tag', 'since', 'until'] as const;
const PARAMETERS: readonly string[] = ['status', ...SEARCH_PARAMETERS, 'limit', 'cursor', 'reason'];
// A tag name as the send API takes it, less ':' (the first ':' of `tag=` ends the name).
const TAG_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_TAG_VALUE = 256;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function invalid(message: string): AsesException {
  return new AsesException(AsesErrorCode.INVALID_REQUEST, message);
}

/** A parameter's value quoted for an error message, shortened. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 79)}…` : value);
}

/** The values of a parameter that may be repeated (`?tag=a:1&tag=b:2`). */
function many(query: Record<string, unknown>, name: string): string[] {
  const value = query[name];
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (values.some((item) => typeof item !== 'string')) {
    throw invalid(`${name} must be a plain query parameter (${name}=…), not an object`);
  }
  if (values.length > MAX_SEARCH_TERMS) {
    throw invalid(`${name} may be given at most ${MAX_SEARCH_TERMS} times, not ${values.length}`);
  }
  return values as string[];
}

/** The value of a query parameter given at most once. */
export function onceParameter(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') {
    return value;
  }
  throw invalid(`${name} must be given once, as a plain query parameter`);
}

function pageSize(limit: unknown): number {
  const size = limit === undefined ? DEFAULT_PAGE : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE || typeof limit === 'object') {
    throw invalid(`limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  return size;
}

function pageCursor(cursor: unknown): string | undefined {
  if (cursor !== undefined && (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor))) {
    throw invalid('cursor must be the nextCursor of a previous page');
  }
  return cursor;
}

/** A time query parameter: RFC 3339 with its zone, as ms. */
export function timeParameter(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const match = RFC3339.exec(value);
  const ms = match === null ? Number.NaN : Date.parse(value);
  // Date.parse rolls some impossible dates over (Feb 30th): the fields must read back the same.
  const exact =
    match !== null &&
    Number.isFinite(ms) &&
    Number(match[2]) >= 1 &&
    Number(match[2]) <= 12 &&
    Number(match[3]) <= new Date(Date.UTC(Number(match[1]), Number(match[2]), 0)).getUTCDate() &&
    Number(match[4]) < 24 &&
    Number(match[5]) < 60 &&
    Number(match[6]) < 60;
  if (!exact) {
    const hint = / \d{2}:\d{2}$/.test(value) ? ' (send a + in the zone as %2B)' : '';
    throw invalid(
      `${name} must be an RFC 3339 time with its zone, such as 2026-12-01T08:00:00Z or ` +
        `2026-12-01T09:00:00.000+01:00, not ${quoted(value)}${hint}`,
    );
  }
  return ms;
}

function addresses(values: string[], detail: StatusDetail): string[] {
  if (values.length > 0 && detail === 'lean') {
    throw invalid(
      'to cannot be searched with statusDetail "lean" (STATUS_DETAIL=lean): lean records keep ' +
        'no addresses',
    );
  }
  return values.map((value) => {
    const problem = mailboxProblem(value);
    if (problem !== null) {
      throw invalid(`to ${problem}: ${quoted(value)}`);
    }
    return bareAddress(value.trim()).trim().toLowerCase();
  });
}

function tags(values: string[], detail: StatusDetail): Array<[string, string]> {
  if (values.length > 0 && detail === 'lean') {
    throw invalid(
      'tag cannot be searched with statusDetail "lean" (STATUS_DETAIL=lean): lean records keep ' +
        'no tags',
    );
  }
  return values.map((value) => {
    const colon = value.indexOf(':');
    const name = colon < 0 ? '' : value.slice(0, colon);
    const tag = value.slice(colon + 1);
    if (!TAG_NAME.test(name)) {
      throw invalid(
        `tag must be name:value, the name 1-64 letters, digits, "_", "." or "-" (it ends at the ` +
          `first ":"), such as tag=campaign:welcome; not ${quoted(value)}`,
      );
    }
    if (tag.length > MAX_TAG_VALUE || CONTROL_CHARACTER.test(tag) || hasLoneSurrogate(tag)) {
      throw invalid(
        `tag ${quoted(name)}: the value must be at most ${MAX_TAG_VALUE} characters of valid ` +
          'Unicode without control characters',
      );
    }
    return [name, tag];
  });
}

/**
 * What a `GET /v1/messages` query asks for, checked; a bad parameter is a 400 INVALID_REQUEST
 * naming it. `detail` is the store's `statusDetail`: lean records cannot be searched by address
 * or tag.
 */
export function parseMessageListing(
  query: Record<string, unknown>,
  detail: StatusDetail,
): MessageListing {
  for (const name of Object.keys(query)) {
    if (!PARAMETERS.includes(name)) {
      throw invalid(
        `unknown parameter ${quoted(name)}: the parameters are status, to, tag, since, until, ` +
          'limit, cursor, and reason with status=STALE',
      );
    }
  }
  const status = onceParameter(query, 'status');
  if (
    status !== undefined &&
    status !== STALE &&
    !SEARCHABLE_STATUSES.includes(status as MessageStatus)
  ) {
    throw invalid(`status must be one of ${SEARCHABLE_STATUSES.join(', ')}, or ${STALE}`);
  }
  const filters = SEARCH_PARAMETERS.filter((name) => query[name] !== undefined);
  if (status === STALE && filters.length > 0) {
    throw invalid(
      `${filters[0]} does not go with status=STALE: stale messages are listed as they are found`,
    );
  }
  const limit = pageSize(query.limit);
  const cursor = pageCursor(query.cursor);
  const reason = query.reason;
  if (status === STALE) {
    if (reason !== undefined && !STALE_REASONS.includes(reason as StaleReason)) {
      throw invalid(`reason must be one of ${STALE_REASONS.join(', ')}`);
    }
    return { kind: 'stale', limit, cursor, reason: reason as StaleReason | undefined };
  }
  if (reason !== undefined) {
    throw invalid('reason goes with status=STALE only');
  }
  if (status === MessageStatus.FAILED && filters.length === 0) {
    return { kind: 'failed', limit, cursor };
  }
  const search: IndexSearch = {
    to: addresses(many(query, 'to'), detail),
    tags: tags(many(query, 'tag'), detail),
  };
  if (status !== undefined) {
    search.status = status as MessageStatus;
  }
  const since = timeParameter('since', onceParameter(query, 'since'));
  const until = timeParameter('until', onceParameter(query, 'until'));
  if (since !== undefined && until !== undefined && since >= until) {
    throw invalid('since must be before until');
  }
  if (since !== undefined) {
    search.since = since;
  }
  if (until !== undefined) {
    search.until = until;
  }
  return { kind: 'search', limit, cursor, search };
}

/** Where the first page of a search starts: the minute of `until` (just before it), or of now. */
export function firstPosition(search: IndexSearch, now: number): SearchPosition {
  const newest = now + CLOCK_SKEW_MS;
  return {
    minute: minuteOf(search.until === undefined ? newest : Math.min(search.until - 1, newest)),
  };
}
