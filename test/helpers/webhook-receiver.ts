import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A received body, parsed. */
export interface ReceivedEvent {
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/** One POST a receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it answered. */
  answered: number;
}

/**
 * A webhook receiver of the test's own on 127.0.0.1: records every POST, and answers each with the
 * next status of `answers` (then 200), or what `answer` decides.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Statuses to answer, in order; once used up, 200. */
  answers: number[] = [];
  /** When set, decides the status of each POST instead of `answers` (null: never answer). */
  answer: ((body: string) => number | null) | undefined;
  private server: Server | undefined;
  private readonly hanging = new Set<() => void>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.answer ? this.answer(body) : (this.answers.shift() ?? 200);
        if (status === null) {
          this.hanging.add(() => res.destroy());
          return;
        }
        this.received.push({ headers: req.headers, body, answered: status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The bodies received, parsed. */
  events(): ReceivedEvent[] {
    return this.received.map((each) => JSON.parse(each.body) as ReceivedEvent);
  }

  async stop(): Promise<void> {
    for (const release of this.hanging) {
      release();
    }
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
