import type { ChildProcess } from 'node:child_process';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isRunning, stopChild, forkReady } from './children';

const START_TIMEOUT_MS = 30_000;
const ASK_TIMEOUT_MS = 30_000;

/** How the receiver answers: `fast` 204 as soon as the body is read; `hang` never. */
export type ReceiverMode = 'fast' | 'hang';

/** One POST the receiver got. */
export interface ReceivedWebhook {
  /** The `webhook-id` header: one per event, the same at every attempt. */
  webhookId: string;
  /** The body's `type`. */
  type: string;
  /** The body's `data.messageId` (`''` when absent). */
  messageId: string;
  /** The body's `timestamp` (when ases emitted the event), Unix ms; NaN when unreadable. */
  emittedAt: number;
  /** When the body had been read, Unix ms (the clock the body's timestamp comes from). */
  receivedAt: number;
}

/** What the receiver saw since it was last configured or drained. */
export interface ReceiverReport {
  received: ReceivedWebhook[];
  /** TCP connections opened to it. */
  connections: number;
  /** Signatures checked (every `verifyEvery`-th POST) and those that did not verify. */
  verified: number;
  badSignatures: number;
  /** Why the first few bad signatures failed. */
  signatureErrors: string[];
}

/** Where the receiver stands: POSTs and distinct `webhook-id`s so far. */
export interface ReceiverCounts {
  requests: number;
  distinct: number;
}

type Request =
  | { type: 'configure'; mode: ReceiverMode; secret: string | null; verifyEvery: number }
  | { type: 'counts' }
  | { type: 'drain' };

type Reply =
  | { type: 'ready'; url: string }
  | { type: 'answer'; seq: number; counts?: ReceiverCounts; report?: ReceiverReport };

/**
 * A webhook receiver on 127.0.0.1 in a process of its own, so that the harness's own work (reading
 * Redis records, feeding the API) does not delay its answers or bunch its timestamps. It counts
 * the POSTs and their `webhook-id`s and checks a sample of signatures with the `standardwebhooks`
 * package, as a receiver would; in `hang` mode it accepts each request and never answers.
 */
export class WebhookReceiverProcess {
  private seq = 0;
  private readonly waiting = new Map<number, (reply: Reply & { type: 'answer' }) => void>();

  private constructor(
    /** Where ases should post, e.g. `http://127.0.0.1:41234/hooks`. */
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (reply: Reply) => {
      if (reply.type === 'answer') {
        this.waiting.get(reply.seq)?.(reply);
        this.waiting.delete(reply.seq);
      }
    });
  }

  /** Starts the child (`cwd`: the repository root, where ts-node is installed). */
  static async start(cwd: string): Promise<WebhookReceiverProcess> {
    const { child, url } = await forkReady(
      __filename,
      [],
      cwd,
      'the webhook receiver',
      START_TIMEOUT_MS,
    );
    return new WebhookReceiverProcess(`${url}/hooks`, child);
  }

  /**
   * Answers as `mode` says from now on, verifying every `verifyEvery`-th POST with `secret`
   * (null: none); forgets what it saw, and cuts the connections of requests left hanging.
   */
  async configure(mode: ReceiverMode, secret: string | null, verifyEvery = 10): Promise<void> {
    await this.ask({ type: 'configure', mode, secret, verifyEvery });
  }

  /** POSTs and distinct `webhook-id`s so far. */
  async counts(): Promise<ReceiverCounts> {
    const reply = await this.ask({ type: 'counts' });
    if (reply.counts === undefined) {
      throw new Error('the webhook receiver answered `counts` without them');
    }
    return reply.counts;
  }

  /** What it saw so far; it then starts counting afresh. */
  async drain(): Promise<ReceiverReport> {
    const reply = await this.ask({ type: 'drain' });
    if (reply.report === undefined) {
      throw new Error('the webhook receiver answered `drain` without a report');
    }
    return reply.report;
  }

  /** Stops the child. */
  async close(): Promise<void> {
    await stopChild(this.child, 'SIGTERM', 2000);
  }

  private ask(request: Request): Promise<Reply & { type: 'answer' }> {
    if (!isRunning(this.child)) {
      return Promise.reject(new Error('the webhook receiver is not running'));
    }
    const seq = (this.seq += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        reject(new Error(`the webhook receiver did not answer ${request.type} in time`));
      }, ASK_TIMEOUT_MS);
      this.waiting.set(seq, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ ...request, seq });
    });
  }
}

/** Fields of a body the receiver reads; anything else is ignored. */
interface Body {
  type?: unknown;
  timestamp?: unknown;
  data?: { messageId?: unknown };
}

function readBody(request: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return typeof value === 'string' ? value : '';
}

function runChild(): void {
  let mode: ReceiverMode = 'fast';
  let webhook: Webhook | null = null;
  let verifyEvery = 10;
  let report: ReceiverReport = emptyReport();
  const ids = new Set<string>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const record = (request: IncomingMessage, text: string): void => {
    const receivedAt = Date.now();
    let body: Body = {};
    try {
      body = JSON.parse(text) as Body;
    } catch {
      // Counted with empty fields: the figures then show it.
    }
    const webhookId = header(request, 'webhook-id');
    report.received.push({
      webhookId,
      type: typeof body.type === 'string' ? body.type : '',
      messageId: typeof body.data?.messageId === 'string' ? body.data.messageId : '',
      emittedAt: typeof body.timestamp === 'string' ? Date.parse(body.timestamp) : NaN,
      receivedAt,
    });
    ids.add(webhookId);
    if (webhook !== null && report.received.length % verifyEvery === 1 % verifyEvery) {
      report.verified += 1;
      try {
        webhook.verify(text, {
          'webhook-id': webhookId,
          'webhook-timestamp': header(request, 'webhook-timestamp'),
          'webhook-signature': header(request, 'webhook-signature'),
        });
      } catch (error) {
        report.badSignatures += 1;
        if (report.signatureErrors.length < 5) {
          report.signatureErrors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
  };

  const server = createServer((request, response) => {
    readBody(request, (text) => {
      record(request, text);
      if (mode === 'fast') {
        response.writeHead(204).end();
      } else {
        hanging.add(response);
        response.once('close', () => hanging.delete(response));
      }
    });
  });
  // A hanging request must stay open as long as ases waits for it (its own timeout decides).
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    report.connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const answer = (seq: number, fields: Omit<Reply & { type: 'answer' }, 'type' | 'seq'>): void => {
    process.send?.({ type: 'answer', seq, ...fields } satisfies Reply);
  };
  process.on('message', (message: Request & { seq: number }) => {
    switch (message.type) {
      case 'configure':
        mode = message.mode;
        webhook = message.secret === null ? null : new Webhook(message.secret);
        verifyEvery = Math.max(1, message.verifyEvery);
        for (const response of hanging) {
          response.destroy();
        }
        report = emptyReport();
        ids.clear();
        answer(message.seq, {});
        break;
      case 'counts':
        answer(message.seq, { counts: { requests: report.received.length, distinct: ids.size } });
        break;
      case 'drain':
        answer(message.seq, { report });
        report = emptyReport();
        ids.clear();
        break;
    }
  });
  // The harness is gone (however it died): nobody will ask any more.
  process.on('disconnect', () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    server.close(() => process.exit(0));
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` } satisfies Reply);
  });
}

function emptyReport(): ReceiverReport {
  return { received: [], connections: 0, verified: 0, badSignatures: 0, signatureErrors: [] };
}

if (require.main === module) {
  runChild();
}
