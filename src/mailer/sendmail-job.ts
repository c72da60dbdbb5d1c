/**
 * What a message on the sendmail queue carries; the content lives only here, not in Redis.
 * Version 2 carries the MIME source, built once when the message is accepted; version 1 (queued
 * by earlier releases) carries the parts, and the sender builds the MIME source itself.
 */
export interface SendmailJob {
  v: 1 | 2;
  id: string;
  from: string;
  to: string;
  subject: string;
  /** v1 only. */
  html?: string;
  /** v1 only. */
  text?: string;
  /** v2: the RFC 5322 message SendRawEmail takes. */
  raw?: string;
}

/** Largest serialized job: SQS's classic 256 KiB message limit. */
export const MAX_JOB_BYTES = 256 * 1024;

/** The SQS message body of a job. */
export function serializeSendmailJob(job: SendmailJob): string {
  return JSON.stringify(job);
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

/** Reads a job back from an SQS message body; null when the body is not one. */
export function parseSendmailJob(body: string | undefined): SendmailJob | null {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const job = value as Record<string, unknown>;
  const common = [job.id, job.from, job.to, job.subject].every(
    (field) => typeof field === 'string' && field,
  );
  const content =
    job.v === 2
      ? typeof job.raw === 'string' && job.raw !== ''
      : job.v === 1 &&
        optionalString(job.html) &&
        optionalString(job.text) &&
        (job.html !== undefined || job.text !== undefined);
  return common && content ? (job as unknown as SendmailJob) : null;
}
