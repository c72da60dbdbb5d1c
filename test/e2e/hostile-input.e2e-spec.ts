import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { LINGER_MS } from '../../src/core/request-body';
import { MAX_SNS_BODY_BYTES } from '../../src/feedback/sns-request-body';
import { LOCAL_MESSAGE_ID } from '../../src/mailer/dto/send-message.dto';
import { localAwsClients } from '../helpers/local-aws';
import { API_KEY, TestApp, startTestApp } from '../helpers/test-app';

/**
 * Hostile input, generated: thousands of request bodies from a fixed seed (so a failure replays)
 * against the real app, plus the cases an outside fuzz found, as fixed examples. Whatever comes
 * in: never a 5xx, every refusal in ases's JSON shape, and nothing queued for a refused body. The
 * app runs without send pollers, so the sendmail queue keeps every job it was given and the test
 * can read them all back at the end.
 */

const SEED = 20261201;
const GENERATED = 2400;
const PARALLEL = 8;

interface Call {
  what: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** A localMessageId the body asks for: it must not be recorded unless the call was accepted. */
  ids?: string[];
}

interface Answer {
  status: number;
  type: string;
  body: any;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const keyed = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

// ---------------------------------------------------------------------------------------------
// Generators

const SPECIALS = [
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\u2028',
  '\u2029',
  '\u0085',
  '\u009b',
  '\u0000',
  '\u007f',
  '\r\n',
  '\t',
  '😀', // above U+FFFF (the local SQS emulator's trouble, item 14)
  '𝔘',
  '"',
  ',',
  ';',
  ':',
  '<',
  '>',
  '@',
  '\\',
  '%ff',
  '__proto__',
];
const asciiChar = fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 });
const bmpChar = fc
  .integer({ min: 0xa0, max: 0xfffd })
  .filter((code) => code < 0xd800 || code > 0xdfff)
  .map((code) => String.fromCharCode(code));
const astralChar = fc
  .integer({ min: 0x10000, max: 0x10ffff })
  .map((code) => String.fromCodePoint(code));
const unit = fc.oneof(
  { weight: 8, arbitrary: asciiChar },
  { weight: 2, arbitrary: bmpChar },
  { weight: 1, arbitrary: astralChar },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIALS) },
);
const text = (maxLength = 30): fc.Arbitrary<string> => fc.string({ unit, maxLength });
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}([.+-][a-z0-9]{1,4})?$/);

const address: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: word.map((local) => `${local}@example.org`) },
  {
    weight: 2,
    arbitrary: fc.tuple(text(12), word).map(([name, local]) => `${name} <${local}@example.org>`),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(text(12), word).map(([name, local]) => `"${name}" <${local}@example.org>`),
  },
  { weight: 1, arbitrary: text(12).map((local) => `"${local}"@example.org`) },
  { weight: 1, arbitrary: fc.tuple(word, word).map(([a, b]) => `Doe, ${a} <${b}@example.org>`) },
  {
    weight: 1,
    arbitrary: fc.tuple(word, word).map(([a, b]) => `${a}@example.org, ${b}@example.org`),
  },
  { weight: 1, arbitrary: text(20) },
  { weight: 1, arbitrary: fc.constantFrom(null, 7, ['a@example.org'], { a: 1 }, '', true) },
);

const tagName = fc.oneof(
  { weight: 4, arbitrary: word },
  {
    weight: 2,
    arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'),
  },
  { weight: 1, arbitrary: text(10) },
);
const tags = fc
  .array(fc.tuple(tagName, fc.oneof(text(20), fc.constantFrom(null, 3, [], {}))), { maxLength: 12 })
  .map((entries) => Object.fromEntries(entries));

/** Objects and arrays nested `depth` deep (the app refuses past 32). */
const nested = fc.integer({ min: 1, max: 60 }).map((depth) => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i += 1) {
    value = i % 2 === 0 ? { a: value } : [value];
  }
  return value;
});

const oddValue = fc.oneof(
  fc.constantFrom(null, 0, -1, 1e308, true, false, [], {}, '', ' '),
  text(),
  nested,
  fc.array(text(5), { maxLength: 3 }),
);

const html = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constant(
      '<html><body><p>hello <a href="https://shop.example.com/x">x</a></p></body></html>',
    ),
  },
  { weight: 3, arbitrary: text(200).map((body) => `<p>${body}</p>`) },
  { weight: 1, arbitrary: fc.integer({ min: 120, max: 140 }).map((kib) => 'x'.repeat(kib * 1024)) },
);

const FIELDS = ['from', 'to', 'subject', 'html', 'text', 'localMessageId', 'tags', 'track'];

const cleanUnit = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[ -~]$/) },
  { weight: 2, arbitrary: bmpChar.filter((char) => !/[\u2028\u2029]/.test(char)) },
  { weight: 1, arbitrary: astralChar },
);
const cleanText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: cleanUnit, minLength: 1, maxLength }).filter((value) => /\S/.test(value));
const cleanName = fc
  .string({ unit: cleanUnit, maxLength: 12 })
  .map((name) => name.replace(/["\\]/g, ''));

/** A message that should be accepted: every form of address and text ases takes. */
const validMessage = (index: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .record({
      from: fc.oneof(
        word.map((local) => `${local}@example.com`),
        fc.tuple(cleanName, word).map(([name, local]) => `"${name}" <${local}@example.com>`),
      ),
      to: fc.oneof(
        word.map((local) => `${local}@example.org`),
        word.map((local) => `"${local} x"@example.org`),
        fc.tuple(cleanName, word).map(([name, local]) => `"${name}" <${local}@example.org>`),
      ),
      subject: cleanText(80),
      html: fc.option(
        html.filter((body) => body.length < 100_000),
        { nil: undefined },
      ),
      text: fc.option(cleanText(200), { nil: undefined }),
      tags: fc.option(fc.dictionary(word, cleanText(20), { maxKeys: 5 }), { nil: undefined }),
      track: fc.option(
        fc.record({ opens: fc.boolean(), clicks: fc.boolean() }, { requiredKeys: [] }),
        {
          nil: undefined,
        },
      ),
    })
    .map((fields) => {
      const body: Record<string, unknown> = { ...fields, localMessageId: `fz-${SEED}-${index}` };
      if (body.html === undefined && body.text === undefined) {
        body.text = 'hello';
      }
      return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    });

/** A message from hostile parts, then a few fields replaced, dropped or added. */
const hostileMessage = (index: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .record({
      from: address,
      to: address,
      subject: fc.oneof({ weight: 3, arbitrary: text(60) }, { weight: 1, arbitrary: text(1100) }),
      html: fc.option(html, { nil: undefined }),
      text: fc.option(text(100), { nil: undefined }),
      tags: fc.option(tags, { nil: undefined }),
      track: fc.option(
        fc.oneof(
          fc.record({ opens: fc.boolean(), clicks: fc.boolean() }, { requiredKeys: [] }),
          oddValue,
        ),
        { nil: undefined },
      ),
      changes: fc.array(
        fc.tuple(
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...FIELDS) },
            { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString') },
            { weight: 1, arbitrary: word },
          ),
          fc.oneof(
            { weight: 1, arbitrary: fc.constant(undefined) },
            { weight: 3, arbitrary: oddValue },
          ),
        ),
        { maxLength: 2 },
      ),
    })
    .map(({ changes, ...fields }) => {
      // Own properties for every key, `__proto__` included (as JSON.parse makes them).
      const entries = Object.entries({ ...fields, localMessageId: `fz-${SEED}-${index}` });
      for (const [key, value] of changes) {
        const at = entries.findIndex(([name]) => name === key);
        if (at >= 0) {
          entries.splice(at, 1);
        }
        if (value !== undefined) {
          entries.push([key, value]);
        }
      }
      return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
    });

const message = (index: number): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    { weight: 2, arbitrary: validMessage(index) },
    { weight: 3, arbitrary: hostileMessage(index) },
  );

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
      '',
    ),
  },
);

/** How the bytes go out: mostly as they are; sometimes cut, form-encoded or gzipped. */
const encoding = fc.oneof(
  { weight: 12, arbitrary: fc.constant('plain' as const) },
  { weight: 1, arbitrary: fc.constantFrom('truncated' as const, 'form' as const, 'gzip' as const) },
);

function encode(
  value: unknown,
  how: 'plain' | 'truncated' | 'form' | 'gzip',
): { body: Buffer; headers: Record<string, string> } {
  const bytes = json(value);
  switch (how) {
    case 'plain':
      return { body: bytes, headers: {} };
    case 'truncated':
      return { body: bytes.subarray(0, Math.floor(bytes.length / 2)), headers: {} };
    case 'form':
      return {
        body: Buffer.from(
          new URLSearchParams(
            Object.entries(value as object).map(([k, v]): [string, string] => [
              k,
              typeof v === 'string' ? v : JSON.stringify(v),
            ]),
          ).toString(),
        ),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
    case 'gzip':
      return { body: gzipSync(bytes), headers: { 'content-encoding': 'gzip' } };
  }
}

function idsOf(value: unknown): string[] {
  const id = (value as { localMessageId?: unknown } | null)?.localMessageId;
  return typeof id === 'string' ? [id] : [];
}

const sendCall = (index: number): fc.Arbitrary<Call> =>
  fc
    .tuple(message(index), contentType, encoding, fc.integer({ min: 0, max: 30 }))
    .map(([body, type, how, auth]) => {
      const encoded = encode(body, how);
      const headers: Record<string, string> = {
        ...keyed,
        'content-type': type,
        ...encoded.headers,
      };
      if (auth === 0) {
        delete headers.authorization;
      }
      return {
        what: 'send',
        method: 'POST',
        path: '/v1/messages',
        headers,
        body: encoded.body,
        ids: idsOf(body),
      };
    });

const batchCall = (index: number): fc.Arbitrary<Call> =>
  fc
    .tuple(
      fc.array(fc.nat(), { minLength: 0, maxLength: 4 }),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('plain') },
        { weight: 1, arbitrary: fc.constantFrom('extra-key', 'not-array', 'proto', 'too-many') },
      ),
    )
    .chain(([sizes, wrapper]) =>
      fc.tuple(
        fc.tuple(...sizes.map((_, item) => message(index * 10 + item))),
        fc.constant(wrapper),
      ),
    )
    .map(([messages, wrapper]) => {
      let body: unknown = { messages };
      if (wrapper === 'extra-key') {
        body = { messages, other: 1 };
      } else if (wrapper === 'not-array') {
        body = { messages: messages[0] ?? {} };
      } else if (wrapper === 'proto') {
        body = Object.fromEntries([
          ['messages', messages],
          ['__proto__', { messages: [] }],
        ]);
      } else if (wrapper === 'too-many') {
        body = { messages: Array.from({ length: 501 }, () => ({})) };
      }
      return {
        what: `batch (${wrapper})`,
        method: 'POST',
        path: '/v1/messages/batch',
        headers: keyed,
        body: json(body),
        ids: messages.flatMap(idsOf),
      };
    });

const readCall = fc.oneof(
  text(30).map((id): Call => ({
    what: 'status',
    method: 'GET',
    path: `/v1/messages/${encodePath(id)}`,
    headers: keyed,
  })),
  fc.tuple(text(10), text(10), text(10)).map(([status, limit, cursor]): Call => ({
    what: 'failed list',
    method: 'GET',
    path: `/v1/messages?${new URLSearchParams({ status, limit, cursor }).toString()}`,
    headers: keyed,
  })),
  fc.tuple(text(10), text(10)).map(([limit, cursor]): Call => ({
    what: 'suppression list',
    method: 'GET',
    path: `/v1/suppressions?${new URLSearchParams({ limit, cursor }).toString()}&limit=2`,
    headers: keyed,
  })),
  text(30).map((email): Call => ({
    what: 'suppression',
    method: 'GET',
    path: `/v1/suppressions/${encodePath(email)}`,
    headers: keyed,
  })),
);

const otherCall = fc.oneof(
  readCall,
  text(20).map((segment): Call => ({
    what: 'pixel',
    method: 'GET',
    path: `/t/o/${encodePath(segment)}.gif`,
  })),
  text(20).map((segment): Call => ({
    what: 'link',
    method: 'GET',
    path: `/t/c/${encodePath(segment)}`,
  })),
  fc
    .tuple(text(40), fc.constantFrom('text/plain; charset=UTF-8', 'application/json'))
    .map(([body, type]): Call => ({
      what: 'sns',
      method: 'POST',
      path: '/v1/feedback/sns',
      headers: { 'content-type': type },
      body: Buffer.from(body),
    })),
  fc.tuple(text(30), fc.oneof(text(60), oddValue)).map(([email, reason]): Call => ({
    what: 'suppression',
    method: 'PUT',
    path: `/v1/suppressions/${encodePath(`fz-${email}@example.net`)}`,
    headers: keyed,
    body: json({ reason }),
  })),
);

/** A path segment, with the odd raw `%` escape left as it is (the URI decoder's trouble). */
function encodePath(segment: string): string {
  return segment
    .replace(/[\ud800-\udfff]/g, '%ed%a0%80')
    .split('%ff')
    .map((part) => encodeURIComponent(part))
    .join('%ff');
}

const calls: Call[] = fc.sample(
  fc
    .nat()
    .chain((n) =>
      fc.oneof(
        { weight: 14, arbitrary: sendCall(n) },
        { weight: 3, arbitrary: batchCall(n) },
        { weight: 3, arbitrary: otherCall },
      ),
    ),
  { seed: SEED, numRuns: GENERATED },
);
// Every localMessageId once: fz-<seed>-<n> with n drawn twice would be a replay, not a new body.
calls.forEach((call, index) => {
  if (call.body && call.ids && call.ids.length > 0 && call.what === 'send') {
    const fresh = `fz-${SEED}-s${index}`;
    call.body = Buffer.from(call.body.toString('latin1').split(call.ids[0]).join(fresh), 'latin1');
    call.ids = [fresh];
  }
});

// ---------------------------------------------------------------------------------------------

describe('hostile input (generated and found by an outside fuzz)', () => {
  let t: TestApp;
  let base: string;
  /** Ids accepted (202), in answers to single sends and batches. */
  const accepted = new Set<string>();
  /** localMessageIds of bodies that were refused. */
  const refused = new Set<string>();

  beforeAll(async () => {
    // No pollers: what is queued stays on the queue, for the test to read back.
    t = await startTestApp('hostile-input', { sendPollers: 0 });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    baseUrl = base;
  });

  afterAll(async () => {
    await t.close();
  });

  async function call(c: Call): Promise<Answer> {
    const response = await fetch(`${base}${c.path}`, {
      method: c.method,
      headers: c.headers,
      body: c.body,
    });
    const type = response.headers.get('content-type') ?? '';
    const raw = Buffer.from(await response.arrayBuffer());
    let body: unknown = raw;
    if (type.startsWith('application/json')) {
      body = JSON.parse(raw.toString('utf8'));
    }
    return { status: response.status, type, body };
  }

  /** What is wrong with an answer to `c`, or null. */
  function problemWith(c: Call, answer: Answer): string | null {
    if (answer.status >= 500) {
      return `${answer.status}`;
    }
    if (c.what === 'pixel') {
      return answer.status === 200 && answer.type === 'image/gif' ? null : 'pixel not a GIF';
    }
    if (answer.status === 202) {
      if (c.path === '/v1/messages') {
        accepted.add(answer.body.id);
      } else {
        for (const result of answer.body.results as Array<{ id?: string; error?: object }>) {
          if (result.id !== undefined) {
            accepted.add(result.id);
          }
        }
        const refusedItems = (answer.body.results as Array<{ error?: object }>).filter(
          (result) => result.error !== undefined,
        );
        if (refusedItems.some((result) => !('code' in (result.error ?? {})))) {
          return 'a batch item refused without a code';
        }
      }
      return null;
    }
    if (answer.status < 400) {
      return null;
    }
    c.ids?.forEach((id) => refused.add(id));
    const body = answer.body as { statusCode?: unknown; code?: unknown; message?: unknown };
    if (
      body?.statusCode !== answer.status ||
      typeof body.code !== 'string' ||
      typeof body.message !== 'string'
    ) {
      return `refusal not in ases's shape: ${JSON.stringify(answer.body).slice(0, 200)}`;
    }
    return null;
  }

  it(`answers ${GENERATED} generated requests (seed ${SEED}) without a 5xx, refusals in ases's shape`, async () => {
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < calls.length) {
          const c = calls[next];
          next += 1;
          const answer = await call(c);
          const problem = problemWith(c, answer);
          if (problem) {
            failures.push(
              `${c.what} ${c.method} ${c.path} → ${answer.status} ${problem}: ` +
                `${c.body?.toString('utf8').slice(0, 300) ?? ''} → ${JSON.stringify(answer.body).slice(0, 300)}`,
            );
          }
        }
      }),
    );
    expect(failures.slice(0, 5)).toEqual([]);
    // The generator reaches both sides of the line.
    expect(accepted.size).toBeGreaterThan(300);
    expect(refused.size).toBeGreaterThan(500);
  });

  describe('the cases found from outside', () => {
    const valid = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      from: 'news@example.com',
      to: 'jane@example.org',
      subject: 'hi',
      html: '<p>hello</p>',
      ...extra,
    });
    const send = (
      body: Buffer | string,
      headers: Record<string, string> = keyed,
    ): Promise<Answer> =>
      call({
        what: 'fixed',
        method: 'POST',
        path: '/v1/messages',
        headers,
        body: Buffer.from(body),
      });
    const expectRefused = (answer: Answer, status: number, code: string, field?: string): void => {
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
      if (field !== undefined) {
        expect(answer.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
        expect(answer.body.message).toContain(field);
      }
    };

    it.each(['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty'])(
      '1. refuses the tag name %s, naming it',
      async (name) => {
        const answer = await send(
          `{"from":"a@example.com","to":"b@example.org","subject":"hi","html":"x","tags":{"${name}":"x"}}`,
        );
        expectRefused(answer, 400, 'INVALID_MESSAGE', 'tags');
        expect(answer.body.message).toContain(`"${name}"`);
      },
    );

    it.each(['__proto__', 'constructor', 'toString'])(
      '2. refuses a top-level %s like any unknown field',
      async (name) => {
        const answer = await send(
          `{"from":"a@example.com","to":"b@example.org","subject":"hi","html":"x","${name}":{"a":1}}`,
        );
        expectRefused(answer, 400, 'INVALID_MESSAGE', name);
      },
    );

    it.each(['text', 'html', 'tags', 'track', 'localMessageId'])(
      '3. refuses null for %s, naming it',
      async (field) => {
        const answer = await send(json(valid({ text: 'plain', [field]: null })));
        expectRefused(answer, 400, 'INVALID_MESSAGE', field);
        expect(answer.body.message).toContain('not null');
      },
    );

    it.each(['from', 'to', 'subject', 'html', 'text'])(
      '4. refuses a lone surrogate in %s, naming it',
      async (field) => {
        const value = field === 'from' || field === 'to' ? '\ud800@example.com' : 'a\ud800b';
        const answer = await send(json(valid({ [field]: value })));
        expectRefused(answer, 400, 'INVALID_MESSAGE', field);
      },
    );

    it('5. refuses JSON nested 20 000 deep', async () => {
      const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
      expectRefused(await send(deep), 400, 'INVALID_REQUEST');
      const deepArray = `{"from":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      expectRefused(await send(deepArray), 400, 'INVALID_REQUEST');
    });

    it.each([
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ])('6. answers 415 to a %s body and queues nothing', async (type) => {
      const body =
        type === 'application/x-www-form-urlencoded'
          ? 'from=a@example.com&to=b@example.org&subject=hi&html=x&localMessageId=form-1'
          : JSON.stringify(valid({ localMessageId: 'form-1' }));
      expectRefused(
        await send(body, { ...keyed, 'content-type': type }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect((await t.status('form-1')).status).toBe(404);
    });

    it('7. answers invalid JSON 400 INVALID_REQUEST and 20 MB 413 PAYLOAD_TOO_LARGE', async () => {
      expectRefused(await send('{"from":'), 400, 'INVALID_REQUEST');
      const big = await rawExchange(
        `POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\n{"html":"`,
      );
      expect(big.status).toBe(413);
      expect(big.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
      // Chunked, so no length is declared: refused once the count passes the limit.
      const chunked = await rawExchange(
        `POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\n` +
          'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        Buffer.concat([
          Buffer.from(`${(15 * 1024 * 1024).toString(16)}\r\n`),
          Buffer.alloc(15 * 1024 * 1024, 0x20),
        ]),
      );
      expect(chunked.status).toBe(413);
      expect(chunked.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    });

    it('8. answers the pixel for a malformed escape, and 404 for such a link', async () => {
      const pixel = await call({ what: 'fixed', method: 'GET', path: '/t/o/%ff.gif' });
      expect(pixel).toMatchObject({ status: 200, type: 'image/gif' });
      const link = await call({ what: 'fixed', method: 'GET', path: '/t/c/%ff%fe' });
      expect(link.status).toBe(404);
      expect(link.body).toMatchObject({ code: 'LINK_NOT_FOUND' });
    });

    it.each(['application/json', 'text/plain; charset=UTF-8'])(
      '9. refuses a %s SNS body past the limit with 413, unread',
      async (type) => {
        const answer = await rawExchange(
          `POST /v1/feedback/sns HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\n` +
            `Content-Length: ${2 * 1024 * 1024}\r\n\r\n{`,
        );
        expect(answer.status).toBe(413);
        expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: MAX_SNS_BODY_BYTES });
      },
    );

    it('10. answers an unauthenticated body 401 at once, without waiting for the body', async () => {
      const started = Date.now();
      const answer = await rawExchange(
        'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100000\r\n\r\n{',
      );
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(answer.answeredAfterMs).toBeLessThan(1000);
      // What still comes is dropped for a moment (LINGER_MS), then the connection is closed.
      expect(answer.closedAfterMs).toBeLessThan(LINGER_MS + 1000);
      expect(Date.now() - started).toBeLessThan(LINGER_MS + 2000);
    });

    it('12. asks to quote a display name with a comma, and takes it quoted', async () => {
      const answer = await send(json(valid({ from: 'Doe, John <john@example.com>' })));
      expectRefused(answer, 400, 'INVALID_MESSAGE', 'from');
      expect(answer.body.message).toContain('"Doe, John" <john@example.com>');
      const quoted = await send(json(valid({ from: '"Doe, John" <john@example.com>' })));
      expect(quoted.status).toBe(202);
      accepted.add(quoted.body.id);
    });

    it.each(['\u2028', '\u2029', '\u0085', '\u009b', '\u0007'])(
      '13. refuses %j in a subject and in a display name',
      async (character) => {
        expectRefused(
          await send(json(valid({ subject: `a${character}b` }))),
          400,
          'INVALID_MESSAGE',
          'subject',
        );
        expectRefused(
          await send(json(valid({ to: `Jane${character} <jane@example.org>` }))),
          400,
          'INVALID_MESSAGE',
          'to',
        );
      },
    );

    it('14. takes characters above U+FFFF (the local SQS emulator must take them too)', async () => {
      const answer = await send(
        json(valid({ subject: 'hi 😀 𝔘', html: '<p>😀</p>', to: 'Zoë 😀 <zoe@example.org>' })),
      );
      expect(answer.status).toBe(202);
      accepted.add(answer.body.id);
    });

    it('15. takes a quoted local part', async () => {
      const answer = await send(json(valid({ to: '"john doe"@example.org' })));
      expect(answer.status).toBe(202);
      accepted.add(answer.body.id);
    });
  });

  it('queued exactly the accepted messages, and recorded no refused one', async () => {
    const queued = await drainSendmailQueue(t);
    expect([...queued].filter((id) => !accepted.has(id))).toEqual([]);
    expect([...accepted].filter((id) => !queued.has(id))).toEqual([]);
    // Only a well-formed localMessageId could have been recorded under its own name.
    const refusedOnly = [...refused].filter((id) => !accepted.has(id) && LOCAL_MESSAGE_ID.test(id));
    const recorded: string[] = [];
    for (const id of refusedOnly.slice(0, 200)) {
      if ((await t.status(id)).status !== 404) {
        recorded.push(id);
      }
    }
    expect(recorded).toEqual([]);
  });
});

/** The ids of every job on the app's sendmail queue (read, not deleted; nobody else reads it). */
async function drainSendmailQueue(t: TestApp): Promise<Set<string>> {
  const aws = localAwsClients();
  const ids = new Set<string>();
  try {
    for (let empty = 0; empty < 3;) {
      const { Messages = [] } = await aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: t.feedback.queueUrls.sendmail,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
          WaitTimeSeconds: 0,
        }),
      );
      empty = Messages.length === 0 ? empty + 1 : 0;
      for (const message of Messages) {
        ids.add((JSON.parse(message.Body ?? '{}') as { id: string }).id);
      }
    }
  } finally {
    aws.destroy();
  }
  return ids;
}

/**
 * Sends the head of a request (and `payload`, if any) over a plain socket and reads the answer,
 * never sending the rest of the body: what a slow or oversized client does. Resolves once the
 * server has closed the connection (or 5 s after the answer), with when each happened.
 */
function rawExchange(
  head: string,
  payload?: Buffer,
): Promise<{ status: number; body: any; answeredAfterMs: number; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const started = Date.now();
    let answeredAt = 0;
    let data = '';
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(head);
      if (payload) {
        socket.write(payload);
      }
    });
    const finish = (): void => {
      clearTimeout(timer);
      const [headers, body = ''] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1]);
      if (!status) {
        reject(new Error(`no answer to ${head.split('\r\n')[0]}; got ${data}`));
        return;
      }
      resolve({
        status,
        body: body ? JSON.parse(body) : undefined,
        answeredAfterMs: answeredAt - started,
        closedAfterMs: Date.now() - started,
      });
    };
    const timer = setTimeout(() => socket.destroy(), 15_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answeredAt ||= Date.now();
      data += chunk;
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}

let baseUrl = '';
