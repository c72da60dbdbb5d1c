import { randomBytes } from 'node:crypto';
import { freePort } from '../helpers/free-port';
import { killAll, ServiceProcess, START_DEADLINE_MS } from '../helpers/service-process';
import { deleteKeys, waitFor } from '../helpers/test-app';
import { testRedisEnv } from '../helpers/test-redis';

/** The development key the service accepts when LOCAL_STACK=true and API_KEYS is unset. */
const LOCAL_KEY = 'local-dev-key';
const ADDRESS = /[\w.+-]+@[\w-]+(\.[\w-]+)+/;

type Line = Record<string, unknown>;

/** The lines of the output so far that parse as JSON objects (the last may still be partial). */
function jsonLines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((text) => text.startsWith('{') && text.endsWith('}'))
    .map((text) => JSON.parse(text) as Line);
}

afterAll(killAll);

describe('the standalone service with LOG_FORMAT=json', () => {
  const tag = randomBytes(4).toString('hex');
  const keyPrefix = `ases-logs-${tag}:`;
  const recipient = `Jane Logs <jane.logs-${tag}@customer.example>`;
  const subject = `Your order ${randomBytes(4).toString('hex')}`;
  let service: ServiceProcess;
  let api: string;
  let messageId: string;
  let sesMessageId: string;

  const lineOf = (msg: string): Line | undefined =>
    jsonLines(service.stdout).find((line) => line.msg === msg && line.messageId === messageId);

  beforeAll(async () => {
    const port = await freePort();
    service = ServiceProcess.start({
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      LOCAL_STACK: 'true',
      LOCAL_SQS_PORT: '0',
      LOCAL_SES_PORT: '0',
      PORT: String(port),
      REDIS_KEY_PREFIX: keyPrefix,
      ...testRedisEnv(),
    });
    const ready = await waitFor(
      () => jsonLines(service.stdout).find((line) => String(line.msg).startsWith('API ')),
      (line) => line !== undefined || service.hasExited,
      { timeoutMs: START_DEADLINE_MS, what: 'the service to log its API URL' },
    );
    if (ready === undefined) {
      throw new Error(`the service exited: ${service.stdout}\n${service.stderr}`);
    }
    api = /(http:\/\/\S+\/v1\/messages)/.exec(String(ready.msg))?.[1] ?? '';
  }, START_DEADLINE_MS + 10_000);

  afterAll(async () => {
    await service?.kill();
    await deleteKeys(keyPrefix);
  });

  it('logs each status change of a mail with its ids and statuses as JSON properties', async () => {
    const accepted = await fetch(api, {
      method: 'POST',
      headers: { Authorization: `Bearer ${LOCAL_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: 'news@example.com', to: recipient, subject, text: 'hello' }),
    });
    expect(accepted.status).toBe(202);
    messageId = ((await accepted.json()) as { id: string }).id;

    const delivered = await waitFor(
      () => lineOf('message DELIVERED'),
      (line) => line !== undefined,
      { timeoutMs: 20_000, what: `the DELIVERED line of ${messageId}` },
    );
    const record = (await (
      await fetch(`${api}/${messageId}`, { headers: { Authorization: `Bearer ${LOCAL_KEY}` } })
    ).json()) as { status: string; sesMessageId: string };
    expect(record.status).toBe('DELIVERED');
    sesMessageId = record.sesMessageId;

    expect(lineOf('message QUEUED')).toMatchObject({
      level: 'debug',
      context: 'ases',
      messageId,
      status: 'QUEUED',
      previousStatus: 'UNKNOWN',
      event: 'queued',
    });
    // Logged while serving the request: bound to its id, never to its headers.
    expect(lineOf('message QUEUED')).toHaveProperty('reqId');
    expect(lineOf('message QUEUED')).not.toHaveProperty('req');
    expect(lineOf('message PUSHED')).toMatchObject({
      level: 'debug',
      messageId,
      sesMessageId,
      status: 'PUSHED',
      previousStatus: 'QUEUED',
      event: 'pushed',
    });
    expect(delivered).toMatchObject({
      level: 'debug',
      context: 'ases',
      messageId,
      sesMessageId,
      status: 'DELIVERED',
      previousStatus: 'PUSHED',
      event: 'delivery',
      source: 'ses',
    });
    expect(Date.parse(String(delivered?.time))).not.toBeNaN();
  });

  // Last: stops the service, so that every line it wrote is read.
  it('writes nothing but JSON lines, without addresses, content or the API key', async () => {
    service.signal('SIGTERM');
    expect(await service.exitWithin(30_000)).toMatchObject({ code: 0 });
    const lines = service.stdout.split('\n').filter((text) => text !== '');
    expect(lines.length).toBeGreaterThan(10);
    for (const text of lines) {
      expect(text).toMatch(/^\{.*\}$/);
      expect(JSON.parse(text)).toEqual(
        expect.objectContaining({
          level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
          time: expect.any(String),
          msg: expect.any(String),
        }),
      );
      expect(text).not.toMatch(ADDRESS);
      expect(text).not.toContain(`jane.logs-${tag}`);
      expect(text).not.toContain('Jane Logs');
      expect(text).not.toContain(subject);
      expect(text).not.toContain(LOCAL_KEY);
    }
    expect(lines.some((text) => text.includes('SIGTERM: stopping'))).toBe(true);
    expect(lines.map((text) => (JSON.parse(text) as Line).level)).not.toContain('error');
  });
});

describe('the standalone service with a bad LOG_FORMAT', () => {
  afterEach(killAll);

  it('exits with code 1 at once, naming LOG_FORMAT and what it takes', async () => {
    const service = ServiceProcess.start({ LOG_FORMAT: 'bogus', LOG_LEVEL: 'loud' });
    const exit = await service.exitWithin(30_000);
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(service.stderr).toContain(
      '  - LOG_FORMAT: got "bogus"; expected one of json, pretty (default json when ' +
        'NODE_ENV=production, pretty otherwise)',
    );
    expect(service.stderr).toMatch(/^ {2}- LOG_LEVEL: got "loud"; expected one of trace, /m);
    expect(service.stdout).toBe('');
  });
});
