import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { InjectAsesOptions } from '../core/ases.tokens';
import { SesSendError } from './ses-send.error';

/** A raw message and its envelope. */
export interface RawSend {
  from: string;
  to: string;
  raw: Buffer;
}

/** The only owner of the SES client: sends raw messages and reports failures as `SesSendError`. */
@Injectable()
export class SesTransport implements OnApplicationShutdown {
  private readonly client: SESClient;

  constructor(@InjectAsesOptions() options: ResolvedAsesOptions) {
    this.client = new SESClient({
      region: options.region,
      endpoint: options.endpoints.ses,
      // ases retries through the queue, with backoff and a bounded count; SDK retries on top of
      // that would resend throttled mail at once and hide attempts from the count.
      maxAttempts: 1,
    });
  }

  /** Sends through SES SendRawEmail; resolves to SES's message id. */
  async sendRaw(message: RawSend): Promise<string> {
    try {
      const output = await this.client.send(
        new SendRawEmailCommand({
          Source: message.from,
          Destinations: [message.to],
          RawMessage: { Data: message.raw },
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

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
