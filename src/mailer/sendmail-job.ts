import type { TrackSettings } from '../status/message-record';

/**
 * What a message on the sendmail queue carries. The queue is the durable copy of what must be
 * sent: besides the MIME source (built once, when the message is accepted) a job holds what its
 * status record needs, so that a record Redis lost (flushed, evicted, restarted without
 * persistence) is made again from the job instead of the mail being dropped.
 */
export interface SendmailJob {
  /** 2: one recipient, nothing but what every version reads; 3: any field below marked (v3). */
  v: 2 | 3;
  id: string;
  from: string;
  /** The first `to` mailbox (all of them are in `rcpt`). */
  to: string;
  subject: string;
  /**
   * The RFC 5322 message SendRawEmail takes; empty on a receipt (`pushed`) and when the message
   * is kept in S3 (`s3Key`).
   */
  raw: string;
  /** (v3) Every recipient, when there is more than one or any cc/bcc: mailboxes as given. */
  rcpt?: JobRecipients;
  /** (v3) A message too large for SQS: its MIME source is this S3 object (claim-check). */
  s3Key?: string;
  /** (v3) Not sent before this time, ISO 8601. */
  sendAt?: string;
  /** (v3) Its category, when not `transactional` (unsubscribes are kept per category). */
  category?: string;
  /** (v3) SES configuration set of the send. */
  configurationSet?: string;
  /** (v3) SES message tags of the send. */
  sesTags?: Record<string, string>;
  tags?: Record<string, string>;
  /** The tracking put in its HTML. */
  track?: TrackSettings;
  /** When it was accepted, ISO 8601 (an id ases made carries it too). */
  queuedAt?: string;
  /** The request's fingerprint, for a `localMessageId` (replays compare it). */
  fingerprint?: string;
  /**
   * A receipt: SES accepted the message (with this id, at this time) but Redis did not take the
   * PUSHED write. Nothing is sent again; the receipt is deleted once the write is made.
   */
  pushed?: { sesMessageId: string; at: string };
}

/** The category of a message that names none. */
export const DEFAULT_CATEGORY = 'transactional';

/** The recipients of a job with more than one. */
export interface JobRecipients {
  to: string[];
  cc?: string[];
  bcc?: string[];
}

/** Every recipient mailbox of a job, to, cc and bcc in order. */
export function jobRecipients(job: SendmailJob): string[] {
  return job.rcpt ? [...job.rcpt.to, ...(job.rcpt.cc ?? []), ...(job.rcpt.bcc ?? [])] : [job.to];
}

/** Largest serialized job: SQS's classic 256 KiB message limit. */
export const MAX_JOB_BYTES = 256 * 1024;

/**
 * Characters written as `\uXXXX` escapes in a job's body. SQS takes only #x9, #xA, #xD,
 * #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF, and the local emulator refuses characters
 * above U+FFFF too: escaping each half of a surrogate pair (and the few other characters either
 * may refuse or mangle) keeps the body within what both take. JSON.parse reads it back unchanged.
 */
const ESCAPED = /[\u007f-\u009f\u2028\u2029\ud800-\udfff\ufffe\uffff]/g;

function escapeForSqs(json: string): string {
  return json.replace(ESCAPED, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The SQS message body of a job (ASCII-safe where SQS or its emulator could refuse it). */
export function serializeSendmailJob(job: SendmailJob): string {
  return escapeForSqs(JSON.stringify(job));
}

/**
 * The receipt of a job SES accepted: the job without its content, and the SES outcome. It keeps
 * `s3Key`, so that whoever records the receipt deletes the S3 object too.
 */
export function pushedReceipt(job: SendmailJob, sesMessageId: string, at: string): SendmailJob {
  return { ...job, raw: '', pushed: { sesMessageId, at } };
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a job back from an SQS message body; null when the body is not one. */
export function parseSendmailJob(body: string | undefined): SendmailJob | null {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return null;
  }
  if (!isRecord(value) || (value.v !== 2 && value.v !== 3)) {
    return null;
  }
  const job = value;
  if (![job.id, job.from, job.to, job.subject].every(isText)) {
    return null;
  }
  const pushed = job.pushed;
  const receipt =
    isRecord(pushed) && isText(pushed.sesMessageId) && isText(pushed.at) && job.raw === '';
  const inS3 = isText(job.s3Key) && job.raw === '';
  if (!(receipt || (pushed === undefined && (isText(job.raw) || inS3)))) {
    return null;
  }
  if (job.v === 3 && !v3FieldsOk(job)) {
    return null;
  }
  const optional =
    (job.tags === undefined ||
      (isRecord(job.tags) && Object.values(job.tags).every((v) => typeof v === 'string'))) &&
    (job.track === undefined ||
      (isRecord(job.track) &&
        typeof job.track.opens === 'boolean' &&
        typeof job.track.clicks === 'boolean')) &&
    (job.queuedAt === undefined || isText(job.queuedAt)) &&
    (job.fingerprint === undefined || typeof job.fingerprint === 'string');
  return optional ? (job as unknown as SendmailJob) : null;
}

const isTextList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(isText);
const isTextMap = (value: unknown): boolean =>
  isRecord(value) && Object.values(value).every((v) => typeof v === 'string');

function v3FieldsOk(job: Record<string, unknown>): boolean {
  const rcpt = job.rcpt;
  return (
    (rcpt === undefined ||
      (isRecord(rcpt) &&
        isTextList(rcpt.to) &&
        rcpt.to.length > 0 &&
        (rcpt.cc === undefined || isTextList(rcpt.cc)) &&
        (rcpt.bcc === undefined || isTextList(rcpt.bcc)))) &&
    (job.s3Key === undefined || isText(job.s3Key)) &&
    (job.sendAt === undefined || (isText(job.sendAt) && !Number.isNaN(Date.parse(job.sendAt)))) &&
    (job.category === undefined || isText(job.category)) &&
    (job.configurationSet === undefined || isText(job.configurationSet)) &&
    (job.sesTags === undefined || isTextMap(job.sesTags))
  );
}
