import { randomBytes, randomUUID } from 'node:crypto';
import { provisionIsolatedFeedback } from '../helpers/local-aws';
import { API_KEY, TestApp, startTestApp, waitForStatus } from '../helpers/test-app';

/**
 * A host that configures AWS only through the module's options: `region`, `endpoints` and
 * `credentials`, with no AWS_* variable in its environment. ases reads no environment itself, so
 * SQS (and its queue-URL routing), SES and the S3 claim-check must all work from the options.
 */
describe('ases embedded with region, endpoints and credentials as options only', () => {
  const saved = new Map<string, string | undefined>();
  let t: TestApp;

  beforeAll(async () => {
    // Read what the global setup's stack left in the environment, then take all of it away.
    const env = process.env;
    const feedback = await provisionIsolatedFeedback('options-only');
    const sqs = env.AWS_ENDPOINT_URL_SQS!;
    const options = {
      region: env.AWS_REGION || 'us-east-1',
      endpoints: { sqs, ses: env.AWS_ENDPOINT_URL_SES!, s3: env.AWS_ENDPOINT_URL_S3 ?? sqs },
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID || 'local',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY || 'local',
      },
    };
    for (const name of Object.keys(env).filter((each) => each.startsWith('AWS_'))) {
      saved.set(name, env[name]);
      delete env[name];
    }
    t = await startTestApp('options-only', options, {
      shared: { feedback, keyPrefix: `ases-test:${feedback.queues.sendmail}:` },
    });
  });

  afterAll(async () => {
    await t?.close();
    for (const [name, value] of saved) {
      process.env[name] = value;
    }
  });

  const post = (body: object) =>
    t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send(body);
  const unique = (name: string): string => `${name}-${randomUUID().slice(0, 8)}@example.org`;

  it('runs with no AWS_* variable set', () => {
    expect(Object.keys(process.env).filter((name) => name.startsWith('AWS_'))).toEqual([]);
    expect(saved.size).toBeGreaterThan(0);
  });

  it('sends through SQS and SES, and hears the delivery back', async () => {
    const accepted = await post({
      from: t.sender(),
      to: unique('plain'),
      subject: 'options only',
      text: 'hello',
    });
    expect(accepted.status).toBe(202);
    await waitForStatus(t, accepted.body.id as string, 'DELIVERED', 30_000);
  });

  it('sends a job too large for SQS through the S3 claim-check', async () => {
    const accepted = await post({
      from: t.sender(),
      to: unique('large'),
      subject: 'options only, large',
      text: 'see attached',
      attachments: [{ filename: 'data.bin', content: randomBytes(400 * 1024).toString('base64') }],
    });
    expect(accepted.status).toBe(202);
    await waitForStatus(t, accepted.body.id as string, 'DELIVERED', 30_000);
  });
});
