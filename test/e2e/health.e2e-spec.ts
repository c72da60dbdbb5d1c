import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { LocalAwsClients, localAwsClients } from '../helpers/local-aws';
import { API_KEY, TestApp, startTestApp, waitForStatus } from '../helpers/test-app';

describe('GET /health', () => {
  it('answers 200 when Redis and every queue answer', async () => {
    const t = await startTestApp('health-ok');
    try {
      const response = await t.http().get('/health');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        info: { redis: { status: 'up' }, queues: { status: 'up' } },
      });
    } finally {
      await t.close();
    }
  });

  it('answers 503 naming Redis when Redis does not answer, and so does the API', async () => {
    const t = await startTestApp('health-redis', { redis: { url: 'redis://127.0.0.1:1' } });
    try {
      const response = await t.http().get('/health');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down', message: expect.any(String) } },
        info: { queues: { status: 'up' } },
      });

      // Without Redis nothing can be recorded, so nothing is accepted: a 503 to retry, not a 500.
      const post = await t
        .http()
        .post('/v1/messages')
        .auth(API_KEY, { type: 'bearer' })
        .send({ from: t.sender(), to: 'jane@example.org', subject: 'no redis', text: 'x' });
      expect(post.status).toBe(503);
      expect(post.body).toMatchObject({ statusCode: 503, code: 'STORE_UNAVAILABLE' });
      const get = await t.status('any-id');
      expect(get.status).toBe(503);
      expect(get.body.code).toBe('STORE_UNAVAILABLE');
      for (const path of [
        '/v1/feedback/stats',
        '/v1/suppressions',
        '/v1/suppressions/a@b.example',
      ]) {
        const read = await t.http().get(path).auth(API_KEY, { type: 'bearer' });
        expect({ path, status: read.status, code: read.body.code }).toEqual({
          path,
          status: 503,
          code: 'STORE_UNAVAILABLE',
        });
      }
      // The pixel still answers: a mail client must never show a broken image.
      const pixel = await t.http().get('/t/o/anything.gif');
      expect(pixel.status).toBe(200);
      expect(pixel.headers['content-type']).toBe('image/gif');
    } finally {
      await t.close();
    }
  });

  describe('with a queue gone', () => {
    let t: TestApp;
    let aws: LocalAwsClients;

    beforeAll(async () => {
      aws = localAwsClients();
      t = await startTestApp('health-queue');
      await aws.sqs.send(new DeleteQueueCommand({ QueueUrl: t.feedback.queueUrls.deliveries }));
    });

    afterAll(async () => {
      await t.close();
      aws.destroy();
    });

    it('answers 503 naming the queue', async () => {
      const response = await t.http().get('/health');
      expect(response.status).toBe(503);
      expect(response.body.error.queues).toEqual({
        status: 'down',
        deliveries: expect.stringContaining('QueueDoesNotExist'),
      });
      expect(response.body.info.redis).toMatchObject({ status: 'up' });
    });
  });
});

describe('start-up', () => {
  it('takes queue URLs as well as names', async () => {
    const named = await startTestApp('queue-urls');
    await named.app.close();
    const t = await startTestApp(
      'queue-urls',
      { queues: named.feedback.queueUrls },
      { shared: named },
    );
    try {
      expect((await t.http().get('/health')).status).toBe(200);
      const response = await t.http().post('/v1/messages').auth(API_KEY, { type: 'bearer' }).send({
        from: t.sender(),
        to: 'bounce@simulator.amazonses.com',
        subject: 'url',
        text: 'x',
      });
      await waitForStatus(t, response.body.id, 'BOUNCED');
    } finally {
      await t.close();
    }
  });

  it('fails naming a queue that does not exist', async () => {
    await expect(
      startTestApp('health-missing', { queues: { bounces: 'no-such-queue-anywhere' } }),
    ).rejects.toThrow('the bounces queue "no-such-queue-anywhere" does not exist');
  });
});
