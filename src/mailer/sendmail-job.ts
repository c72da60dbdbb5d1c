/** What a message on the sendmail queue carries: the content lives only here, not in Redis. */
export interface SendmailJob {
  v: 1;
  id: string;
  from: string;
  to: string;
  subject: string;
  html?: string;
  text?: string;
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
  const valid =
    job.v === 1 &&
    [job.id, job.from, job.to, job.subject].every((field) => typeof field === 'string' && field) &&
    optionalString(job.html) &&
    optionalString(job.text) &&
    (job.html !== undefined || job.text !== undefined);
  return valid ? (job as unknown as SendmailJob) : null;
}
