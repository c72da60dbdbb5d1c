import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stub answers to one SendRawEmail: success, or an SES error. */
export type StubAnswer = 'ok' | { status: number; code: string; message: string };

/**
 * An HTTP server that answers SES's query API the way SES does, for the cases the local SES
 * emulator cannot produce (refusals, throttling). `answer(recipient, call)` decides each reply.
 */
export class SesStub {
  /** Every SendRawEmail received, by recipient, in order. */
  readonly calls = new Map<string, number>();
  private server?: Server;

  constructor(private readonly answer: (recipient: string, call: number) => StubAnswer) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const recipient = form.get('Destinations.member.1') ?? '';
        const call = (this.calls.get(recipient) ?? 0) + 1;
        this.calls.set(recipient, call);
        const answer =
          form.get('Action') === 'SendRawEmail'
            ? this.answer(recipient, call)
            : { status: 400, code: 'InvalidAction', message: 'not stubbed' };
        response.setHeader('content-type', 'text/xml');
        if (answer === 'ok') {
          response.end(
            '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">' +
              `<SendRawEmailResult><MessageId>0100-${randomUUID()}-000000</MessageId></SendRawEmailResult>` +
              `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
              '</SendRawEmailResponse>',
          );
          return;
        }
        response.statusCode = answer.status;
        response.end(
          '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">' +
            `<Error><Type>Sender</Type><Code>${answer.code}</Code><Message>${answer.message}</Message></Error>` +
            `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
