import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AsesErrorCode } from './ases.exception';
import {
  BodyLimits,
  UnreadBodyError,
  depthOf,
  lingerThenClose,
  parseJsonBody,
  readRequestBody,
} from './request-body';

const limits: BodyLimits = { maxBytes: 1000, idleTimeoutMs: 200, totalTimeoutMs: 600 };

/** A server that reads each body with `limits` and answers what came of it. */
async function bodyServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((request: IncomingMessage, response) => {
    readRequestBody(request, limits).then(
      (body) => response.end(`read ${body.length}`),
      (error: unknown) => {
        response.end(
          `${error instanceof UnreadBodyError ? 'unread' : 'other'} ${(error as { code?: string }).code}`,
        );
        lingerThenClose(request, 300);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Writes `head`, then `chunks` every `everyMs`; resolves with the answer's last line and when the socket closed. */
function exchange(
  port: number,
  head: string,
  chunks: string[] = [],
  everyMs = 0,
): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      let next = 0;
      const timer = setInterval(() => {
        if (next >= chunks.length || socket.destroyed) {
          clearInterval(timer);
          return;
        }
        socket.write(chunks[next]);
        next += 1;
      }, everyMs);
      socket.on('close', () => clearInterval(timer));
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (/\r\n\r\n.+/s.test(data) && /Connection: close/i.test(head)) {
        socket.end();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () =>
      resolve({
        answer: data.trim().split('\r\n').pop() ?? '',
        closedAfterMs: Date.now() - started,
      }),
    );
  });
}

const post = (headers: string, connection = 'close'): string =>
  `POST / HTTP/1.1\r\nHost: x\r\nConnection: ${connection}\r\n${headers}\r\n`;

describe('readRequestBody', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    ({ server, port } = await bodyServer());
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a body within the limits', async () => {
    const { answer } = await exchange(port, post('Content-Length: 5\r\n') + 'hello');
    expect(answer).toBe('read 5');
  });

  it('refuses a declared length over the limit before reading', async () => {
    const { answer } = await exchange(port, post('Content-Length: 1001\r\n'));
    expect(answer).toBe(`unread ${AsesErrorCode.PAYLOAD_TOO_LARGE}`);
  });

  it('refuses a chunked body as soon as it passes the limit', async () => {
    const chunk = `${(600).toString(16)}\r\n${'x'.repeat(600)}\r\n`;
    const { answer } = await exchange(
      port,
      post('Transfer-Encoding: chunked\r\n'),
      [chunk, chunk, chunk],
      20,
    );
    expect(answer).toContain(`unread ${AsesErrorCode.PAYLOAD_TOO_LARGE}`);
  });

  it('gives up on a body that stalls', async () => {
    const { answer, closedAfterMs } = await exchange(port, post('Content-Length: 10\r\n') + 'abc');
    expect(answer).toBe(`unread ${AsesErrorCode.REQUEST_TIMEOUT}`);
    expect(closedAfterMs).toBeGreaterThanOrEqual(200);
  });

  it('gives up on a body that drips past the total time, and closes after the linger', async () => {
    const drip = Array.from({ length: 40 }, () => 'x');
    const { answer, closedAfterMs } = await exchange(
      port,
      post('Content-Length: 100\r\n', 'keep-alive'),
      drip,
      50,
    );
    expect(answer).toBe(`unread ${AsesErrorCode.REQUEST_TIMEOUT}`);
    // 600 ms to give up, 300 ms of linger, well before the drip would have ended (2 s).
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(1800);
  });
});

describe('parseJsonBody', () => {
  it('parses UTF-8 JSON', () => {
    expect(parseJsonBody(Buffer.from('{"a":["é",1]}'))).toEqual({ a: ['é', 1] });
  });

  it('answers INVALID_REQUEST to what does not parse', () => {
    expect(() => parseJsonBody(Buffer.from('{"a":'))).toThrow(
      expect.objectContaining({ code: AsesErrorCode.INVALID_REQUEST }),
    );
  });

  it('refuses nesting past 32 levels, however deep', () => {
    expect(parseJsonBody(Buffer.from('['.repeat(32) + ']'.repeat(32)))).toBeDefined();
    for (const depth of [33, 20_000]) {
      expect(() =>
        parseJsonBody(Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
      ).toThrow(/deeper than 32 levels/);
    }
  });
});

describe('depthOf', () => {
  it('counts objects and arrays, not scalars', () => {
    expect(depthOf('x', 32)).toBe(0);
    expect(depthOf({}, 32)).toBe(1);
    expect(depthOf({ a: [1, { b: null }] }, 32)).toBe(3);
  });

  it('stops counting past the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i += 1) {
      deep = [deep];
    }
    expect(depthOf(deep, 5)).toBe(6);
  });
});
