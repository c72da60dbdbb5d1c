import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { GetSendQuotaCommand, SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { SesSendError } from './ses-send.error';

/** A raw message and its envelope. */
export interface RawSend {
  from: string;
  /** Every recipient: to, cc and bcc (bcc ones appear nowhere else). */
  destinations: string[];
  raw: Buffer;
  /** SES configuration set, for its event publishing. */
  configurationSet?: string;
  /** SES message tags. */
  tags?: Record<string, string>;
}

/** The account's sending limits, as GetSendQuota gives them. */
export interface SendQuota {
  /** Sends allowed in 24 hours; -1 means no limit. */
  max24HourSend: number;
  /** Sends (recipients) per second. */
  maxSendRate: number;
  sentLast24Hours: number;
}

/**
 * What the SDK serializes in place of a message's source (a key of `SesTransport.sources`); the
 * build step puts the source there. The SDK's query serializer tests every value against
 * `/^[\w.~-]+$/` before encoding it, and the base64 of a large message (base64 of base64
 * attachments holds no `+` or `/`) runs that regular expression over megabytes: V8 then throws
 * "Maximum call stack size exceeded" in a warm process, and every large mail failed.
 * docs/decisions.md has the details.
 */
const PLACEHOLDER_PREFIX = 'ases-source:';
/** The placeholder in the form body: `RawMessage.Data=<base64 of prefix + key>`, percent-encoded. */
const PLACEHOLDER_FIELD = /RawMessage\.Data=([A-Za-z0-9%]{1,200})(?=&|$)/;

/** Base64 as a form value: `+`, `/` and `=` percent-encoded, as the SDK encodes them. */
function formEncodeBase64(base64: string): string {
  return base64.replace(/[+/=]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A send that SES has not answered by then is given up (and retried): see the send lease. */
export const SES_REQUEST_TIMEOUT_MS = 15_000;

/** The only owner of the SES client: sends raw messages and reports failures as `SesSendError`. */
@Injectable()
export class SesTransport implements OnApplicationShutdown {
  private readonly client: SESClient;
  /** The sources of the sends in flight, by the key their placeholder carries. */
  private readonly sources = new Map<string, Buffer>();

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    // Every message in hand may be in an SES call at once; the SDK's default of 50 sockets would
    // queue sends behind each other at a few hundred mails a second.
    const agent = { keepAlive: true, maxSockets: Math.max(50, options.sendPollers * 10) };
    this.client = new SESClient({
      region: options.region,
      endpoint: options.endpoints.ses,
      credentials: options.credentials,
      // ases retries through the queue, with backoff and a bounded count; SDK retries on top of
      // that would resend throttled mail at once and hide attempts from the count.
      maxAttempts: 1,
      // Resolve the middleware stack once per command type, not on every send: at hundreds of
      // sends a second that resolution was a tenth of the SDK's CPU.
      cacheMiddleware: true,
      requestHandler: {
        requestTimeout: SES_REQUEST_TIMEOUT_MS,
        httpAgent: new HttpAgent(agent),
        httpsAgent: new HttpsAgent(agent),
      },
    });
    // On the client, not per command: with cacheMiddleware, a command type's stack is resolved
    // once, so a per-send middleware would keep the first send's source.
    this.client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { body?: unknown };
        if (typeof request.body === 'string') {
          request.body = this.fillInSource(request.body);
        }
        return next(args);
      },
      // Before the content length is set and the request signed, both of which see the source.
      { step: 'build', priority: 'high', name: 'asesRawMessageSource' },
    );
  }

  /** The form body with the placeholder of a send in flight replaced by its source. */
  private fillInSource(body: string): string {
    const match = PLACEHOLDER_FIELD.exec(body);
    if (!match) {
      return body;
    }
    const placeholder = Buffer.from(decodeURIComponent(match[1]), 'base64').toString('utf8');
    const source = placeholder.startsWith(PLACEHOLDER_PREFIX)
      ? this.sources.get(placeholder.slice(PLACEHOLDER_PREFIX.length))
      : undefined;
    if (source === undefined) {
      // Never send a placeholder as a mail.
      throw new Error('SendRawEmail: no message source for this request');
    }
    const field = `RawMessage.Data=${formEncodeBase64(source.toString('base64'))}`;
    return body.slice(0, match.index) + field + body.slice(match.index + match[0].length);
  }

  /** Sends through SES SendRawEmail; resolves to SES's message id. */
  async sendRaw(message: RawSend): Promise<string> {
    const key = randomUUID();
    this.sources.set(key, message.raw);
    const command = new SendRawEmailCommand({
      Source: message.from,
      Destinations: message.destinations,
      RawMessage: { Data: Buffer.from(`${PLACEHOLDER_PREFIX}${key}`, 'utf8') },
      ConfigurationSetName: message.configurationSet,
      Tags:
        message.tags === undefined
          ? undefined
          : Object.entries(message.tags).map(([Name, Value]) => ({ Name, Value })),
    });
    try {
      const output = await this.client.send(command);
      if (!output.MessageId) {
        throw new SesSendError('NoMessageId', 'SES answered without a message id', false);
      }
      return output.MessageId;
    } catch (error) {
      throw SesSendError.from(error);
    } finally {
      this.sources.delete(key);
    }
  }

  /** The account's sending limits (GetSendQuota). */
  async getSendQuota(): Promise<SendQuota> {
    const output = await this.client.send(new GetSendQuotaCommand({}));
    return {
      max24HourSend: output.Max24HourSend ?? -1,
      maxSendRate: output.MaxSendRate ?? 0,
      sentLast24Hours: output.SentLast24Hours ?? 0,
    };
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
