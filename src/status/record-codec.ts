import { createHash } from 'node:crypto';
import { HIT_CLASSES } from '../tracking/hit-classifier';
import type {
  BounceInfo,
  ClickCounter,
  ComplaintInfo,
  DelayInfo,
  HitClass,
  HitDetails,
  LinkClicks,
  MessageRecord,
  RecipientKind,
  RecipientState,
  SendErrorInfo,
  StatusChange,
  TimelineEvent,
  TrackingCounter,
  TrackingSource,
  TrackSettings,
} from './message-record';
import { MessageStatus } from './message-status';

/**
 * The packed form of a message record, as the Lua scripts in `lua/` read and write it: one
 * string of fields `<letter><value>` joined by US (\x1f); parts of a field are joined by GS
 * (\x1d), items of a list by FS (\x1c). Times are ms after the record's base (its queue time for
 * ids ases made, 0 otherwise), in base 36. docs/decisions.md has the table of letters.
 */
export const US = '\x1f';
export const GS = '\x1d';
export const FS = '\x1c';

/** How much a record keeps: everything the API shows, or status, SES id, times and counters. */
export type StatusDetail = 'full' | 'lean';

/**
 * Status codes in rank order, so that the scripts compare ranks as numbers (`tonumber`). CANCELED
 * came later and ranks between QUEUED and PUSHED: '1.5' compares right as a number and leaves the
 * codes of stored records as they were. (The scripts also treat it as final: `lua/includes`.)
 */
const STATUS_CODES: Record<MessageStatus, string> = {
  [MessageStatus.UNKNOWN]: '0',
  [MessageStatus.QUEUED]: '1',
  [MessageStatus.CANCELED]: '1.5',
  [MessageStatus.PUSHED]: '2',
  [MessageStatus.DELAYED]: '3',
  [MessageStatus.FAILED]: '4',
  [MessageStatus.SUPPRESSED]: '5',
  [MessageStatus.DELIVERED]: '6',
  [MessageStatus.BOUNCED]: '7',
  [MessageStatus.COMPLAINED]: '8',
};
const STATUS_BY_CODE = new Map(
  Object.entries(STATUS_CODES).map(([status, code]) => [code, status as MessageStatus]),
);

/** The stored code of a status. */
export function statusCode(status: MessageStatus): string {
  return STATUS_CODES[status];
}

/** The status a stored code stands for (UNKNOWN for anything else). */
export function statusOfCode(code: string | undefined): MessageStatus {
  return (code !== undefined && STATUS_BY_CODE.get(code)) || MessageStatus.UNKNOWN;
}

/** Base-36 digits of an integer, with a sign when negative. */
export function b36(value: number): string {
  const n = Math.round(value);
  return n < 0 ? `-${(-n).toString(36)}` : n.toString(36);
}

/** The integer of base-36 digits (0 for none). */
export function fromB36(value: string | undefined): number {
  if (value === undefined || value === '') {
    return 0;
  }
  return value.startsWith('-') ? -parseInt(value.slice(1), 36) : parseInt(value, 36);
}

/** Separator and other control characters become spaces: they would break the packing. */
export function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x1f]/g, ' ');
}

/** An 8-character digest (48 bits) of a dedupe key or an SES id, URL-safe base 64. */
export function digest8(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 8);
}

// SES message ids are 4 hex digits (0100 today), 12 of the send time in ms, a UUID and
// "-000000": 60 characters. Stored as the send time in ms after the record's base (base 36), '~'
// and the UUID's 16 bytes in base 64 (22 characters), plus '~' and the other parts when they are
// not the usual ones. Anything else is kept as it is, behind '!'.
const SES_ID =
  /^([0-9a-f]{4})([0-9a-f]{12})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9]{6})$/;
const USUAL_SES_ID_PARTS = '0100000000';

/** The stored form of an SES message id, in a record kept at `base`. */
export function packSesId(sesMessageId: string, base: number): string {
  const match = SES_ID.exec(sesMessageId);
  if (!match) {
    return `!${clean(sesMessageId)}`;
  }
  const [, head, time, uuid, tail] = match;
  const packed = `${b36(parseInt(time, 16) - base)}~${Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url')}`;
  const parts = head + tail;
  return parts === USUAL_SES_ID_PARTS ? packed : `${packed}~${parts}`;
}

/** The SES message id of its stored form, in a record kept at `base`. */
export function unpackSesId(stored: string, base: number): string {
  if (stored.startsWith('!')) {
    return stored.slice(1);
  }
  const [time, uuid, parts = USUAL_SES_ID_PARTS] = stored.split('~');
  const hex = Buffer.from(uuid, 'base64url').toString('hex');
  const ms = (base + fromB36(time)).toString(16).padStart(12, '0');
  const dashed = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ];
  return `${parts.slice(0, 4)}${ms}-${dashed.join('-')}-${parts.slice(4)}`;
}

/** The send time an SES message id carries (ms; digits 5-16), if it has the usual shape. */
export function sesIdTime(sesMessageId: string): number | undefined {
  const match = SES_ID.exec(sesMessageId);
  return match ? parseInt(match[2], 16) : undefined;
}

/**
 * The letters of the recipient lists: mailboxes FS-separated. A message with one recipient keeps
 * just the mailbox, as records always did; with several, each item is
 * `<mailbox>GS<status code>[GS<time>[GS<detail parts>...]]` (the recipient's own status, the time
 * it reached it, ms after the base, and the parts of that status's details, or '=' when they are
 * the record's own: the change that moved the recipient moved the message too).
 */
export const RECIPIENT_LETTERS: Readonly<Record<RecipientKind, string>> = {
  to: 't',
  cc: 'r',
  bcc: 'h',
};
const RECIPIENT_KINDS: readonly RecipientKind[] = ['to', 'cc', 'bcc'];

/** The category a message has unless it names another: not stored. */
export const DEFAULT_CATEGORY = 'transactional';

/** Longest part of a recipient's detail (diagnostic, error message): 50 recipients add up. */
export const MAX_RECIPIENT_DETAIL_LENGTH = 100;

/** A message as it is first recorded. */
export interface NewRecord {
  from: string;
  /** One mailbox, or the `to` list. */
  to: string | string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  tags?: Record<string, string>;
  track?: TrackSettings;
  /** Absent or `transactional`: not stored. */
  category?: string;
  /** Unix ms. */
  queuedAt: number;
  /** Not sent before (Unix ms). */
  scheduledFor?: number;
  /** Kept only for ids the caller gave (only those can be replayed). */
  fingerprint?: string;
}

/** The packed record of a new QUEUED message, with its `queued` timeline entry. */
export function encodeNewRecord(message: NewRecord, base: number, detail: StatusDetail): string {
  const fields: string[] = [`s${STATUS_CODES[MessageStatus.QUEUED]}`];
  if (base === 0) {
    fields.push(`q${b36(message.queuedAt)}`);
  }
  if (message.fingerprint !== undefined) {
    fields.push(`i${clean(message.fingerprint)}`);
  }
  if (message.scheduledFor !== undefined) {
    fields.push(`S${b36(message.scheduledFor - base)}`);
  }
  if (detail === 'full') {
    const lists: Record<RecipientKind, string[]> = {
      to: typeof message.to === 'string' ? [message.to] : message.to,
      cc: message.cc ?? [],
      bcc: message.bcc ?? [],
    };
    const several = lists.to.length + lists.cc.length + lists.bcc.length > 1;
    const list = (kind: RecipientKind): string =>
      lists[kind]
        .map((mailbox) =>
          several ? `${clean(mailbox)}${GS}${STATUS_CODES.QUEUED}` : clean(mailbox),
        )
        .join(FS);
    fields.push(`f${clean(message.from)}`, `t${list('to')}`, `j${clean(message.subject)}`);
    for (const kind of ['cc', 'bcc'] as const) {
      if (lists[kind].length > 0) {
        fields.push(`${RECIPIENT_LETTERS[kind]}${list(kind)}`);
      }
    }
    const tags = Object.entries(message.tags ?? {});
    if (tags.length > 0) {
      fields.push(`g${tags.map(([k, v]) => `${clean(k)}${GS}${clean(v)}`).join(GS)}`);
    }
    if (message.track) {
      fields.push(`k${(message.track.opens ? 1 : 0) + (message.track.clicks ? 2 : 0)}`);
    }
  }
  // Lean records keep it too: the reputation figures and the guard go by category.
  if (message.category !== undefined && message.category !== DEFAULT_CATEGORY) {
    fields.push(`G${clean(message.category)}`);
  }
  return fields.join(US);
}

/** The bare address of a mailbox (`Name <addr>` or `addr`), as the scripts take it too. */
export function bareAddress(mailbox: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(mailbox);
  return angle ? angle[1] : mailbox;
}

/** One item of a recipient list: its mailbox and, with several recipients, its own state. */
interface PackedRecipient {
  kind: RecipientKind;
  mailbox: string;
  /** [status code, time, ...detail parts]; empty for the only recipient. */
  state: string[];
}

function packedRecipients(f: Map<string, string>): PackedRecipient[] {
  const items: PackedRecipient[] = [];
  for (const kind of RECIPIENT_KINDS) {
    const list = f.get(RECIPIENT_LETTERS[kind]);
    if (list === undefined || list === '') {
      continue;
    }
    for (const item of list.split(FS)) {
      const [mailbox, ...state] = item.split(GS);
      items.push({ kind, mailbox, state });
    }
  }
  return items;
}

/** The bare addresses of every recipient a packed record keeps (none in lean records). */
export function recipientAddresses(raw: string): string[] {
  return packedRecipients(fieldsOf(raw)).map((item) => bareAddress(item.mailbox));
}

/** The record's field letter of each detail: bounce, complaint, delay, error. */
type DetailLetter = 'B' | 'C' | 'Y' | 'E';

/** The detail a status carries, by its field letter. */
const DETAIL_LETTERS: Readonly<Record<MessageStatus, DetailLetter | undefined>> = {
  [MessageStatus.UNKNOWN]: undefined,
  [MessageStatus.QUEUED]: undefined,
  [MessageStatus.CANCELED]: undefined,
  [MessageStatus.PUSHED]: undefined,
  [MessageStatus.DELAYED]: 'Y',
  [MessageStatus.FAILED]: 'E',
  [MessageStatus.SUPPRESSED]: 'E',
  [MessageStatus.DELIVERED]: undefined,
  [MessageStatus.BOUNCED]: 'B',
  [MessageStatus.COMPLAINED]: 'C',
};

/** The details a change carries, each as its letter and the parts it is packed as, in order. */
function detailFields(
  change: StatusChange,
): Array<{ letter: DetailLetter; parts: Array<string | undefined> }> {
  const fields: Array<{ letter: DetailLetter; parts: Array<string | undefined> }> = [];
  if (change.bounce) {
    const { type, subType, status, diagnosticCode } = change.bounce;
    fields.push({ letter: 'B', parts: [type, subType, status, diagnosticCode] });
  }
  if (change.complaint) {
    fields.push({ letter: 'C', parts: [change.complaint.feedbackType, change.complaint.subType] });
  }
  if (change.delay) {
    const { type, expiresAt, status, diagnosticCode } = change.delay;
    fields.push({ letter: 'Y', parts: [type, expiresAt, status, diagnosticCode] });
  }
  if (change.error) {
    fields.push({ letter: 'E', parts: [change.error.code, change.error.message] });
  }
  return fields;
}

/**
 * The detail parts a recipient keeps with `status` (GS-joined; '' for none): those of the
 * change's bounce, complaint, delay or error, each part shortened.
 */
export function encodeRecipientDetail(status: MessageStatus, change: StatusChange): string {
  const short = (part: string | undefined): string => {
    const value = clean(part ?? '');
    return value.length > MAX_RECIPIENT_DETAIL_LENGTH
      ? `${value.slice(0, MAX_RECIPIENT_DETAIL_LENGTH - 1)}…`
      : value;
  };
  const letter = DETAIL_LETTERS[status];
  const parts = detailFields(change).find((field) => field.letter === letter)?.parts ?? [];
  const packed = parts.map(short);
  while (packed.length > 0 && packed[packed.length - 1] === '') {
    packed.pop();
  }
  return packed.join(GS);
}

/** The details of a status, from the parts a recipient (or the record's `B C Y E` fields) keep. */
type StatusDetails = Pick<RecipientState, 'bounce' | 'complaint' | 'delay' | 'error'>;

function detailsOf(status: MessageStatus, parts: string[]): StatusDetails {
  const details: StatusDetails = {};
  switch (status) {
    case MessageStatus.BOUNCED: {
      const bounce: BounceInfo = { type: parts[0], subType: parts[1] ?? '' };
      optional(bounce, 'status', parts[2]);
      optional(bounce, 'diagnosticCode', parts[3]);
      details.bounce = bounce;
      break;
    }
    case MessageStatus.COMPLAINED: {
      const complaint: ComplaintInfo = {};
      optional(complaint, 'feedbackType', parts[0]);
      optional(complaint, 'subType', parts[1]);
      details.complaint = complaint;
      break;
    }
    case MessageStatus.DELAYED: {
      const delay: DelayInfo = { type: parts[0] };
      optional(delay, 'expiresAt', parts[1]);
      optional(delay, 'status', parts[2]);
      optional(delay, 'diagnosticCode', parts[3]);
      details.delay = delay;
      break;
    }
    case MessageStatus.FAILED:
    case MessageStatus.SUPPRESSED: {
      const error: SendErrorInfo = { code: parts[0], message: parts[1] ?? '' };
      details.error = error;
      break;
    }
    case MessageStatus.UNKNOWN:
    case MessageStatus.QUEUED:
    case MessageStatus.CANCELED:
    case MessageStatus.PUSHED:
    case MessageStatus.DELIVERED:
      break;
  }
  return details;
}

/** A recipient's detail that stands for the record's own (`B C Y E`): the same change made both. */
const SAME_DETAILS = '=';

/** The record's own details of `status` (`B C Y E`), as a recipient shows them. */
function recordDetails(record: MessageRecord, status: MessageStatus): StatusDetails {
  const details: StatusDetails = {};
  switch (status) {
    case MessageStatus.BOUNCED:
      optional(details, 'bounce', record.bounce);
      break;
    case MessageStatus.COMPLAINED:
      optional(details, 'complaint', record.complaint);
      break;
    case MessageStatus.DELAYED:
      optional(details, 'delay', record.delay);
      break;
    case MessageStatus.FAILED:
    case MessageStatus.SUPPRESSED:
      optional(details, 'error', record.error);
      break;
    case MessageStatus.UNKNOWN:
    case MessageStatus.QUEUED:
    case MessageStatus.CANCELED:
    case MessageStatus.PUSHED:
    case MessageStatus.DELIVERED:
      break;
  }
  return details;
}

/** When the record reached `status`, from its own times. */
function recordTimeOf(record: MessageRecord, status: MessageStatus): string | undefined {
  switch (status) {
    case MessageStatus.QUEUED:
      return record.queuedAt;
    case MessageStatus.CANCELED:
      return record.canceledAt;
    case MessageStatus.PUSHED:
      return record.pushedAt;
    case MessageStatus.DELAYED:
      return record.delayedAt;
    case MessageStatus.FAILED:
      return record.failedAt;
    case MessageStatus.SUPPRESSED:
      return record.suppressedAt;
    case MessageStatus.DELIVERED:
      return record.deliveredAt;
    case MessageStatus.BOUNCED:
      return record.bouncedAt;
    case MessageStatus.COMPLAINED:
      return record.complainedAt;
    case MessageStatus.UNKNOWN:
      return undefined;
  }
}

/**
 * Each recipient's state. One kept with a state of its own reads it (details '=' are the
 * record's); the only recipient of a message is the message.
 */
function decodeRecipients(
  items: PackedRecipient[],
  record: MessageRecord,
  base: number,
): RecipientState[] {
  return items.map(({ kind, mailbox, state }) => {
    const recipient: RecipientState = {
      address: bareAddress(mailbox),
      kind,
      status: record.status,
    };
    if (state.length === 0) {
      optional(recipient, 'at', recordTimeOf(record, record.status));
      return Object.assign(recipient, recordDetails(record, record.status));
    }
    const [code, time, ...detail] = state;
    recipient.status = statusOfCode(code);
    if (time !== undefined && time !== '') {
      recipient.at = new Date(base + fromB36(time)).toISOString();
    } else if (recipient.status === MessageStatus.QUEUED) {
      recipient.at = record.queuedAt;
    }
    if (detail.length === 0) {
      return recipient;
    }
    return Object.assign(
      recipient,
      detail[0] === SAME_DETAILS
        ? recordDetails(record, recipient.status)
        : detailsOf(recipient.status, detail),
    );
  });
}

/** The tags of a packed `g` field. */
export function decodeTags(packed: string): Record<string, string> {
  if (packed === '') {
    return {};
  }
  const parts = packed.split(GS);
  const entries: Array<[string, string]> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    entries.push([parts[i], parts[i + 1]]);
  }
  // Own properties whatever the names: an assignment of `__proto__` would set the prototype.
  return Object.fromEntries(entries);
}

const TYPE_CODES: Readonly<Record<string, string>> = {
  queued: 'q',
  pushed: 'p',
  retry: 'r',
  retried: 'Q',
  restored: 'T',
  failed: 'f',
  suppressed: 'x',
  send: 'S',
  reject: 'R',
  'rendering-failure': 'F',
  delivery: 'd',
  'delivery-delay': 'y',
  bounce: 'b',
  'auto-reply': 'A',
  complaint: 'c',
  open: 'o',
  click: 'k',
  subscription: 'u',
  canceled: 'n',
  unsubscribed: 'U',
  scheduled: 'w',
};
const TYPE_BY_CODE = new Map(Object.entries(TYPE_CODES).map(([type, code]) => [code, type]));
const SOURCE_CODES: Readonly<Record<TrackingSource, string>> = { ases: 'a', ses: 's' };
const CLASS_CODES: Readonly<Record<HitClass, string>> = {
  human: 'h',
  proxy: 'p',
  scanner: 's',
  unknown: 'u',
};

// The classifier's rules (docs/tracking.md), stored as one character each; any other rule is
// kept as it is.
const RULE_CODES: Readonly<Record<string, string>> = {
  'head-request': '1',
  'non-get-request': '2',
  'scanner-agent': '3',
  'apple-mpp': '4',
  'google-image-proxy': '5',
  'yahoo-proxy': '6',
  'early-click': '7',
  'mail-client': '8',
  browser: '9',
  'no-user-agent': 'a',
  'unrecognised-agent': 'b',
};
const RULE_BY_CODE = new Map(Object.entries(RULE_CODES).map(([rule, code]) => [code, rule]));

/** How many timeline entries a message keeps (the latest ones). */
export const TIMELINE_LENGTH = 50;

/** Longest `detail` a timeline entry keeps: a line to read, not the SMTP conversation. */
export const MAX_DETAIL_LENGTH = 200;

/** A timeline entry split as the scripts take it: head, recipient, tail. */
export interface PackedEntry {
  /** Type, source and time; '' for no entry (lean records keep no timeline). */
  head: string;
  recipient: string;
  /** GS-led parts after the recipient: detail, hit class, rule, link, IP, user agent. */
  tail: string;
}

/** The packed form of a timeline entry. Pushed entries leave out the SES id (the record has it). */
export function encodeEntry(event: TimelineEvent, base: number): PackedEntry {
  const code = TYPE_CODES[event.type];
  const source = event.source === undefined ? '-' : SOURCE_CODES[event.source];
  const head = `${code ?? 'z'}${source}${b36(Date.parse(event.at) - base)}`;
  let detail = event.detail ?? '';
  if (detail.length > MAX_DETAIL_LENGTH) {
    detail = `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…`;
  }
  if (event.type === 'pushed') {
    detail = '';
  }
  const parts = [
    detail,
    event.hit ? CLASS_CODES[event.hit.class] : '',
    event.hit ? (RULE_CODES[event.hit.rule] ?? event.hit.rule) : '',
    event.hit?.link === undefined ? '' : b36(event.hit.link),
    event.hit?.ip ?? '',
    event.hit?.userAgent ?? '',
    // A type without a code of its own is kept by name, last.
    code === undefined ? event.type : '',
  ].map(clean);
  while (parts.length > 0 && parts[parts.length - 1] === '') {
    parts.pop();
  }
  return {
    head,
    recipient: clean(event.recipient ?? ''),
    tail: parts.map((part) => GS + part).join(''),
  };
}

function decodeEntry(
  packed: string,
  base: number,
  own: string,
  sesMessageId: string | undefined,
): TimelineEvent {
  const [head, recipient, detail, hitClass, rule, link, ip, userAgent, type] = packed.split(GS);
  const code = head.charAt(0);
  const source = head.charAt(1);
  const event: TimelineEvent = {
    type: TYPE_BY_CODE.get(code) ?? type ?? 'unknown',
    at: new Date(base + fromB36(head.slice(2))).toISOString(),
  };
  if (recipient === '=') {
    event.recipient = own;
  } else if (recipient !== undefined && recipient !== '') {
    event.recipient = recipient;
  }
  if (code === 'p' && sesMessageId !== undefined) {
    event.detail = sesMessageId;
  } else if (detail !== undefined && detail !== '') {
    event.detail = detail;
  }
  if (source === 'a' || source === 's') {
    event.source = source === 'a' ? 'ases' : 'ses';
  }
  if (hitClass !== undefined && hitClass !== '') {
    const hit: HitDetails = {
      class: HIT_CLASSES.find((name) => CLASS_CODES[name] === hitClass) ?? 'unknown',
      rule: RULE_BY_CODE.get(rule ?? '') ?? rule ?? '',
    };
    if (link !== undefined && link !== '') {
      hit.link = fromB36(link);
    }
    if (ip !== undefined && ip !== '') {
      hit.ip = ip;
    }
    if (userAgent !== undefined && userAgent !== '') {
      hit.userAgent = userAgent;
    }
    event.hit = hit;
  }
  return event;
}

/** Letters of the times a status change sets. */
const TIME_FIELDS = {
  pushedAt: 'p',
  delayedAt: 'y',
  deliveredAt: 'd',
  bouncedAt: 'b',
  complainedAt: 'c',
  failedAt: 'x',
  suppressedAt: 'u',
  canceledAt: 'n',
} as const;

/** The field/value pairs a status change writes (details only in full records). */
export function encodeChange(change: StatusChange, base: number, detail: StatusDetail): string[] {
  const pairs: string[] = [];
  for (const [name, letter] of Object.entries(TIME_FIELDS)) {
    const value = change[name as keyof typeof TIME_FIELDS];
    if (value !== undefined) {
      pairs.push(letter, b36(Date.parse(value) - base));
    }
  }
  if (detail === 'lean') {
    return pairs;
  }
  for (const { letter, parts } of detailFields(change)) {
    pairs.push(letter, parts.map((part) => clean(part ?? '')).join(GS));
  }
  return pairs;
}

/** Where an open or click is counted in the scripts' counter lists (1-based). */
export const SOURCE_SLOTS: Readonly<Record<TrackingSource, number>> = { ases: 1, ses: 2 };
export const CLASS_SLOTS: Readonly<Record<HitClass, number>> = {
  human: 3,
  proxy: 4,
  scanner: 5,
  unknown: 6,
};

/** The fields of a packed record. */
export function fieldsOf(raw: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of raw.split(US)) {
    if (part !== '') {
      fields.set(part.charAt(0), part.slice(1));
    }
  }
  return fields;
}

function optional<T extends object>(target: T, name: keyof T, value: unknown): void {
  if (value !== undefined && value !== '') {
    (target as Record<keyof T, unknown>)[name] = value;
  }
}

function decodeCounter(packed: string | undefined, base: number): TrackingCounter | undefined {
  if (packed === undefined) {
    return undefined;
  }
  const c = packed.split(',');
  // [6] the first hit (ms after base); [7] the last and [8] the first human one, ms after it.
  const first = base + fromB36(c[6]);
  const after = (value: string | undefined): string | undefined =>
    value === undefined || value === ''
      ? undefined
      : new Date(first + fromB36(value)).toISOString();
  const bySource: TrackingCounter['bySource'] = {};
  for (const source of ['ases', 'ses'] as const) {
    const count = fromB36(c[SOURCE_SLOTS[source] - 1]);
    if (count > 0) {
      bySource[source] = count;
    }
  }
  const byClass: TrackingCounter['byClass'] = {};
  for (const name of HIT_CLASSES) {
    const count = fromB36(c[CLASS_SLOTS[name] - 1]);
    if (count > 0) {
      byClass[name] = count;
    }
  }
  const counter: TrackingCounter = {
    count: (bySource.ases ?? 0) + (bySource.ses ?? 0),
    humanCount: byClass.human ?? 0,
    firstAt: new Date(first).toISOString(),
    lastAt: new Date(first + fromB36(c[7])).toISOString(),
    bySource,
    byClass,
  };
  optional(counter, 'firstHumanAt', after(c[8]));
  return counter;
}

function decodeLinks(packed: string | undefined, base: number): LinkClicks[] {
  if (packed === undefined || packed === '') {
    return [];
  }
  const time = (value: string): string => new Date(base + fromB36(value)).toISOString();
  return packed
    .split(FS)
    .map((item) => {
      const [url, count, human, first, last] = item.split(GS);
      return {
        url,
        count: fromB36(count),
        humanCount: fromB36(human),
        firstAt: time(first),
        lastAt: time(last),
      };
    })
    .sort((a, b) => b.count - a.count || a.firstAt.localeCompare(b.firstAt));
}

/** One of a record's times (a letter of `TIME_FIELDS`), ISO 8601, if it has it. */
function timeField(f: Map<string, string>, letter: string, base: number): string | undefined {
  const value = f.get(letter);
  return value === undefined ? undefined : new Date(base + fromB36(value)).toISOString();
}

/**
 * Only the push and delivery times of a packed record: what a click's classification needs, read
 * without decoding the timeline and counters.
 */
export function decodeSendTimes(
  raw: string,
  base: number,
): { pushedAt?: string; deliveredAt?: string } {
  const f = fieldsOf(raw);
  const times: { pushedAt?: string; deliveredAt?: string } = {};
  optional(times, 'pushedAt', timeField(f, TIME_FIELDS.pushedAt, base));
  optional(times, 'deliveredAt', timeField(f, TIME_FIELDS.deliveredAt, base));
  return times;
}

/** What a packed record holds besides the record: its fingerprint (ids the caller gave). */
export interface DecodedRecord {
  record: MessageRecord;
  fingerprint?: string;
}

/** The record a packed string holds, for the message `id` kept at `base`. */
export function decodeRecord(id: string, raw: string, base: number): DecodedRecord {
  const f = fieldsOf(raw);
  const queuedAt = base === 0 ? fromB36(f.get('q')) : base;
  const time = (letter: string): string | undefined => timeField(f, letter, base);
  const items = packedRecipients(f);
  const mailboxes = (kind: RecipientKind): string =>
    items
      .filter((item) => item.kind === kind)
      .map((item) => item.mailbox)
      .join(', ');
  const record: MessageRecord = {
    id,
    status: statusOfCode(f.get('s')),
    from: f.get('f') ?? '',
    to: mailboxes('to'),
    subject: f.get('j') ?? '',
    queuedAt: new Date(queuedAt).toISOString(),
  };
  optional(record, 'cc', mailboxes('cc'));
  optional(record, 'bcc', mailboxes('bcc'));
  const tags = f.get('g');
  if (tags !== undefined) {
    record.tags = decodeTags(tags);
  }
  optional(record, 'category', f.get('G'));
  optional(record, 'scheduledFor', time('S'));
  const track = f.get('k');
  if (track !== undefined) {
    const bits = Number(track);
    record.track = { opens: (bits & 1) === 1, clicks: (bits & 2) === 2 };
  }
  if (f.has('a')) {
    record.attempts = fromB36(f.get('a'));
  }
  const ses = f.get('m');
  if (ses !== undefined) {
    record.sesMessageId = unpackSesId(ses, base);
  }
  for (const [name, letter] of Object.entries(TIME_FIELDS)) {
    optional(record, name as keyof MessageRecord, time(letter));
  }
  // The record's own details, read as a recipient's are.
  const details = (letter: DetailLetter, status: MessageStatus): StatusDetails => {
    const packed = f.get(letter);
    return packed === undefined ? {} : detailsOf(status, packed.split(GS));
  };
  Object.assign(
    record,
    details('B', MessageStatus.BOUNCED),
    details('C', MessageStatus.COMPLAINED),
    details('Y', MessageStatus.DELAYED),
    details('E', MessageStatus.FAILED),
  );
  const opens = decodeCounter(f.get('O'), base);
  if (opens) {
    record.opens = opens;
  }
  const clicks = decodeCounter(f.get('K'), base);
  if (clicks) {
    const links = decodeLinks(f.get('N'), base);
    const counter: ClickCounter = { ...clicks, uniqueLinks: links.length };
    if (links.length > 0) {
      counter.links = links;
    }
    record.clicks = counter;
  }
  // Full records (they keep the addresses) have each recipient's state and a timeline, whose
  // first entry, `queued`, is not stored: the queue time and the (first to) address say all of it.
  if (f.has('t')) {
    record.recipients = decodeRecipients(items, record, base);
    const own = items.length > 0 ? bareAddress(items[0].mailbox) : '';
    const queued: TimelineEvent = { type: 'queued', at: record.queuedAt, source: 'ases' };
    if (own !== '') {
      queued.recipient = own;
    }
    const stored = f.get('e');
    const entries = stored === undefined ? [] : stored.split(FS);
    record.events = [
      queued,
      ...entries.map((entry) => decodeEntry(entry, base, own, record.sesMessageId)),
    ].slice(-TIMELINE_LENGTH);
  }
  const fingerprint = f.get('i');
  return fingerprint === undefined ? { record } : { record, fingerprint };
}
