import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clock, SendOutcome, SendRecord } from './metrics';

const SES_XML_NAMESPACE = 'http://ses.amazonaws.com/doc/2010-12-01/';
// 8 KiB of base64 is 6 KiB of MIME: far more than the header block the bench's mail carries.
const HEADER_BASE64_CHARS = 8192;

/** Options of {@link SesStub}. */
export interface SesStubOptions {
  /** Delay before each send is answered, in ms. Default 0. */
  latencyMs?: number;
  /** Answer `Throttling` when this many sends were accepted in the last 1000 ms. Default never. */
  throttleAbovePerSecond?: number;
  /** Fraction of sends answered 500 `InternalFailure`. Default 0. */
  failureRate?: number;
  /** What GetSendQuota reports. Default `{ max24HourSend: 1_000_000, maxSendRate: 1000 }`. */
  quota?: { max24HourSend: number; maxSendRate: number };
  /** Source of randomness for `failureRate`. Default `Math.random`. */
  random?: () => number;
}

/** An error SES answers every send with while it is set (see {@link SesStub.setFailure}). */
export interface StubFailure {
  /** HTTP status, e.g. 500 or 503. */
  status: number;
  /** SES's error code, e.g. `InternalFailure`, `ServiceUnavailable`. */
  code: string;
  message: string;
}

/** A send as the stub recorded it: {@link SendRecord} with the mail's Subject and the error sent. */
export interface StubSendRecord extends SendRecord {
  /** The Subject header (the bench's feeders put their request number or the id there). */
  subject: string;
  /** The error code answered, when the outcome is not `ok`. */
  error?: string;
}

interface Answer {
  status: number;
  body: string;
}

/** The header block at the start of a base64 MIME message. */
function headerBlock(base64: string): string {
  const head = Buffer.from(base64.slice(0, HEADER_BASE64_CHARS), 'base64').toString('latin1');
  const blank = head.search(/\r?\n\r?\n/);
  return blank === -1 ? head : head.slice(0, blank);
}

// A long value is folded onto continuation lines that start with white space.
const SUBJECT_HEADER = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im;
const ASES_ID_HEADER = /^X-Ases-Id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im;

/** One header's value, unfolded; `''` when there is none. */
function headerValue(headers: string, header: RegExp): string {
  const match = header.exec(headers);
  return match ? match[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

/** Reads the Subject header from the start of a base64 MIME message; `''` when there is none. */
export function subjectOfRawMessage(base64: string): string {
  return headerValue(headerBlock(base64), SUBJECT_HEADER);
}

/**
 * The message's ases id and Subject from the start of a base64 MIME message: the id is the
 * `X-Ases-Id` header ases adds to every mail, or the Subject when there is none (the bench's
 * older feeders put the id there too).
 */
export function idsOfRawMessage(base64: string): { id: string; subject: string } {
  const headers = headerBlock(base64);
  const subject = headerValue(headers, SUBJECT_HEADER);
  return { id: headerValue(headers, ASES_ID_HEADER) || subject, subject };
}

/** The `app/<x>` token the AWS SDK adds to its User-Agent from AWS_SDK_UA_APP_ID. */
export function appIdOfUserAgent(userAgent: string | undefined): string {
  return /(?:^|\s)app\/(\S+)/.exec(userAgent ?? '')?.[1] ?? '';
}

function successXml(action: string, result: string): string {
  return (
    `<${action}Response xmlns="${SES_XML_NAMESPACE}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function errorAnswer(status: number, code: string, message: string): Answer {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    status,
    body:
      `<ErrorResponse xmlns="${SES_XML_NAMESPACE}"><Error><Type>${type}</Type>` +
      `<Code>${code}</Code><Message>${message}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

/**
 * An SES v1 query-API server for benchmarks: SendRawEmail, SendEmail and GetSendQuota, with a
 * fixed answer latency, optional throttling above a rate, random 500s and, while
 * {@link setFailure} says so, an error for every send. It records every send in {@link sends},
 * cheaply enough for thousands of sends per second, by the mail's `X-Ases-Id`.
 */
export class SesStub {
  /** Every send received, in arrival order. */
  readonly sends: StubSendRecord[] = [];
  private readonly options: Required<Omit<SesStubOptions, 'throttleAbovePerSecond'>> &
    Pick<SesStubOptions, 'throttleAbovePerSecond'>;
  // Arrival times of accepted sends still inside the throttling window, oldest at `recentHead`;
  // a moving head avoids shifting the array on every send.
  private recentOk: number[] = [];
  private recentHead = 0;
  private accepted = 0;
  private failure: StubFailure | null = null;
  // Ids accepted since the last takeNewlyAccepted(), for a live count of what was sent.
  private newlyAccepted: string[] = [];
  private server?: Server;

  constructor(options: SesStubOptions = {}) {
    this.options = {
      latencyMs: options.latencyMs ?? 0,
      throttleAbovePerSecond: options.throttleAbovePerSecond,
      failureRate: options.failureRate ?? 0,
      quota: options.quota ?? { max24HourSend: 1_000_000, maxSendRate: 1000 },
      random: options.random ?? Math.random,
    };
  }

  /** How many sends arrived, and how many of them were accepted. */
  counts(): { sends: number; ok: number } {
    return { sends: this.sends.length, ok: this.accepted };
  }

  /** From now on answer every send with `failure` (null: back to normal). */
  setFailure(failure: StubFailure | null): void {
    this.failure = failure;
  }

  /** The ids of the sends accepted since the last call, in order (an id sent twice, twice). */
  takeNewlyAccepted(): string[] {
    const ids = this.newlyAccepted;
    this.newlyAccepted = [];
    return ids;
  }

  /** Listens on 127.0.0.1 (`port` 0: any free port); resolves to the endpoint URL. */
  async start(port = 0): Promise<string> {
    const server = createServer((request, response) => this.receive(request, response));
    // The SDK's agent keeps sockets for reuse; closing them sooner than it expects costs a
    // reconnect (and on a race, an ECONNRESET the app would count as a failed send).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Closes the server and every connection; safe to call twice. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) {
      return;
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = clock();
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action') ?? '';
      const agent = appIdOfUserAgent(request.headers['user-agent']);
      if (action === 'SendRawEmail' || action === 'SendEmail') {
        const { id, subject } =
          action === 'SendRawEmail'
            ? idsOfRawMessage(form.get('RawMessage.Data') ?? '')
            : {
                id: form.get('Message.Subject.Data') ?? '',
                subject: form.get('Message.Subject.Data') ?? '',
              };
        const failure = this.failure;
        const outcome = failure ? 'failed' : this.decide(at);
        const send: StubSendRecord = { at, id, subject, agent, action, outcome, answered: false };
        this.sends.push(send);
        if (outcome === 'ok') {
          this.newlyAccepted.push(id);
        }
        const answer = this.sendAnswer(action, outcome, failure);
        if (outcome !== 'ok') {
          send.error = /<Code>([^<]*)<\/Code>/.exec(answer.body)?.[1];
        }
        const reply = (): void => {
          send.answered = this.reply(response, answer);
        };
        if (this.options.latencyMs > 0) {
          setTimeout(reply, this.options.latencyMs);
        } else {
          reply();
        }
        return;
      }
      if (action === 'GetSendQuota') {
        const { max24HourSend, maxSendRate } = this.options.quota;
        this.reply(response, {
          status: 200,
          body: successXml(
            action,
            `<Max24HourSend>${max24HourSend.toFixed(1)}</Max24HourSend>` +
              `<MaxSendRate>${maxSendRate.toFixed(1)}</MaxSendRate>` +
              `<SentLast24Hours>${this.accepted.toFixed(1)}</SentLast24Hours>`,
          ),
        });
        return;
      }
      this.reply(
        response,
        errorAnswer(400, 'InvalidAction', `The action ${action || '(none)'} is not valid.`),
      );
    });
  }

  private decide(now: number): SendOutcome {
    while (this.recentHead < this.recentOk.length && this.recentOk[this.recentHead] <= now - 1000) {
      this.recentHead += 1;
    }
    if (this.recentHead > 4096) {
      this.recentOk = this.recentOk.slice(this.recentHead);
      this.recentHead = 0;
    }
    const limit = this.options.throttleAbovePerSecond;
    if (limit !== undefined && this.recentOk.length - this.recentHead >= limit) {
      return 'throttled';
    }
    if (this.options.failureRate > 0 && this.options.random() < this.options.failureRate) {
      return 'failed';
    }
    this.recentOk.push(now);
    this.accepted += 1;
    return 'ok';
  }

  private sendAnswer(
    action: 'SendRawEmail' | 'SendEmail',
    outcome: SendOutcome,
    failure: StubFailure | null,
  ): Answer {
    if (failure) {
      return errorAnswer(failure.status, failure.code, failure.message);
    }
    switch (outcome) {
      case 'ok':
        return {
          status: 200,
          body: successXml(action, `<MessageId>0100${randomUUID()}-000000</MessageId>`),
        };
      case 'throttled':
        return errorAnswer(400, 'Throttling', 'Maximum sending rate exceeded.');
      case 'failed':
        return errorAnswer(500, 'InternalFailure', 'The request processing has failed.');
    }
  }

  /** Writes the answer unless the caller has gone; returns whether it was written. */
  private reply(response: ServerResponse, answer: Answer): boolean {
    if (response.destroyed || response.socket === null || response.socket.destroyed) {
      return false;
    }
    response.writeHead(answer.status, { 'content-type': 'text/xml' });
    response.end(answer.body);
    return true;
  }
}
