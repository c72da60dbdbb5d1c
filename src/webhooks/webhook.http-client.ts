import { Injectable } from '@nestjs/common';
import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { guardedLookup, literalHostProblem } from './webhook-target';

/** What one POST to an endpoint came to. */
export interface PostResult {
  /** The answer's status, when an answer came. */
  status?: number;
  latencyMs: number;
  /** Why there was no answer, or the start of a non-2xx answer's body. */
  error?: string;
}

/** How a POST is made. */
export interface PostOptions {
  timeoutMs: number;
  /** Allow loopback and private addresses (the local stack, tests). */
  allowPrivate: boolean;
}

/** Bytes of a failed answer's body kept as its error. */
const KEPT_ANSWER_BYTES = 200;

/**
 * The only code that calls webhook endpoints: one POST, no redirect followed (a 3xx is a failed
 * attempt), the whole exchange bounded by the timeout, every address the host resolves to checked
 * at connect time (see {@link guardedLookup}). Connections are kept alive per endpoint, as a
 * receiver handling hundreds of events a second expects; how many at once is the
 * dispatcher's to say (WEBHOOK_CONCURRENCY), not the agents'.
 */
@Injectable()
export class WebhookHttpClient {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    options: PostOptions,
  ): Promise<PostResult> {
    const started = performance.now();
    const target = new URL(url);
    const literal = literalHostProblem(target.hostname, options.allowPrivate);
    if (literal !== null) {
      return Promise.resolve({ latencyMs: 0, error: `refused: ${literal}` });
    }
    const https = target.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<PostResult, 'latencyMs'>): void => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve({ ...result, latencyMs: Math.round(performance.now() - started) });
        }
      };
      const req = send(
        target,
        {
          method: 'POST',
          agent: https ? this.httpsAgent : this.httpAgent,
          lookup: guardedLookup(options.allowPrivate),
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'ases-webhooks',
          },
        },
        (res) => {
          readAnswer(res, (text) => {
            const status = res.statusCode ?? 0;
            finish(
              status >= 200 && status < 300
                ? { status }
                : { status, error: `HTTP ${status}${text === '' ? '' : `: ${text}`}` },
            );
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        const refused = error.code === 'ASES_BLOCKED_ADDRESS' ? 'refused: ' : '';
        finish({ error: `${refused}${error.message}` });
      });
      req.end(body);
    });
  }

  /** Closes kept-alive connections (at shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Reads the start of an answer's body (what a failed answer says), and lets the rest go. */
function readAnswer(res: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    if (size < KEPT_ANSWER_BYTES) {
      chunks.push(chunk);
      size += chunk.length;
    }
  });
  res.on('end', () => {
    const text = Buffer.concat(chunks).subarray(0, KEPT_ANSWER_BYTES).toString('utf8');
    done(text.replace(/\s+/g, ' ').trim());
  });
  res.on('error', () => done(''));
}
