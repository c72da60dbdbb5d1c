import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { GetSendQuotaCommand, SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
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

/** A send that SES has not answered by then is given up (and retried): see the send lease. */
export const SES_REQUEST_TIMEOUT_MS = 15_000;

/** The only owner of the SES client: sends raw messages and reports failures as `SesSendError`. */
@Injectable()
export class SesTransport implements OnApplicationShutdown {
  private readonly client: SESClient;

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    // Every message in hand may be in an SES call at once; the SDK's default of 50 sockets would
    // queue sends behind each other at a few hundred mails a second.
    const agent = { keepAlive: true, maxSockets: Math.max(50, options.sendPollers * 10) };
    this.client = new SESClient({
      region: options.region,
      endpoint: options.endpoints.ses,
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
  }

  /** Sends through SES SendRawEmail; resolves to SES's message id. */
  async sendRaw(message: RawSend): Promise<string> {
    try {
      const output = await this.client.send(
        new SendRawEmailCommand({
          Source: message.from,
          Destinations: message.destinations,
          RawMessage: { Data: message.raw },
          ConfigurationSetName: message.configurationSet,
          Tags:
            message.tags === undefined
              ? undefined
              : Object.entries(message.tags).map(([Name, Value]) => ({ Name, Value })),
        }),
      );
      if (!output.MessageId) {
        throw new SesSendError('NoMessageId', 'SES answered without a message id', false);
      }
      return output.MessageId;
    } catch (error) {
      throw SesSendError.from(error);
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
