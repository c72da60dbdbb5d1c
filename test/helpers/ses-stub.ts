import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the stub answers to one SendRawEmail: success, or an SES error. */
export type StubAnswer = 'ok' | { status: number; code: string; message: string };

/** The account limits the stub's GetSendQuota reports. */
export interface StubQuota {
  max24HourSend: number;
  maxSendRate: number;
  sentLast24Hours: number;
}

/** Options of the stub. */
export interface SesStubOptions {
  /** How long each SendRawEmail takes to be answered. Default 0. */
  latencyMs?: number;
  /** What GetSendQuota answers; without it GetSendQuota is refused. */
  quota?: StubQuota;
  /** Runs before a SendRawEmail is answered (e.g. to stop Redis while SES "accepts" a mail). */
  beforeReply?: (recipient: string, call: number) => Promise<void>;
}

const XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';

/**
 * An HTTP server that answers SES's query API the way SES does, for the cases the local SES
 * emulator cannot produce (refusals, throttling, latency, quotas). `answer(recipient, call)`
 * decides each SendRawEmail reply.
 */
export class SesStub {
  /** Every SendRawEmail received, by recipient, in order. */
  readonly calls = new Map<string, number>();
  /** The SES ids of the sends answered with success, by recipient. */
  readonly accepted = new Map<string, string[]>();
  /** GetSendQuota calls answered. */
  quotaCalls = 0;
  private server?: Server;

  constructor(
    private readonly answer: (recipient: string, call: number) => StubAnswer,
    readonly options: SesStubOptions = {},
  ) {}

  /** SendRawEmail requests received but not answered yet. */
  inFlight = 0;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        response.setHeader('content-type', 'text/xml');
        const action = form.get('Action');
        if (action === 'GetSendQuota' && this.options.quota) {
          this.quotaCalls += 1;
          const quota = this.options.quota;
          response.end(
            `<GetSendQuotaResponse xmlns="${XMLNS}"><GetSendQuotaResult>` +
              `<Max24HourSend>${quota.max24HourSend}</Max24HourSend>` +
              `<MaxSendRate>${quota.maxSendRate}</MaxSendRate>` +
              `<SentLast24Hours>${quota.sentLast24Hours}</SentLast24Hours>` +
              `</GetSendQuotaResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId>` +
              '</ResponseMetadata></GetSendQuotaResponse>',
          );
          return;
        }
        const recipient = form.get('Destinations.member.1') ?? '';
        const call = (this.calls.get(recipient) ?? 0) + 1;
        if (action === 'SendRawEmail') {
          this.calls.set(recipient, call);
        }
        const answer =
          action === 'SendRawEmail'
            ? this.answer(recipient, call)
            : { status: 400, code: 'InvalidAction', message: 'not stubbed' };
        void this.reply(response, recipient, answer, call);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async reply(
    response: import('node:http').ServerResponse,
    recipient: string,
    answer: StubAnswer,
    call: number,
  ): Promise<void> {
    this.inFlight += 1;
    try {
      if (this.options.latencyMs) {
        await sleep(this.options.latencyMs);
      }
      await this.options.beforeReply?.(recipient, call);
    } finally {
      this.inFlight -= 1;
    }
    if (answer === 'ok') {
      const id = `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
      this.accepted.set(recipient, [...(this.accepted.get(recipient) ?? []), id]);
      response.end(
        `<SendRawEmailResponse xmlns="${XMLNS}">` +
          `<SendRawEmailResult><MessageId>${id}</MessageId></SendRawEmailResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
          '</SendRawEmailResponse>',
      );
      return;
    }
    response.statusCode = answer.status;
    response.end(
      `<ErrorResponse xmlns="${XMLNS}">` +
        `<Error><Type>Sender</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error>` +
        `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
