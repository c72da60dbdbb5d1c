import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { InjectAsesOptions } from '../core/ases.tokens';
import { emailAddressOf } from '../core/email-address';
import { mapInTurns, yieldToEventLoop } from '../core/in-turns';
import { newMessageId } from '../status/message-id';
import { MessageStatus } from '../status/message-status';
import { StatusService, messageNotFound } from '../status/status.service';
import { SuppressionService } from '../suppression/suppression.service';
import type { TrackSettings } from '../status/message-record';
import { TemplateService } from '../templates/template.service';
import { TrackingService } from '../tracking/tracking.service';
import { UnsubscribeService } from '../unsubscribe/unsubscribe.service';
import { SendMessageDto, recipientsOf } from './dto/send-message.dto';
import { decodeAttachment } from './attachment-rules';
import { JobContentStore } from './job-content.store';
import { MAX_MESSAGE_BYTES, buildMimeMessage } from './mime-message';
import { AsesMetrics } from '../metrics/ases-metrics';
import { ScheduleRepository } from './schedule.repository';
import { checkSendRequest, describeProblems } from './send-request.validator';
import {
  DEFAULT_CATEGORY,
  JobRecipients,
  MAX_JOB_BYTES,
  SendmailJob,
  parseSendmailJob,
  serializeSendmailJob,
} from './sendmail-job';
import { MAX_SQS_DELAY_SECONDS, SendmailQueue } from './sendmail.queue';

/** Most messages in one batch request. */
export const MAX_BATCH_MESSAGES = 500;

/** A recipient left out of a message because it is suppressed (`skipSuppressed: true`). */
export interface SkippedRecipient {
  email: string;
  reason: string;
  source: string;
  since: string;
  category?: string;
}

/** A message accepted for sending. */
export interface SendmailResult {
  id: string;
  status: MessageStatus;
  /** True when `localMessageId` named a message accepted before: nothing new was queued. */
  replayed: boolean;
  /** When it is sent (`sendAt`), ISO 8601; absent for mail sent at once. */
  scheduledFor?: string;
  /** Recipients left out because they are suppressed (only with `skipSuppressed: true`). */
  skipped?: SkippedRecipient[];
}

/** One item of a batch answer: accepted, or why not. */
export type BatchItemResult =
  | { id: string; status: MessageStatus; scheduledFor?: string; skipped?: SkippedRecipient[] }
  | { error: { code: AsesErrorCode; message: string } & Record<string, unknown> };

interface Prepared {
  job: SendmailJob;
  message: SendMessageDto;
  recipients: JobRecipients;
  track: TrackSettings;
  fingerprint: string;
  /** When it was accepted (Unix ms): its queue time, which an id ases makes carries. */
  queuedAt: number;
  category: string;
  skipped: SkippedRecipient[];
  /** Its MIME source is too large for the queue: it goes to S3 when the message is recorded. */
  oversize: boolean;
}

/**
 * What identifies a request, for replays of a `localMessageId`. Fields added after the first
 * version count only when given, so a request of the first version keeps its fingerprint.
 */
function fingerprintOf(message: SendMessageDto): string {
  const sorted = (map: Record<string, string> | undefined): Array<[string, string]> =>
    Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const content: unknown[] = [
    message.from,
    message.to,
    message.subject,
    message.html,
    message.text,
    sorted(message.tags),
    message.track ? [message.track.opens ?? null, message.track.clicks ?? null] : null,
  ];
  const later: Record<string, unknown> = {
    cc: message.cc,
    bcc: message.bcc,
    replyTo: message.replyTo,
    headers: message.headers === undefined ? undefined : sorted(message.headers),
    attachments: message.attachments?.map((file) => [
      file.filename,
      file.contentType ?? null,
      file.contentId ?? null,
      createHash('sha256').update(file.content).digest('base64url'),
    ]),
    configurationSet: message.configurationSet,
    sesTags: message.sesTags === undefined ? undefined : sorted(message.sesTags),
    category: message.category,
    unsubscribe: message.unsubscribe,
    skipSuppressed: message.skipSuppressed,
    sendAt: message.sendAt === undefined ? undefined : new Date(message.sendAt).toISOString(),
    template: message.template,
  };
  for (const [name, value] of Object.entries(later)) {
    if (value !== undefined) {
      content.push([name, value]);
    }
  }
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url');
}

const bare = (mailbox: string): string => emailAddressOf(mailbox) || mailbox;

/** Accepts messages: checks them, records them QUEUED, and puts them on the sendmail queue. */
@Injectable()
export class MailerService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly status: StatusService,
    private readonly queue: SendmailQueue,
    private readonly suppressions: SuppressionService,
    private readonly tracking: TrackingService,
    private readonly templates: TemplateService,
    private readonly unsubscribe: UnsubscribeService,
    private readonly contents: JobContentStore,
    private readonly schedule: ScheduleRepository,
    private readonly metrics: AsesMetrics,
    @InjectAsesOptions() private readonly options: ResolvedAsesOptions,
  ) {}

  /** Accepts one message; throws `AsesException` (INVALID_MESSAGE, IDEMPOTENCY_CONFLICT, ...). */
  async sendmail(input: unknown): Promise<SendmailResult> {
    const [result] = await this.acceptAll([input]);
    if (result instanceof AsesException) {
      throw result;
    }
    return result;
  }

  /** Accepts up to 500 messages: one answer per message, in order; a bad one sinks no other. */
  async sendmailBatch(inputs: unknown[]): Promise<BatchItemResult[]> {
    if (inputs.length === 0 || inputs.length > MAX_BATCH_MESSAGES) {
      throw new AsesException(
        AsesErrorCode.INVALID_REQUEST,
        `messages must hold 1 to ${MAX_BATCH_MESSAGES} messages, got ${inputs.length}`,
      );
    }
    const results = await this.acceptAll(inputs);
    return results.map((result) =>
      result instanceof AsesException
        ? { error: { code: result.code, message: result.message, ...result.details } }
        : withoutUndefined({
            id: result.id,
            status: result.status,
            scheduledFor: result.scheduledFor,
            skipped: result.skipped,
          }),
    );
  }

  /**
   * Cancels a message not sent yet (QUEUED, scheduled or not): it becomes CANCELED and is never
   * sent. Throws MESSAGE_NOT_FOUND, or NOT_CANCELABLE when it was sent (or failed, or is being
   * sent right now).
   */
  async cancel(id: string): Promise<{ id: string; status: MessageStatus }> {
    const at = new Date().toISOString();
    const result = await this.status.cancel(id, at);
    switch (result.outcome) {
      case 'missing':
        throw messageNotFound(id);
      case 'not-cancelable':
        throw new AsesException(
          AsesErrorCode.NOT_CANCELABLE,
          `message "${id}" is ${result.status}; only messages not sent yet (QUEUED) can be canceled`,
          { id, status: result.status },
        );
      case 'busy':
        throw new AsesException(
          AsesErrorCode.NOT_CANCELABLE,
          `message "${id}" is being sent right now; it can no longer be canceled`,
          { id, status: MessageStatus.QUEUED },
        );
      case 'canceled':
        break;
    }
    this.status.announceStatus(
      id,
      result.previous,
      MessageStatus.CANCELED,
      { type: 'canceled', at, source: 'ases' },
      result.tags,
    );
    // The schedule's copy is dropped now (with its S3 object); a copy on the queue is dropped by
    // the sender, which finds the message CANCELED (and deletes its S3 object, if it has one).
    try {
      const scheduled = parseSendmailJob((await this.schedule.remove(id)) ?? undefined);
      if (scheduled?.s3Key !== undefined) {
        await this.contents.delete(scheduled.s3Key);
      }
    } catch (error) {
      // The mover takes it to the queue when due, and the sender drops it then.
      this.logger.warn(
        `message ${id} canceled; its scheduled copy stays until due: ${String(error)}`,
      );
    }
    return { id, status: MessageStatus.CANCELED };
  }

  /**
   * Queues a FAILED message again, with its attempts reset, from the job kept when it failed.
   * Throws MESSAGE_NOT_FOUND, NOT_RETRYABLE (not FAILED, or SES refused it after accepting it, so
   * there is no job) or QUEUE_UNAVAILABLE (then it stays FAILED).
   */
  async retry(id: string): Promise<{ id: string; status: MessageStatus }> {
    const at = new Date().toISOString();
    const result = await this.status.retry(id, {
      type: 'retried',
      at,
      detail: 'queued again by request',
      source: 'ases',
    });
    switch (result.outcome) {
      case 'missing':
        throw messageNotFound(id);
      case 'not-failed':
        throw new AsesException(
          AsesErrorCode.NOT_RETRYABLE,
          `message "${id}" is ${result.status}; only FAILED messages can be retried`,
          { id, status: result.status },
        );
      case 'no-content':
        throw new AsesException(
          AsesErrorCode.NOT_RETRYABLE,
          `message "${id}" failed after SES accepted it (rejected or not renderable); its ` +
            'content is not kept, so send it again as a new message',
          { id, status: MessageStatus.FAILED },
        );
      case 'queued':
        break;
    }
    const job = parseSendmailJob(result.job);
    const failed = job
      ? await this.queue.enqueue([job])
      : new Map([[0, 'the kept job is unreadable']]);
    if (failed.size > 0) {
      await result.undo();
      this.logger.error(`message ${id} not queued again: ${[...failed.values()].join('; ')}`);
      throw new AsesException(
        AsesErrorCode.QUEUE_UNAVAILABLE,
        'the sendmail queue did not take the message; it is still FAILED, try again',
        { id },
      );
    }
    this.status.announceStatus(
      id,
      MessageStatus.FAILED,
      MessageStatus.QUEUED,
      { type: 'retried', at, source: 'ases' },
      result.tags,
    );
    return { id, status: MessageStatus.QUEUED };
  }

  /**
   * Checks a message, renders its template, leaves out suppressed recipients (or refuses it),
   * and builds its MIME source (with the tracking pixel and the unsubscribe link): once, here, so
   * that the send path, which the rate bounds, only sends, and a retry sends exactly what was
   * accepted.
   */
  private async prepare(input: unknown): Promise<Prepared | AsesException> {
    const check = checkSendRequest(input);
    if (!check.ok) {
      return new AsesException(
        AsesErrorCode.INVALID_MESSAGE,
        `invalid message: ${describeProblems(check.problems)}`,
        { errors: check.problems },
      );
    }
    const { value: message } = check;
    const queuedAt = Date.now();
    const id = message.localMessageId ?? newMessageId(queuedAt);
    const fingerprint = fingerprintOf(message);
    const category = message.category ?? DEFAULT_CATEGORY;
    let content: { subject: string; html?: string; text?: string };
    if (message.template) {
      try {
        content = await this.templates.render(message.template.name, message.template.data ?? {});
      } catch (error) {
        const refusal = asesErrorOrThrow(error);
        // Not a missing route: the message names a template that does not exist.
        return refusal.code === AsesErrorCode.TEMPLATE_NOT_FOUND
          ? invalid('template.name', refusal.message)
          : refusal;
      }
    } else {
      content = { subject: message.subject ?? '', html: message.html, text: message.text };
    }
    const requested = recipientsOf(message);
    const picked = await this.leaveOutSuppressed(id, message, requested, category);
    if (picked instanceof AsesException) {
      return picked;
    }
    const { recipients, skipped } = picked;
    const all = [...recipients.to, ...(recipients.cc ?? []), ...(recipients.bcc ?? [])];
    const unsubscribe =
      message.unsubscribe ??
      (all.length === 1 && this.options.unsubscribe.categories.includes(category));
    if (unsubscribe && all.length > 1) {
      return invalid(
        'unsubscribe',
        'unsubscribe needs a message with exactly one recipient: a List-Unsubscribe link cannot ' +
          `tell which of ${all.length} recipients used it (send one message per recipient)`,
      );
    }
    const track = this.tracking.settingsFor(message.track, content.html !== undefined);
    // Parsing the HTML and encoding the MIME message take milliseconds each for a large mail: let
    // other requests in between, so a 500-message batch never holds the event loop for long.
    await yieldToEventLoop();
    const html =
      content.html === undefined
        ? undefined
        : this.tracking.instrumentHtml(id, content.html, track);
    await yieldToEventLoop();
    const headers = {
      ...message.headers,
      ...(unsubscribe
        ? this.unsubscribe.headersFor({ messageId: id, recipient: bare(all[0]), category })
        : {}),
    };
    const raw = await buildMimeMessage({
      id,
      from: message.from,
      to: recipients.to,
      cc: recipients.cc,
      replyTo: message.replyTo === undefined ? undefined : [message.replyTo].flat(),
      subject: content.subject,
      html,
      text: content.text,
      headers,
      attachments: message.attachments?.map((file) => ({
        filename: file.filename,
        content: decodeAttachment(file.content),
        contentType: file.contentType,
        contentId: file.contentId,
      })),
    });
    if (raw.length > MAX_MESSAGE_BYTES) {
      return invalid(
        message.attachments ? 'attachments' : 'html',
        `the message is ${raw.length} bytes as MIME (attachments base64-encoded); SES's ` +
          `SendRawEmail takes at most ${MAX_MESSAGE_BYTES} (10 MiB)`,
      );
    }
    const sendAt =
      message.sendAt !== undefined && Date.parse(message.sendAt) > queuedAt
        ? new Date(message.sendAt).toISOString()
        : undefined;
    const v3 = withoutUndefined({
      rcpt: all.length > 1 ? recipients : undefined,
      sendAt,
      category: category === DEFAULT_CATEGORY ? undefined : category,
      configurationSet: message.configurationSet,
      sesTags: message.sesTags,
    });
    // With what its record is made again from, should Redis lose it (sender.service.ts).
    const job: SendmailJob = {
      v: Object.keys(v3).length > 0 ? 3 : 2,
      id,
      from: message.from,
      to: recipients.to[0],
      subject: content.subject,
      raw: raw.toString('utf8'),
      tags: message.tags,
      track,
      queuedAt: new Date(queuedAt).toISOString(),
      fingerprint: message.localMessageId === undefined ? undefined : fingerprint,
      ...v3,
    };
    const bytes = Buffer.byteLength(serializeSendmailJob(job), 'utf8');
    const oversize = bytes > MAX_JOB_BYTES;
    if (oversize && !this.contents.enabled) {
      return invalid(
        message.attachments ? 'attachments' : 'html',
        `the message is too large for the sendmail queue (${bytes} bytes as a job; SQS takes at ` +
          `most ${MAX_JOB_BYTES}); larger messages, up to SES's 10 MiB, go through S3: set ` +
          'S3_BUCKET (or the s3Bucket option)',
      );
    }
    return {
      job,
      message,
      recipients,
      track,
      fingerprint,
      queuedAt,
      category,
      skipped,
      oversize,
    };
  }

  /**
   * The recipients that may be mailed in this category. A suppressed one (bounced, complained,
   * or unsubscribed from the category) refuses the message, naming every such address, unless
   * `skipSuppressed` leaves them out; a message left with no recipient is refused either way. A
   * replay of a message accepted before an address was suppressed is not refused: it gets its
   * original answer.
   */
  private async leaveOutSuppressed(
    id: string,
    message: SendMessageDto,
    requested: JobRecipients,
    category: string,
  ): Promise<{ recipients: JobRecipients; skipped: SkippedRecipient[] } | AsesException> {
    const all = [...requested.to, ...(requested.cc ?? []), ...(requested.bcc ?? [])];
    const blocked = await this.suppressions.blockedAmong(all, category);
    if (blocked.size === 0) {
      return { recipients: requested, skipped: [] };
    }
    const skipped = all.flatMap((mailbox) => {
      const entry = blocked.get(mailbox);
      return entry
        ? [
            withoutUndefined({
              email: bare(mailbox),
              reason: entry.reason,
              source: entry.source,
              since: entry.since,
              category: entry.category,
            }),
          ]
        : [];
    });
    const keep = (list: string[] | undefined): string[] =>
      (list ?? []).filter((mailbox) => !blocked.has(mailbox));
    const recipients: JobRecipients = {
      to: keep(requested.to),
      cc: keep(requested.cc),
      bcc: keep(requested.bcc),
    };
    if (message.skipSuppressed && recipients.to.length > 0) {
      return { recipients, skipped };
    }
    if (message.localMessageId !== undefined && (await this.status.exists(id))) {
      return { recipients: requested, skipped: [] };
    }
    const names = skipped.map((entry) => entry.email).join(', ');
    const why = skipped
      .map((entry) =>
        entry.source === 'unsubscribe'
          ? `${entry.email} unsubscribed from ${entry.category ?? category} mail`
          : `${entry.email}: ${entry.reason}`,
      )
      .join('; ');
    const first = skipped[0];
    return new AsesException(
      AsesErrorCode.RECIPIENT_SUPPRESSED,
      message.skipSuppressed
        ? `every "to" recipient is suppressed, nothing left to send to (${why})`
        : `${names} ${skipped.length === 1 ? 'is' : 'are'} on the suppression list (${why})` +
            (skipped.length < all.length
              ? '; send with skipSuppressed: true to send to the others'
              : ''),
      {
        // The first one's fields as before, for callers of a one-recipient message.
        email: first.email,
        reason: first.reason,
        since: first.since,
        suppressed: skipped,
      },
    );
  }

  private async acceptAll(inputs: unknown[]): Promise<Array<SendmailResult | AsesException>> {
    const prepared = await mapInTurns(inputs, (input) =>
      this.prepare(input).catch(asesErrorOrThrow),
    );
    // Each item settles on its own: one that Redis failed must not hide others it recorded,
    // which still have to be queued.
    const results = await Promise.all(
      prepared.map(async (item) =>
        item instanceof AsesException ? item : this.record(item).catch(asesErrorOrThrow),
      ),
    );
    const fresh = prepared.flatMap((item, index) => {
      const result = results[index];
      return item instanceof AsesException || result instanceof AsesException || !result.enqueue
        ? []
        : [{ index, item, replayed: result.replayed }];
    });
    const answers = results.map((result) =>
      result instanceof AsesException
        ? result
        : withoutUndefined({
            id: result.id,
            status: result.status,
            replayed: result.replayed,
            scheduledFor: result.scheduledFor,
            skipped: result.skipped,
          }),
    );
    if (fresh.length === 0) {
      this.count(answers, []);
      return answers;
    }
    const failed = new Map<number, string>();
    // Messages too large for SQS go to S3 first (claim-check): the job carries the key.
    await mapInTurns(fresh, async ({ item }, position) => {
      if (!item.oversize) {
        return;
      }
      try {
        const key = await this.contents.put(item.job.id, item.job.raw);
        item.job = { ...item.job, v: 3, raw: '', s3Key: key };
      } catch (error) {
        failed.set(position, error instanceof Error ? error.message : String(error));
      }
    });
    const now = Date.now();
    const later = (job: SendmailJob): boolean =>
      job.sendAt !== undefined && Date.parse(job.sendAt) - now > MAX_SQS_DELAY_SECONDS * 1000;
    const toQueue = fresh.flatMap((entry, position) =>
      failed.has(position) || later(entry.item.job) ? [] : [position],
    );
    const toSchedule = fresh.flatMap((entry, position) =>
      failed.has(position) || !later(entry.item.job) ? [] : [position],
    );
    const notQueued = await this.queue.enqueue(toQueue.map((position) => fresh[position].item.job));
    for (const [offset, reason] of notQueued) {
      failed.set(toQueue[offset], reason);
    }
    // Beyond SQS's 15-minute delay, the store keeps the job until it is due (ScheduleMover).
    await Promise.all(
      toSchedule.map(async (position) => {
        const { job } = fresh[position].item;
        try {
          await this.schedule.add(job.id, Date.parse(job.sendAt ?? ''), serializeSendmailJob(job));
        } catch (error) {
          failed.set(position, error instanceof Error ? error.message : String(error));
        }
      }),
    );
    await Promise.all(
      [...failed].map(async ([position, reason]) => {
        const { index, item, replayed } = fresh[position];
        const { job } = item;
        this.logger.error(`message ${job.id} not queued: ${reason}`);
        // Not queued means not accepted: forget it, so the caller can retry with the same id. A
        // replay's record stays: a job of it may be on the queue already.
        if (!replayed) {
          await this.status.remove(job.id);
        }
        if (job.s3Key !== undefined) {
          await this.contents.delete(job.s3Key).catch(() => undefined);
        }
        answers[index] = new AsesException(
          AsesErrorCode.QUEUE_UNAVAILABLE,
          'the sendmail queue did not take the message; nothing was sent, try again',
          { id: job.id },
        );
      }),
    );
    this.count(
      answers,
      fresh.filter((entry, position) => !entry.replayed && !failed.has(position)),
    );
    return answers;
  }

  /** Counts the refused messages, and the new ones accepted with their recipients (replays are not new). */
  private count(
    answers: Array<SendmailResult | AsesException>,
    accepted: Array<{ item: Prepared }>,
  ): void {
    for (const answer of answers) {
      if (answer instanceof AsesException) {
        this.metrics.refused(answer.code);
      }
    }
    if (accepted.length > 0) {
      const recipients = accepted.reduce(
        (sum, { item: { recipients: r } }) =>
          sum + r.to.length + (r.cc?.length ?? 0) + (r.bcc?.length ?? 0),
        0,
      );
      this.metrics.accepted(accepted.length, recipients);
    }
  }

  private async record({
    job,
    message,
    recipients,
    track,
    fingerprint,
    queuedAt: acceptedAt,
    category,
    skipped,
  }: Prepared): Promise<Recorded | AsesException> {
    const queuedAt = new Date(acceptedAt).toISOString();
    const outcome = await this.status.create({
      id: job.id,
      from: job.from,
      to: recipients.to.length === 1 ? recipients.to[0] : recipients.to,
      cc: recipients.cc?.length ? recipients.cc : undefined,
      bcc: recipients.bcc?.length ? recipients.bcc : undefined,
      subject: job.subject,
      tags: message.tags,
      track,
      queuedAt,
      fingerprint,
      category: category === DEFAULT_CATEGORY ? undefined : category,
      scheduledFor: job.sendAt,
    });
    if (outcome.created) {
      this.status.announceStatus(
        job.id,
        MessageStatus.UNKNOWN,
        MessageStatus.QUEUED,
        { type: 'queued', at: queuedAt, recipient: bare(job.to), source: 'ases' },
        message.tags,
        undefined,
        category,
      );
      return withoutUndefined({
        id: job.id,
        status: MessageStatus.QUEUED,
        replayed: false,
        enqueue: true,
        scheduledFor: job.sendAt,
        skipped: skipped.length > 0 ? skipped : undefined,
      });
    }
    if (message.localMessageId === undefined) {
      // The random part of a fresh id met another's in its minute: nothing was recorded.
      return new AsesException(
        AsesErrorCode.RETRY_LATER,
        'the id drawn for this message was already taken; nothing was queued, send it again',
        { id: job.id },
      );
    }
    if (outcome.fingerprint !== fingerprint) {
      return new AsesException(
        AsesErrorCode.IDEMPOTENCY_CONFLICT,
        `localMessageId "${job.id}" was already used for a different message`,
        { id: job.id },
      );
    }
    // The original answer, whatever became of the message since (its status is a GET away). A
    // process that died between recording and enqueueing left a QUEUED record that no sender
    // ever claimed: queue it (again). A job that was queued after all is then received twice,
    // and the send lease and the status let only one of them send.
    const existing = outcome.existing;
    const neverClaimed = existing.status === MessageStatus.QUEUED && !existing.attempts;
    return withoutUndefined({
      id: job.id,
      status: MessageStatus.QUEUED,
      replayed: true,
      enqueue: neverClaimed,
      scheduledFor: existing.scheduledFor,
    });
  }
}

/** A recorded message, and whether it must (still) be put on the queue. */
type Recorded = SendmailResult & { enqueue: boolean };

function asesErrorOrThrow(error: unknown): AsesException {
  if (error instanceof AsesException) {
    return error;
  }
  throw error;
}

/** An INVALID_MESSAGE refusal naming one field. */
function invalid(field: string, problem: string): AsesException {
  return new AsesException(AsesErrorCode.INVALID_MESSAGE, `invalid message: ${field}: ${problem}`, {
    errors: [{ field, problems: [problem] }],
  });
}

/** Drops keys whose value is undefined, so absent optional fields are absent, not `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
