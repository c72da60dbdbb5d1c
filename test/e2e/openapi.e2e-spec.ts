import { randomBytes } from 'node:crypto';
import { AsesErrorCode } from '../../src/core/ases.exception';
import { freePort } from '../helpers/free-port';
import { killAll, ServiceProcess, START_DEADLINE_MS } from '../helpers/service-process';
import { deleteKeys, startTestApp, TestApp, waitFor } from '../helpers/test-app';
import { testRedisEnv } from '../helpers/test-redis';

const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponseDto' };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Error answers that are not ases's own `{ statusCode, code, message }` body. */
const OTHER_BODIES = new Set([
  // terminus's health report
  'GET /health 503',
  // the request is passed on: Nest's 404, or a host's own /metrics
  'GET /metrics 404',
]);

interface Operation {
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

function operations(document: any): Array<[string, Operation]> {
  return Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]): [string, Operation] => [
          `${method.toUpperCase()} ${path}`,
          operation,
        ]),
  );
}

function errorSchema(operation: Operation, status: string): unknown {
  return operation.responses[status]?.content?.['application/json']?.schema;
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: any;

  beforeAll(async () => {
    t = await startTestApp('openapi');
    const response = await t.http().get('/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  afterAll(async () => {
    await t.close();
  });

  it('gives every operation a summary', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter(([, operation]) => !operation.summary?.trim()).map(([name]) => name)).toEqual(
      [],
    );
  });

  it('describes the bearer scheme as an API key, not a JWT', () => {
    const scheme = document.components.securitySchemes.bearer;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'API key' });
    expect(scheme.description).toContain('API_KEYS');
    expect(scheme.description).toContain('Authorization: Bearer <key>');
  });

  it('documents 401 with the error schema on every operation behind the API key', () => {
    const guarded = operations(document).filter(([, operation]) =>
      operation.security?.some((requirement) => 'bearer' in requirement),
    );
    expect(guarded.map(([name]) => name)).toEqual(
      expect.arrayContaining(['POST /v1/messages', 'GET /v1/stats', 'GET /metrics']),
    );
    expect(guarded.filter(([, operation]) => errorSchema(operation, '401') === undefined)).toEqual(
      [],
    );
  });

  it("gives every error answer of ases's own the shared error schema", () => {
    const missing = operations(document).flatMap(([name, operation]) =>
      Object.keys(operation.responses)
        .filter((status) => Number(status) >= 400)
        .map((status) => `${name} ${status}`)
        .filter((answer) => !OTHER_BODIES.has(answer))
        .filter((answer) => {
          const [method, path, status] = answer.split(' ');
          return (
            JSON.stringify(errorSchema(document.paths[path][method.toLowerCase()], status)) !==
            JSON.stringify(ERROR_SCHEMA)
          );
        }),
    );
    expect(missing).toEqual([]);
    expect(document.components.schemas.ErrorResponseDto).toMatchObject({
      required: expect.arrayContaining(['statusCode', 'code', 'message']),
      properties: { code: { allOf: [{ $ref: '#/components/schemas/AsesErrorCode' }] } },
    });
    expect(document.components.schemas.AsesErrorCode.enum).toEqual(Object.values(AsesErrorCode));
  });

  it('lists what POST /v1/messages can refuse, each with its codes', () => {
    const send: Operation = document.paths['/v1/messages'].post;
    for (const status of ['400', '401', '409', '413', '415', '422', '503']) {
      expect([status, errorSchema(send, status)]).toEqual([status, ERROR_SCHEMA]);
    }
    const described = (status: string): string =>
      (send.responses[status] as { description: string }).description;
    expect(described('400')).toContain('INVALID_MESSAGE');
    expect(described('413')).toContain('PAYLOAD_TOO_LARGE');
    expect(described('415')).toContain('UNSUPPORTED_MEDIA_TYPE');
    expect(described('422')).toContain('RECIPIENT_SUPPRESSED');
    expect(described('503')).toContain('STORE_UNAVAILABLE');
    expect(described('503')).toContain('QUEUE_UNAVAILABLE');
  });
});

afterAll(killAll);

describe('DOCS_ENABLED=false (the standalone service)', () => {
  const keyPrefix = `ases-openapi-${randomBytes(4).toString('hex')}:`;
  let service: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    service = ServiceProcess.start({
      LOCAL_STACK: 'true',
      LOCAL_SQS_PORT: '0',
      LOCAL_SES_PORT: '0',
      PORT: String(port),
      REDIS_KEY_PREFIX: keyPrefix,
      DOCS_ENABLED: 'false',
      ...testRedisEnv(),
    });
    // The last URL main.ts prints before it is done: the server listens by then.
    await waitFor(
      () => service.stdout,
      (stdout) => service.hasExited || /\[ases\] Local SES mail viewer/.test(stdout),
      { timeoutMs: START_DEADLINE_MS, what: 'the service to start' },
    );
    expect(service.hasExited).toBe(false);
    base = `http://localhost:${port}`;
  }, START_DEADLINE_MS + 10_000);

  afterAll(async () => {
    await service?.kill();
    await deleteKeys(keyPrefix);
  });

  it('serves neither /docs nor /docs-json, and prints no OpenAPI URL', async () => {
    expect((await fetch(`${base}/docs`)).status).toBe(404);
    expect((await fetch(`${base}/docs-json`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(service.stdout).not.toContain('OpenAPI');
  });
});
