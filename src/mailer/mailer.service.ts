import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { mapInTurns, yieldToEventLoop } from '../core/in-turns';
import { newMessageId } from '../status/message-id';
import { MessageStatus } from '../status/message-status';
import { StatusService, messageNotFound } from '../status/status.service';
import { SuppressionService } from '../suppression/suppression.service';
import type { TrackSettings } from '../status/message-record';
import { TrackingService } from '../tracking/tracking.service';
import { SendMessageDto } from './dto/send-message.dto';
import { buildMimeMessage } from './mime-message';
import { checkSendRequest, describeProblems } from './send-request.validator';
import { MAX_JOB_BYTES, SendmailJob, parseSendmailJob, serializeSendmailJob } from './sendmail-job';
import { SendmailQueue } from './sendmail.queue';

/** Most messages in one batch request. */
export const MAX_BATCH_MESSAGES = 500;

/** A message accepted for sending. */
export interface SendmailResult {
  id: string;
  status: MessageStatus;
  /** True when `localMessageId` named a message accepted before: nothing new was queued. */
  replayed: boolean;
}

/** One item of a batch answer: accepted, or why not. */
export type BatchItemResult =
  | { id: string; status: MessageStatus }
  | { error: { code: AsesErrorCode; message: string } & Record<string, unknown> };

interface Prepared {
  job: SendmailJob;
  message: SendMessageDto;
  track: TrackSettings;
  fingerprint: string;
  /** When it was accepted (Unix ms): its queue time, which an id ases makes carries. */
  queuedAt: number;
}

function fingerprintOf(message: SendMessageDto): string {
  const tags = Object.entries(message.tags ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const content: unknown[] = [
    message.from,
    message.to,
    message.subject,
    message.html,
    message.text,
    tags,
    message.track ? [message.track.opens ?? null, message.track.clicks ?? null] : null,
  ];
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url');
}

/** Accepts messages: checks them, records them QUEUED, and puts them on the sendmail queue. */
@Injectable()
export class MailerService {
  private readonly logger = new Logger('ases');

  constructor(
    private readonly status: StatusService,
    private readonly queue: SendmailQueue,
    private readonly suppressions: SuppressionService,
    private readonly tracking: TrackingService,
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
        : { id: result.id, status: result.status },
    );
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
   * Checks a message and builds its MIME source (with the tracking pixel): once, here, so that
   * the send path, which the rate bounds, only sends, and a retry sends exactly what was accepted.
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
    const track = this.tracking.settingsFor(message.track, message.html !== undefined);
    // Parsing the HTML and encoding the MIME message take milliseconds each for a large mail: let
    // other requests in between, so a 500-message batch never holds the event loop for long.
    await yieldToEventLoop();
    const html =
      message.html === undefined
        ? undefined
        : this.tracking.instrumentHtml(id, message.html, track);
    await yieldToEventLoop();
    const raw = await buildMimeMessage({
      id,
      from: message.from,
      to: message.to,
      subject: message.subject,
      html,
      text: message.text,
    });
    const fingerprint = fingerprintOf(message);
    // With what its record is made again from, should Redis lose it (sender.service.ts).
    const job: SendmailJob = {
      v: 2,
      id,
      from: message.from,
      to: message.to,
      subject: message.subject,
      raw: raw.toString('utf8'),
      tags: message.tags,
      track,
      queuedAt: new Date(queuedAt).toISOString(),
      fingerprint: message.localMessageId === undefined ? undefined : fingerprint,
    };
    const bytes = Buffer.byteLength(serializeSendmailJob(job), 'utf8');
    if (bytes > MAX_JOB_BYTES) {
      return new AsesException(
        AsesErrorCode.INVALID_MESSAGE,
        `invalid message: html and text are too large together (${bytes} bytes as a MIME ` +
          `message on the queue; the sendmail queue takes at most ${MAX_JOB_BYTES})`,
        { errors: [{ field: 'html', problems: ['too large together with text'] }] },
      );
    }
    return { job, message, track, fingerprint, queuedAt };
  }

  private async acceptAll(inputs: unknown[]): Promise<Array<SendmailResult | AsesException>> {
    const prepared = await mapInTurns(inputs, (input) => this.prepare(input));
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
        : [{ index, job: item.job, replayed: result.replayed }];
    });
    const answers = results.map((result) =>
      result instanceof AsesException
        ? result
        : { id: result.id, status: result.status, replayed: result.replayed },
    );
    if (fresh.length === 0) {
      return answers;
    }
    const failed = await this.queue.enqueue(fresh.map((item) => item.job));
    await Promise.all(
      [...failed].map(async ([position, reason]) => {
        const { index, job, replayed } = fresh[position];
        this.logger.error(`message ${job.id} not queued: ${reason}`);
        // Not queued means not accepted: forget it, so the caller can retry with the same id. A
        // replay's record stays: a job of it may be on the queue already.
        if (!replayed) {
          await this.status.remove(job.id);
        }
        answers[index] = new AsesException(
          AsesErrorCode.QUEUE_UNAVAILABLE,
          'the sendmail queue did not take the message; nothing was sent, try again',
          { id: job.id },
        );
      }),
    );
    return answers;
  }

  private async record({
    job,
    message,
    track,
    fingerprint,
    queuedAt: acceptedAt,
  }: Prepared): Promise<Recorded | AsesException> {
    // A repeated request for a message accepted before the address was suppressed still gets
    // its original answer; only a new message is refused. The record is read only then, not for
    // every message.
    try {
      await this.suppressions.assertSendable(job.to);
    } catch (error) {
      const replay =
        error instanceof AsesException &&
        error.code === AsesErrorCode.RECIPIENT_SUPPRESSED &&
        message.localMessageId !== undefined &&
        (await this.status.exists(job.id));
      if (!replay) {
        throw error;
      }
    }
    const queuedAt = new Date(acceptedAt).toISOString();
    const outcome = await this.status.create({
      id: job.id,
      from: job.from,
      to: job.to,
      subject: job.subject,
      tags: message.tags,
      track,
      queuedAt,
      fingerprint,
    });
    if (outcome.created) {
      this.status.announceStatus(
        job.id,
        MessageStatus.UNKNOWN,
        MessageStatus.QUEUED,
        { type: 'queued', at: queuedAt, recipient: job.to, source: 'ases' },
        message.tags,
      );
      return { id: job.id, status: MessageStatus.QUEUED, replayed: false, enqueue: true };
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
    return { id: job.id, status: MessageStatus.QUEUED, replayed: true, enqueue: neverClaimed };
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
