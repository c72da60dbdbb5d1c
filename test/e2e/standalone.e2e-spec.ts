import { randomBytes } from 'node:crypto';
import { freePort } from '../helpers/free-port';
import { killAll, ServiceProcess, START_DEADLINE_MS } from '../helpers/service-process';
import { deleteKeys, waitFor, type StoredMail } from '../helpers/test-app';
import { testRedisEnv } from '../helpers/test-redis';

/** The development key the service accepts when LOCAL_STACK=true and API_KEYS is unset. */
const LOCAL_KEY = 'local-dev-key';

/** The URLs the service prints once it listens (see src/main.ts). */
interface PrintedUrls {
  api: string;
  docs: string;
  health: string;
  viewer: string;
}

function printedUrls(stdout: string): Partial<PrintedUrls> {
  const find = (pattern: RegExp): string | undefined => pattern.exec(stdout)?.[1];
  return {
    api: find(/\[ases\] API +(http:\/\/\S+\/v1\/messages) /),
    docs: find(/\[ases\] OpenAPI +(http:\/\/\S+)/),
    health: find(/\[ases\] Health +(http:\/\/\S+)/),
    viewer: find(/\[ases\] Local SES mail viewer +(http:\/\/\S+)/),
  };
}

/** Waits until the service has printed every URL; fails with its output if it exits first. */
async function waitForUrls(service: ServiceProcess): Promise<PrintedUrls> {
  const urls = await waitFor(
    () => Promise.resolve(printedUrls(service.stdout)),
    (found) => service.hasExited || Object.values(found).filter(Boolean).length === 4,
    { timeoutMs: START_DEADLINE_MS, intervalMs: 100, what: 'the service to print its URLs' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nstdout:\n${service.stdout}\nstderr:\n${service.stderr}`);
  });
  if (service.hasExited) {
    throw new Error(
      `the service exited during start-up; stdout:\n${service.stdout}\nstderr:\n${service.stderr}`,
    );
  }
  return urls as PrintedUrls;
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

afterAll(killAll);

describe('the standalone service (src/main.ts as a child process, its own local stack)', () => {
  const keyPrefix = `ases-standalone-${randomBytes(4).toString('hex')}:`;
  let service: ServiceProcess;
  let port: number;
  let urls: PrintedUrls;
  /** The message the README walk-through sends, once it has bounced. */
  let bounced: Record<string, any> | undefined;

  const authorized = { Authorization: `Bearer ${LOCAL_KEY}` };
  const status = (id: string) =>
    getJson(`${urls.api}/${encodeURIComponent(id)}`, { headers: authorized });

  beforeAll(async () => {
    port = await freePort();
    service = ServiceProcess.start({
      LOCAL_STACK: 'true',
      LOCAL_SQS_PORT: '0',
      LOCAL_SES_PORT: '0',
      PORT: String(port),
      REDIS_KEY_PREFIX: keyPrefix,
      ...testRedisEnv(),
    });
    urls = await waitForUrls(service);
  }, START_DEADLINE_MS + 10_000);

  afterAll(async () => {
    await service?.kill();
    await deleteKeys(keyPrefix);
  });

  it('prints the API, OpenAPI and mail viewer URLs, on the port given and its own stack', () => {
    expect(urls.api).toBe(`http://localhost:${port}/v1/messages`);
    expect(urls.docs).toBe(`http://localhost:${port}/docs`);
    expect(urls.health).toBe(`http://localhost:${port}/health`);
    expect(urls.viewer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // Not the stack of the Jest global setup: the child started its own.
    expect(new URL(urls.viewer).origin).not.toBe(
      new URL(process.env.AWS_ENDPOINT_URL_SES ?? 'http://unset.invalid').origin,
    );
  });

  it('answers /health with 200 and /docs with the OpenAPI UI listing /v1/messages', async () => {
    const health = await getJson(urls.health);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { redis: { status: 'up' }, queues: { status: 'up' } },
    });

    const ui = await fetch(urls.docs);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('swagger-ui');

    const openApi = await getJson(`${urls.docs}-json`);
    expect(openApi.status).toBe(200);
    expect(openApi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openApi.body.paths)).toEqual(
      expect.arrayContaining(['/v1/messages', '/v1/messages/{id}', '/v1/messages/batch']),
    );
  });

  it('walks through the README: 202 QUEUED, then PUSHED with an SES id, then BOUNCED', async () => {
    const accepted = await getJson(urls.api, {
      method: 'POST',
      headers: { ...authorized, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        from: 'news@example.com',
        to: 'bounce@simulator.amazonses.com',
        subject: 'hi',
        html: '<p>hello</p>',
      }),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ id: expect.any(String), status: 'QUEUED' });
    const id = accepted.body.id as string;

    // The simulator holds the bounce back for 150 ms after the send, so a fast poll sees PUSHED.
    const seen: Array<Record<string, any>> = [];
    const final = await waitFor(
      async () => {
        const response = await status(id);
        expect(response.status).toBe(200);
        if (seen.at(-1)?.status !== response.body.status) {
          seen.push(response.body);
        }
        return response.body as Record<string, any>;
      },
      (record) => record.status === 'BOUNCED',
      { timeoutMs: 20_000, intervalMs: 10, what: `message ${id} to be BOUNCED` },
    );
    const statuses = seen.map((record) => record.status as string);
    expect(statuses.filter((s) => s !== 'QUEUED')).toEqual(['PUSHED', 'BOUNCED']);
    const pushed = seen.find((record) => record.status === 'PUSHED');
    expect(pushed?.sesMessageId).toEqual(expect.any(String));
    expect(pushed?.bounce).toBeUndefined();

    expect(final).toMatchObject({
      id,
      from: 'news@example.com',
      to: 'bounce@simulator.amazonses.com',
      subject: 'hi',
      sesMessageId: pushed?.sesMessageId,
      bounce: {
        type: 'Permanent',
        subType: 'General',
        status: '5.1.1',
        diagnosticCode: expect.stringContaining('5.1.1'),
      },
    });
    // bouncedAt is SES's time of the bounce, pushedAt ours once SES answered: either may be first
    // by a few ms. Both follow the acceptance.
    expect(Date.parse(final.bouncedAt)).toBeGreaterThanOrEqual(Date.parse(final.queuedAt));
    bounced = final;
  });

  it('counts an open when the pixel in the mail the viewer holds is loaded', async () => {
    expect(bounced).toBeDefined();
    const message = bounced as Record<string, any>;

    const viewer = await fetch(urls.viewer);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toContain('text/html');

    const store = await getJson(`${urls.viewer}store`);
    expect(store.status).toBe(200);
    const mail = (store.body.emails as StoredMail[]).find(
      (stored) => stored.messageId === message.sesMessageId,
    );
    expect(mail).toBeDefined();
    const pixel = /<img src="([^"]+\/t\/o\/[^"]+\.gif)"/.exec(mail?.body.html ?? '')?.[1];
    expect(pixel).toMatch(new RegExp(`^http://localhost:${port}/t/o/`));

    const response = await fetch(pixel as string);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/gif');
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 6)
        .toString('latin1'),
    ).toBe('GIF89a');

    const after = await status(message.id as string);
    expect(after.body.status).toBe('BOUNCED');
    // Node's fetch says `node`: an HTTP library, not a person.
    expect(after.body.opens).toEqual({
      count: 1,
      humanCount: 0,
      firstAt: expect.any(String),
      lastAt: expect.any(String),
      bySource: { ases: 1 },
      byClass: { scanner: 1 },
    });
    expect(after.body.opens.firstAt).toBe(after.body.opens.lastAt);
    expect(Number.isNaN(Date.parse(after.body.opens.firstAt))).toBe(false);
  });

  // Last: stops the service.
  it('exits with code 0 on SIGTERM, without errors in its log', async () => {
    service.signal('SIGTERM');
    // The bound is the service's own: the last long poll (5 s) and the drain (15 s) at most.
    const exit = await service.exitWithin(30_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(service.stdout).toContain('SIGTERM: stopping');
    expect(service.stdout).not.toMatch(/\b(ERROR|WARN)\b/);
    expect(service.stderr).not.toMatch(/error/i);
  });
});

describe('the standalone service with a bad environment', () => {
  afterEach(killAll);

  it('exits with code 1 at once, naming every bad variable on stderr', async () => {
    const service = ServiceProcess.start({
      SEND_RATE: 'fast',
      PORT: '99999',
      LOCAL_STACK: 'false',
    });
    const exit = await service.exitWithin(30_000);
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(service.stderr.startsWith('Invalid environment:')).toBe(true);
    for (const variable of ['SEND_RATE', 'PORT', 'API_KEYS', 'TRACKING_SECRET']) {
      expect(service.stderr).toMatch(new RegExp(`^  - ${variable}\\b`, 'm'));
    }
    expect(service.stderr).toContain('"fast"');
    expect(service.stderr).toContain('"99999"');
    expect(service.stdout).toBe('');
  });

  it('names secrets it refuses without showing them', async () => {
    const secrets = {
      API_KEYS: 'short-key-4711,other-key-0815',
      TRACKING_SECRET: 'tiny-secret-value-42',
      REDIS_URL: 'http://:hunter2-password@127.0.0.1:6379',
    };
    const service = ServiceProcess.start({ LOCAL_STACK: 'false', ...secrets });
    const exit = await service.exitWithin(30_000);
    expect(exit.code).toBe(1);
    expect(service.stderr.startsWith('Invalid environment:')).toBe(true);
    for (const variable of Object.keys(secrets)) {
      expect(service.stderr).toMatch(new RegExp(`^  - ${variable}\\b`, 'm'));
    }
    const output = service.stdout + service.stderr;
    for (const secret of ['short-key-4711', 'other-key-0815', 'tiny-secret', 'hunter2']) {
      expect(output).not.toContain(secret);
    }
  });
});
