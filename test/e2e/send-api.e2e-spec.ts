import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { randomBytes, randomUUID } from 'node:crypto';
import { ScheduleRepository, shardOf } from '../../src/mailer/schedule.repository';
import { localAwsClients } from '../helpers/local-aws';
import { createTestRedis } from '../helpers/test-redis';
import { API_KEY, TestApp, startTestApp, waitFor, waitForStatus } from '../helpers/test-app';

/** A mail as the local SES's `/store` lists it (with what the ases proxy adds). */
interface StoredMail {
  messageId: string;
  from: string;
  subject: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  body: { html?: string; text?: string };
  attachments: Array<{
    filename?: string;
    contentType: string;
    content: string;
    size: number;
    cid?: string;
    contentDisposition?: string;
  }>;
  headers?: Array<{ name: string; value: string }>;
  /** Every Destination SES was given, bare. */
  envelope?: string[];
  configurationSet?: string;
  tags?: Array<{ name: string; value: string }> | Record<string, string>;
}

async function storedMail(): Promise<StoredMail[]> {
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL_SES}/store`);
  return ((await response.json()) as { emails: StoredMail[] }).emails;
}

/** The mail SES took for a message, once it is PUSHED. */
async function mailOf(t: TestApp, id: string): Promise<StoredMail> {
  const record = await waitFor(
    () => t.status(id).then((res) => res.body as Record<string, any>),
    (body) => typeof body.sesMessageId === 'string',
    { what: `message ${id} to be pushed` },
  );
  const mails = await waitFor(
    storedMail,
    (list) => list.some((mail) => mail.messageId === record.sesMessageId),
    { what: `the local SES to store ${String(record.sesMessageId)}` },
  );
  return mails.find((mail) => mail.messageId === record.sesMessageId)!;
}

/** Jobs on the app's sendmail queue: visible, in flight or delayed. */
async function jobsOnQueue(t: TestApp): Promise<number> {
  const aws = localAwsClients();
  try {
    const { Attributes = {} } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: t.feedback.queueUrls.sendmail,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
  } finally {
    aws.destroy();
  }
}

const header = (mail: StoredMail, name: string): string | undefined =>
  mail.headers?.find((field) => field.name.toLowerCase() === name.toLowerCase())?.value;

describe('send API: recipients, content, unsubscribe, send later, templates (local stack)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('send-api');
  });

  afterAll(async () => {
    await t.close();
  });

  const post = (body: unknown) =>
    t
      .http()
      .post('/v1/messages')
      .set('content-type', 'application/json')
      .auth(API_KEY, { type: 'bearer' })
      .send(body as object);
  const unique = (name: string): string => `${name}-${randomUUID().slice(0, 8)}@example.org`;

  describe('recipients and content', () => {
    it('sends to, cc and bcc in one SES call, bcc in no header, with Reply-To and custom headers', async () => {
      const [to1, to2, cc, bcc] = [unique('to1'), unique('to2'), unique('cc'), unique('bcc')];
      const accepted = await post({
        from: t.sender(),
        to: [to1, `Second <${to2}>`],
        cc,
        bcc: [bcc],
        replyTo: 'help@example.com',
        headers: { 'X-Campaign': 'winter', 'X-Ref': 'Grüße 42' },
        subject: 'many',
        text: 'hello all',
        configurationSet: 'ases-events',
        sesTags: { campaign: 'winter-2026' },
      });
      expect(accepted.status).toBe(202);
      const mail = await mailOf(t, accepted.body.id);
      expect(mail.destination.to.join(',')).toContain(to1);
      expect(mail.destination.to.join(',')).toContain(to2);
      expect(mail.destination.cc.join(',')).toContain(cc);
      expect(mail.destination.bcc).toEqual([bcc]);
      expect(mail.replyTo.join(',')).toContain('help@example.com');
      expect(header(mail, 'X-Campaign')).toBe('winter');
      expect(header(mail, 'X-Ref')).toContain('42');
      expect(mail.headers?.some((field) => field.value.includes(bcc))).toBe(false);
      expect(mail.configurationSet).toBe('ases-events');
      const record = (await t.status(accepted.body.id)).body as Record<string, any>;
      expect(record.cc).toBe(cc);
      expect(record.bcc).toBe(bcc);
      expect(
        (record.recipients as Array<{ address: string; kind: string }>).map(
          (item) => `${item.kind}:${item.address}`,
        ),
      ).toEqual([`to:${to1}`, `to:${to2}`, `cc:${cc}`, `bcc:${bcc}`]);
    });

    it('delivers attachments byte for byte, and an inline image by its Content-ID', async () => {
      const pdf = randomBytes(40_000);
      const png = randomBytes(3000);
      const accepted = await post({
        from: t.sender(),
        to: unique('files'),
        subject: 'invoice',
        html: '<p>Your invoice <img src="cid:logo@example.com"></p>',
        attachments: [
          { filename: 'invoice.pdf', content: pdf.toString('base64') },
          {
            filename: 'logo.png',
            content: png.toString('base64'),
            contentType: 'image/png',
            contentId: 'logo@example.com',
          },
        ],
      });
      expect(accepted.status).toBe(202);
      const mail = await mailOf(t, accepted.body.id);
      const invoice = mail.attachments.find((file) => file.filename === 'invoice.pdf')!;
      const logo = mail.attachments.find((file) => file.filename === 'logo.png')!;
      expect(Buffer.from(invoice.content, 'base64').equals(pdf)).toBe(true);
      expect(invoice.contentType).toBe('application/pdf');
      expect(Buffer.from(logo.content, 'base64').equals(png)).toBe(true);
      expect(logo).toMatchObject({ cid: 'logo@example.com', contentDisposition: 'inline' });
      // The local SES's parser resolves cid: links to the inline part they name.
      expect(mail.body.html).toContain(
        `<img src="data:image/png;base64,${png.toString('base64')}">`,
      );
    });

    it('sends a 5 MB attachment through S3, and deletes the object once it is pushed', async () => {
      const big = randomBytes(5 * 1024 * 1024);
      const accepted = await post({
        from: t.sender(),
        to: unique('big'),
        subject: 'big',
        text: 'see attached',
        attachments: [{ filename: 'data.bin', content: big.toString('base64') }],
      });
      expect(accepted.status).toBe(202);
      const mail = await mailOf(t, accepted.body.id);
      const file = mail.attachments.find((item) => item.filename === 'data.bin')!;
      expect(Buffer.from(file.content, 'base64').equals(big)).toBe(true);
      const s3 = new S3Client({
        region: 'us-east-1',
        endpoint: process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL_SQS,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      try {
        const objects = await waitFor(
          () =>
            s3.send(
              new ListObjectsV2Command({
                Bucket: process.env.S3_BUCKET ?? 'ases-local',
                Prefix: 'ases/jobs/',
              }),
            ),
          (listing) =>
            !(listing.Contents ?? []).some((object) =>
              object.Key?.includes(`/${String(accepted.body.id)}/`),
            ),
          { what: 'the S3 object to be deleted' },
        );
        expect(objects.Contents ?? []).not.toContainEqual(
          expect.objectContaining({ Key: expect.stringContaining(accepted.body.id) }),
        );
      } finally {
        s3.destroy();
      }
    });

    it('keeps each recipient status: a Delivery for one and a Bounce for another', async () => {
      const accepted = await post({
        from: t.sender(),
        to: 'success@simulator.amazonses.com',
        cc: 'bounce@simulator.amazonses.com',
        subject: 'two outcomes',
        text: 'x',
      });
      expect(accepted.status).toBe(202);
      const id = accepted.body.id as string;
      const record = await waitFor(
        () => t.status(id).then((res) => res.body as Record<string, any>),
        (body) =>
          Array.isArray(body.recipients) &&
          body.recipients.every((item: { status: string }) =>
            ['DELIVERED', 'BOUNCED'].includes(item.status),
          ),
        { what: 'both recipients to have an outcome', timeoutMs: 20_000 },
      );
      expect(record.status).toBe('BOUNCED');
      const byAddress = Object.fromEntries(
        (record.recipients as Array<{ address: string; status: string }>).map((item) => [
          item.address,
          item,
        ]),
      );
      expect(byAddress['success@simulator.amazonses.com']).toMatchObject({ status: 'DELIVERED' });
      expect(byAddress['bounce@simulator.amazonses.com']).toMatchObject({
        status: 'BOUNCED',
        kind: 'cc',
      });
      const suppression = (path: string) =>
        t.http().get(`/v1/suppressions/${path}`).auth(API_KEY, { type: 'bearer' });
      expect((await suppression('bounce@simulator.amazonses.com')).status).toBe(200);
      expect((await suppression('success@simulator.amazonses.com')).status).toBe(404);

      // A suppressed recipient refuses the next message, naming it, unless skipSuppressed.
      const refused = await post({
        from: t.sender(),
        to: 'success@simulator.amazonses.com',
        bcc: 'bounce@simulator.amazonses.com',
        subject: 'again',
        text: 'x',
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'RECIPIENT_SUPPRESSED' });
      expect(refused.body.message).toContain('bounce@simulator.amazonses.com');
      const skipping = await post({
        from: t.sender(),
        to: 'success@simulator.amazonses.com',
        bcc: 'bounce@simulator.amazonses.com',
        subject: 'again, skipping',
        text: 'x',
        skipSuppressed: true,
      });
      expect(skipping.status).toBe(202);
      expect(skipping.body.skipped).toEqual([
        expect.objectContaining({ email: 'bounce@simulator.amazonses.com', source: 'bounce' }),
      ]);
      const mail = await mailOf(t, skipping.body.id);
      expect(mail.destination.bcc).toEqual([]);
      expect(mail.envelope).toEqual(['success@simulator.amazonses.com']);
    });

    it('leaves out a recipient suppressed while the message waited, and sends to the others', async () => {
      const [kept, dropped] = [unique('kept'), unique('dropped')];
      const accepted = await post({
        from: t.sender(),
        to: kept,
        cc: dropped,
        subject: 'waiting',
        text: 'x',
        sendAt: new Date(Date.now() + 2000).toISOString(),
      });
      expect(accepted.status).toBe(202);
      const suppressed = await t
        .http()
        .put(`/v1/suppressions/${dropped}`)
        .auth(API_KEY, { type: 'bearer' })
        .send({ reason: 'asked by phone' });
      expect(suppressed.status).toBe(201);
      const mail = await mailOf(t, accepted.body.id);
      expect(mail.envelope).toEqual([kept]);
      const record = await waitFor(
        () => t.status(accepted.body.id).then((res) => res.body as Record<string, any>),
        (body) =>
          (body.recipients as Array<{ status: string }>).some(
            (item) => item.status === 'SUPPRESSED',
          ),
        { what: 'the left-out recipient to show SUPPRESSED' },
      );
      // The message's status is the sent recipient's (PUSHED, or DELIVERED once the simulator
      // reports), not the held-back one's.
      const [to, cc] = record.recipients as Array<{
        address: string;
        kind: string;
        status: string;
      }>;
      expect(to).toMatchObject({ address: kept, kind: 'to' });
      expect(['PUSHED', 'DELIVERED']).toContain(to.status);
      expect(record.status).toBe(to.status);
      expect(cc).toMatchObject({ address: dropped, kind: 'cc', status: 'SUPPRESSED' });
    });

    it.each([
      [
        'more than 50 recipients',
        {
          to: Array.from({ length: 30 }, (_, i) => `to${i}@example.org`),
          cc: Array.from({ length: 21 }, (_, i) => `cc${i}@example.org`),
        },
        /50/,
      ],
      [
        'an executable',
        { attachments: [{ filename: 'setup.exe', content: 'TVo=' }] },
        /setup\.exe/,
      ],
      ['a header ases owns', { headers: { From: 'x@example.org' } }, /From/],
      ['a header with a line break', { headers: { 'X-A': 'a\r\nBcc: b@example.org' } }, /X-A/],
      ['a bad configuration set', { configurationSet: 'no spaces allowed' }, /configurationSet/],
      ['a bad SES tag', { sesTags: { 'a b': 'c' } }, /sesTags/],
      [
        'a send time too far ahead',
        { sendAt: new Date(Date.now() + 31 * 86_400_000).toISOString() },
        /sendAt/,
      ],
    ])(
      'refuses %s with a 400 naming the field, and queues nothing',
      async (_name, extra, named) => {
        const localMessageId = `refused-${randomUUID()}`;
        const response = await post({
          from: t.sender(),
          to: unique('refused'),
          subject: 's',
          text: 'x',
          localMessageId,
          ...extra,
        });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('INVALID_MESSAGE');
        expect(response.body.message).toMatch(named);
        expect((await t.status(localMessageId)).status).toBe(404);
      },
    );
  });

  describe('one-click unsubscribe', () => {
    it('unsubscribes from marketing mail by a POST, while transactional mail still goes out', async () => {
      const reader = unique('reader');
      const first = await post({
        from: t.sender(),
        to: reader,
        subject: 'news',
        html: '<p>news</p>',
        category: 'marketing',
      });
      expect(first.status).toBe(202);
      const mail = await mailOf(t, first.body.id);
      const listUnsubscribe = header(mail, 'List-Unsubscribe') ?? '';
      expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      const url = /<(https?:\/\/[^>]+)>/.exec(listUnsubscribe)?.[1];
      expect(url).toMatch(/^http:\/\/ases\.test\/u\//);
      const path = new URL(url!).pathname;

      // A GET (a link scanner) shows a page and unsubscribes nobody.
      const page = await t.http().get(path);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<form');
      const marketing = {
        from: t.sender(),
        to: reader,
        subject: 'more news',
        text: 'x',
        category: 'marketing',
      };
      const stillSubscribed = await post({ ...marketing, localMessageId: `m-${randomUUID()}` });
      expect(stillSubscribed.status).toBe(202);

      const forged = await t
        .http()
        .post(`${path.slice(0, -2)}xx`)
        .type('form')
        .send('List-Unsubscribe=One-Click');
      expect(forged.status).toBe(404);

      const oneClick = await t.http().post(path).type('form').send('List-Unsubscribe=One-Click');
      expect(oneClick.status).toBe(200);

      const refused = await post(marketing);
      expect(refused.status).toBe(422);
      expect(refused.body.message).toContain('marketing');
      const transactional = await post({ ...marketing, category: undefined, subject: 'receipt' });
      expect(transactional.status).toBe(202);
      await mailOf(t, transactional.body.id);
      const record = (await t.status(first.body.id)).body as Record<string, any>;
      expect(record.events).toContainEqual(
        expect.objectContaining({ type: 'unsubscribed', recipient: reader }),
      );
    });
  });

  describe('send later', () => {
    it('sends a message no earlier than its sendAt', async () => {
      const sendAt = new Date(Date.now() + 4000);
      const accepted = await post({
        from: t.sender(),
        to: unique('later'),
        subject: 'later',
        text: 'x',
        sendAt: sendAt.toISOString(),
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.scheduledFor).toBe(sendAt.toISOString());
      const queued = (await t.status(accepted.body.id)).body as Record<string, any>;
      expect(queued).toMatchObject({ status: 'QUEUED', scheduledFor: sendAt.toISOString() });
      const pushed = await waitForStatus(t, accepted.body.id, 'PUSHED', 20_000);
      expect(Date.parse(pushed.pushedAt)).toBeGreaterThanOrEqual(sendAt.getTime() - 1000);
    });

    it('cancels a message before its time: CANCELED, and never sent', async () => {
      const accepted = await post({
        from: t.sender(),
        to: unique('canceled'),
        subject: 'canceled',
        text: 'x',
        sendAt: new Date(Date.now() + 3000).toISOString(),
      });
      const id = accepted.body.id as string;
      const canceled = await t
        .http()
        .delete(`/v1/messages/${id}`)
        .auth(API_KEY, { type: 'bearer' });
      expect(canceled.status).toBe(200);
      expect(canceled.body).toEqual({ id, status: 'CANCELED' });
      // The queue hands the job out when due, and the sender drops it: the queue empties.
      await waitFor(
        () => jobsOnQueue(t),
        (count) => count === 0,
        {
          what: 'the sendmail queue to be empty',
        },
      );
      const record = (await t.status(id)).body as Record<string, any>;
      expect(record).toMatchObject({ status: 'CANCELED' });
      expect(record.sesMessageId).toBeUndefined();
      const again = await t.http().delete(`/v1/messages/${id}`).auth(API_KEY, { type: 'bearer' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'NOT_CANCELABLE', status: 'CANCELED' });
    });

    it('keeps a message due beyond 15 minutes in the store schedule until a cancel drops it', async () => {
      const sendAt = new Date(Date.now() + 2 * 3600_000).toISOString();
      const accepted = await post({
        from: t.sender(),
        to: unique('far'),
        subject: 'far',
        text: 'x',
        sendAt,
      });
      expect(accepted.status).toBe(202);
      const id = accepted.body.id as string;
      const redis = createTestRedis();
      try {
        const key = `${t.keyPrefix}sched:{${shardOf(id)}}`;
        expect(await redis.zscore(key, id)).toBe(String(Date.parse(sendAt)));
        // Nothing due yet: a move now takes nothing of it.
        const schedule = t.app.get(ScheduleRepository);
        expect(
          (
            await schedule.take(shardOf(id), {
              now: Date.now(),
              horizonMs: 0,
              leaseMs: 1000,
              limit: 100,
            })
          ).map((job) => job.id),
        ).not.toContain(id);
        const canceled = await t
          .http()
          .delete(`/v1/messages/${id}`)
          .auth(API_KEY, { type: 'bearer' });
        expect(canceled.status).toBe(200);
        expect(await redis.zscore(key, id)).toBeNull();
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('templates', () => {
    it('renders a stored template when the message is accepted, and refuses missing data', async () => {
      const name = `welcome-${randomUUID().slice(0, 8)}`;
      const put = await t
        .http()
        .put(`/v1/templates/${name}`)
        .auth(API_KEY, { type: 'bearer' })
        .send({ subject: 'Hello {{name}} & co', html: '<p>Hi {{name}}</p>', text: 'Hi {{name}}' });
      expect(put.status).toBeLessThan(300);
      const accepted = await post({
        from: t.sender(),
        to: unique('templated'),
        template: { name, data: { name: '<Tom>' } },
      });
      expect(accepted.status).toBe(202);
      const mail = await mailOf(t, accepted.body.id);
      expect(mail.subject).toBe('Hello <Tom> & co');
      expect(mail.body.html).toContain('Hi &lt;Tom&gt;');
      expect(mail.body.text).toContain('Hi <Tom>');
      const missing = await post({
        from: t.sender(),
        to: unique('templated'),
        template: { name, data: {} },
      });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('name');
    });
  });
});
