/**
 * What a message on the sendmail queue carries; the content lives only here, not in Redis: the
 * MIME source, built once when the message is accepted.
 */
export interface SendmailJob {
  v: 2;
  id: string;
  from: string;
  to: string;
  subject: string;
  /** The RFC 5322 message SendRawEmail takes. */
  raw: string;
}

/** Largest serialized job: SQS's classic 256 KiB message limit. */
export const MAX_JOB_BYTES = 256 * 1024;

/** The SQS message body of a job. */
export function serializeSendmailJob(job: SendmailJob): string {
  return JSON.stringify(job);
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
  const content = job.v === 2 && typeof job.raw === 'string' && job.raw !== '';
  return common && content ? (job as unknown as SendmailJob) : null;
}
