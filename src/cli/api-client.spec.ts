import { AsesApiClient, FetchPort } from './api-client';
import { ApiError, UnreachableError } from './cli-errors';

interface Call {
  url: string;
  init: RequestInit;
}

/** A fake fetch answering `answer` and recording every call. */
function fakeFetch(answer: () => Response | Promise<Response>): {
  fetch: FetchPort;
  calls: Call[];
} {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, init });
      return Promise.resolve(answer());
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('AsesApiClient', () => {
  it('sends the key and JSON body to the path under the base URL, prefix included', async () => {
    const fake = fakeFetch(() => json(202, { id: 'm1', status: 'QUEUED' }));
    const client = new AsesApiClient(new URL('http://ases.test/mail/'), 'k1', fake.fetch);
    await expect(client.send({ from: 'a@example.com' })).resolves.toEqual({
      id: 'm1',
      status: 'QUEUED',
    });
    expect(fake.calls[0].url).toBe('http://ases.test/mail/v1/messages');
    expect(fake.calls[0].init).toMatchObject({
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: '{"from":"a@example.com"}',
    });
  });

  it('encodes path parts and repeats list parameters', async () => {
    const fake = fakeFetch(() => json(200, { messages: [] }));
    const client = new AsesApiClient(new URL('http://ases.test'), 'k', fake.fetch);
    await client.findMessages({
      to: ['a@x.org', 'b+1@x.org'],
      status: 'BOUNCED',
      cursor: undefined,
    });
    await client.unsuppress('Jane Doe/x@example.org', 'marketing');
    expect(fake.calls.map((call) => call.url)).toEqual([
      'http://ases.test/v1/messages?to=a%40x.org&to=b%2B1%40x.org&status=BOUNCED',
      'http://ases.test/v1/suppressions/Jane%20Doe%2Fx%40example.org?category=marketing',
    ]);
  });

  it('tells a new suppression (201) from a replaced one (200)', async () => {
    let status = 201;
    const fake = fakeFetch(() => json(status, { email: 'a@x.org', source: 'manual' }));
    const client = new AsesApiClient(new URL('http://ases.test'), 'k', fake.fetch);
    await expect(client.suppress('a@x.org', { reason: 'r' })).resolves.toMatchObject({
      created: true,
    });
    status = 200;
    await expect(client.suppress('a@x.org', { reason: 'r' })).resolves.toMatchObject({
      created: false,
    });
  });

  it("turns an error answer into ApiError with ases's code and message", async () => {
    const body = { statusCode: 404, code: 'MESSAGE_NOT_FOUND', message: 'no message x', id: 'x' };
    const client = new AsesApiClient(
      new URL('http://ases.test'),
      'k',
      fakeFetch(() => json(404, body)).fetch,
    );
    const error = await client.message('x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'MESSAGE_NOT_FOUND',
      message: 'no message x',
      body,
    });
  });

  it('names the HTTP status when the error body is not ases JSON', async () => {
    const client = new AsesApiClient(
      new URL('http://ases.test'),
      'k',
      fakeFetch(() => new Response('<html>Bad gateway</html>\nmore', { status: 502 })).fetch,
    );
    await expect(client.sending()).rejects.toMatchObject({
      code: 'HTTP_502',
      message: '<html>Bad gateway</html>',
    });
  });

  it('turns a network failure or a timeout into UnreachableError naming the cause', async () => {
    const refused: FetchPort = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
        }),
      );
    await expect(
      new AsesApiClient(new URL('http://127.0.0.1:9'), 'k', refused).webhooks(),
    ).rejects.toEqual(new UnreachableError('cannot reach http://127.0.0.1:9: ECONNREFUSED'));
    const hanging: FetchPort = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
      );
    await expect(
      new AsesApiClient(new URL('http://ases.test'), 'k', hanging, 20).webhooks(),
    ).rejects.toEqual(new UnreachableError('no answer from http://ases.test within 0.02 s'));
  });
});
