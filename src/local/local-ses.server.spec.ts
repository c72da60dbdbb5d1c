import {
  GetIdentityNotificationAttributesCommand,
  GetSendQuotaCommand,
  SESClient,
  SendEmailCommand,
  SendRawEmailCommand,
  SetIdentityNotificationTopicCommand,
  VerifyEmailIdentityCommand,
} from '@aws-sdk/client-ses';
import type { PublishCommand } from '@aws-sdk/client-sns';
import { randomBytes } from 'node:crypto';
import { LOCAL_SEND_QUOTA, LocalSesServer, type SentMail } from './local-ses.server';
import { MailboxSimulator, type SesIdentityNotification } from './mailbox-simulator';
import { newSesMessageId, SES_MESSAGE_ID_PATTERN } from './ses-message-id';
import { messageIdFromXml } from './ses-query';
import { VIEWER_FILL_STATEMENT } from './viewer-page';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:bounces';
const SIM = 'simulator.amazonses.com';
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/ses/aws4_request, Signature=x';

/** The ids the backend's `/store` (what the mail viewer lists) holds. */
async function storedIds(url: string): Promise<string[]> {
  const store = (await (await fetch(`${url}/store`)).json()) as {
    emails: Array<{ messageId: string }>;
  };
  return store.emails.map((email) => email.messageId);
}

/** A mail as the proxy's `/store` lists it. */
interface StoredRecord {
  messageId: string;
  destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
  envelope?: string[];
  headers?: Array<{ name: string; value: string }>;
  configurationSet?: string;
  tags?: Array<{ name: string; value: string }>;
  attachments?: Array<{ filename: string; contentType: string; size: number; content: string }>;
}

/** Every mail `/store` lists. */
async function storedMails(url: string): Promise<StoredRecord[]> {
  const response = await fetch(`${url}/store`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { emails: StoredRecord[] }).emails;
}

/** The real SDK's SES client, pointed at a local server. */
function sesClientOf(server: LocalSesServer): SESClient {
  return new SESClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
}

describe('LocalSesServer', () => {
  let server: LocalSesServer;
  let ses: SESClient;
  let reported: SentMail[];
  let waiters: Array<() => void>;

  /** Resolves once `count` mails have been reported. */
  const reportsOf = (count: number): Promise<SentMail[]> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (reported.length >= count) {
          resolve(reported);
        } else {
          waiters.push(check);
        }
      };
      check();
    });

  beforeEach(async () => {
    reported = [];
    waiters = [];
    server = new LocalSesServer({
      port: 0,
      onMailSent: (mail) => {
        reported.push(mail);
        waiters.splice(0).forEach((wake) => wake());
      },
    });
    await server.start();
    ses = sesClientOf(server);
  });

  afterEach(async () => {
    ses.destroy();
    await server.stop();
  });

  it('keeps identity notification topics set through the SES API', async () => {
    await ses.send(
      new SetIdentityNotificationTopicCommand({
        Identity: 'example.com',
        NotificationType: 'Bounce',
        SnsTopic: TOPIC,
      }),
    );
    const { NotificationAttributes } = await ses.send(
      new GetIdentityNotificationAttributesCommand({ Identities: ['example.com', 'other.com'] }),
    );

    expect(NotificationAttributes?.['example.com']).toMatchObject({
      BounceTopic: TOPIC,
      ForwardingEnabled: true,
    });
    expect(NotificationAttributes?.['example.com'].DeliveryTopic).toBeUndefined();
    expect(NotificationAttributes?.['other.com']).toBeDefined();
    expect(server.registry.topicFor('news@example.com', 'Bounce')).toBe(TOPIC);
  });

  it('rejects a topic that is not an SNS ARN', async () => {
    await expect(
      ses.send(
        new SetIdentityNotificationTopicCommand({
          Identity: 'example.com',
          NotificationType: 'Delivery',
          SnsTopic: 'my-topic',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('answers actions it does not implement instead of leaving them hanging', async () => {
    await expect(
      ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'a@example.com' })),
    ).rejects.toMatchObject({ name: 'InvalidAction', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses unsigned identity settings', async () => {
    const response = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=SetIdentityNotificationTopic&Identity=x.com&NotificationType=Bounce',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(server.registry.get('x.com')).toEqual({});
  });

  it('proxies SendRawEmail and reports the MIME sender and recipients', async () => {
    const mime = [
      'From: "News" <news@example.com>',
      `To: "Doe, Jane" <jane@example.com>, bob@example.com`,
      'Cc: carol@example.com',
      'Bcc: dave@example.com',
      'Subject: =?utf-8?Q?H=C3=A9llo?=',
      '',
      'Hi',
    ].join('\r\n');
    const { MessageId } = await ses.send(
      new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(mime) } }),
    );

    const [mail] = await reportsOf(1);
    expect(mail).toMatchObject({
      sesMessageId: MessageId,
      source: 'news@example.com',
      destinations: [
        'jane@example.com',
        'bob@example.com',
        'carol@example.com',
        'dave@example.com',
      ],
      subject: 'Héllo',
      callerIdentity: 'AKIDTEST',
    });
    expect(mail.headers).toContainEqual({ name: 'Subject', value: '=?utf-8?Q?H=C3=A9llo?=' });
    expect(Date.parse(mail.timestamp)).not.toBeNaN();

    const store = (await (await fetch(`${server.url}/store`)).json()) as {
      emails: Array<{ messageId: string }>;
    };
    expect(store.emails.map((e) => e.messageId)).toContain(MessageId);
  });

  it('answers GetSendQuota with its limits and the mails sent in the last 24 hours', async () => {
    const before = await ses.send(new GetSendQuotaCommand({}));
    expect(before).toMatchObject({
      MaxSendRate: LOCAL_SEND_QUOTA.maxSendRate,
      Max24HourSend: LOCAL_SEND_QUOTA.max24HourSend,
      SentLast24Hours: 0,
    });
    const mime = 'From: news@example.com\r\nTo: a@example.com\r\nSubject: S\r\n\r\nHi';
    await ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(mime) } }));
    await reportsOf(1);
    expect((await ses.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBe(1);
  });

  it('serves the mail viewer loading a mail only when it is shown, even to a revalidation', async () => {
    const response = await fetch(`${server.url}/`, {
      headers: { 'if-none-match': '*', 'if-modified-since': new Date().toUTCString() },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const page = await response.text();
    expect(page).toContain('aws-ses-v2-local viewer');
    expect(page).toContain('new ResizeObserver(');
    expect(page).not.toContain(VIEWER_FILL_STATEMENT);
  });

  it('prefers the Source and Destinations parameters of SendRawEmail', async () => {
    const mime = 'From: news@example.com\r\nTo: a@example.com\r\nSubject: S\r\n\r\nHi';
    await ses.send(
      new SendRawEmailCommand({
        Source: 'bounces@example.com',
        Destinations: ['b@example.com', 'c@example.com'],
        RawMessage: { Data: Buffer.from(mime) },
      }),
    );

    const [mail] = await reportsOf(1);
    expect(mail.source).toBe('bounces@example.com');
    expect(mail.destinations).toEqual(['b@example.com', 'c@example.com']);
  });

  it('reports every recipient of a v1 SendEmail', async () => {
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        Source: 'News <news@example.com>',
        Destination: {
          ToAddresses: ['a@example.com', 'b@example.com'],
          CcAddresses: ['c@example.com'],
          BccAddresses: ['d@example.com'],
        },
        Message: { Subject: { Data: 'Plain' }, Body: { Text: { Data: 'Hi' } } },
      }),
    );

    const [mail] = await reportsOf(1);
    expect(mail).toMatchObject({
      sesMessageId: MessageId,
      source: 'news@example.com',
      destinations: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'],
      subject: 'Plain',
    });
    expect(mail.headers).toContainEqual({ name: 'To', value: 'a@example.com, b@example.com' });
  });

  it('passes backend errors through unchanged and reports nothing', async () => {
    const response = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDTEST/20250101/us-east-1/ses/aws4_request',
      },
      body: 'Action=SendEmail&Source=a%40example.com&Message.Subject.Data=S',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ message: 'Bad Request Exception' });
    expect(reported).toEqual([]);
  });

  it('answers v1 SendEmail, SendRawEmail and v2 SendEmail with SES-shaped ids it stores', async () => {
    const v1 = await ses.send(
      new SendEmailCommand({
        Source: 'news@example.com',
        Destination: { ToAddresses: ['a@example.com'] },
        Message: { Subject: { Data: 'S' }, Body: { Text: { Data: 'Hi' } } },
      }),
    );
    const raw = await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: Buffer.from('From: a@example.com\r\nTo: b@example.com\r\n\r\nHi') },
      }),
    );
    const v2Response = await fetch(`${server.url}/v2/email/outbound-emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
      body: JSON.stringify({
        FromEmailAddress: 'news@example.com',
        Destination: { ToAddresses: ['c@example.com'] },
        Content: { Simple: { Subject: { Data: 'S' }, Body: { Text: { Data: 'Hi' } } } },
      }),
    });
    expect(v2Response.status).toBe(200);
    const v2 = (await v2Response.json()) as { MessageId: string };

    const ids = [v1.MessageId, raw.MessageId, v2.MessageId];
    for (const id of ids) {
      expect(id).toMatch(SES_MESSAGE_ID_PATTERN);
      expect(id).toHaveLength(60);
    }
    expect(new Set(ids).size).toBe(3);
    expect(await storedIds(server.url)).toEqual(expect.arrayContaining(ids));
    const reportedIds = (await reportsOf(2)).map((mail) => mail.sesMessageId);
    expect(reportedIds.sort()).toEqual([v1.MessageId, raw.MessageId].sort());
  });

  it('shows in /store the Bcc, the headers, the configuration set and the tags of a raw mail', async () => {
    const mime = [
      'From: "News" <news@example.com>',
      'To: "Doe, Jane" <Jane@Example.com>',
      'Cc: carol@example.com',
      'Subject: A subject folded',
      '  over two lines',
      'X-Ases-Id: m-1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hi',
    ].join('\r\n');
    const { MessageId } = await ses.send(
      new SendRawEmailCommand({
        Source: 'news@example.com',
        Destinations: ['jane@example.com', 'carol@example.com', 'dave@example.com'],
        RawMessage: { Data: Buffer.from(mime) },
        ConfigurationSetName: 'ases-events',
        Tags: [
          { Name: 'ases-id', Value: 'm-1' },
          { Name: 'campaign', Value: 'spring' },
        ],
      }),
    );

    const mail = (await storedMails(server.url)).find((email) => email.messageId === MessageId);
    expect(mail).toMatchObject({
      destination: {
        to: ['"Doe, Jane" <Jane@Example.com>'],
        cc: ['carol@example.com'],
        bcc: ['dave@example.com'],
      },
      headers: [
        { name: 'From', value: '"News" <news@example.com>' },
        { name: 'To', value: '"Doe, Jane" <Jane@Example.com>' },
        { name: 'Cc', value: 'carol@example.com' },
        { name: 'Subject', value: 'A subject folded over two lines' },
        { name: 'X-Ases-Id', value: 'm-1' },
        { name: 'Content-Type', value: 'text/plain; charset=utf-8' },
      ],
      configurationSet: 'ases-events',
      tags: [
        { name: 'ases-id', value: 'm-1' },
        { name: 'campaign', value: 'spring' },
      ],
    });
    // The mail viewer's `since` filter still goes through.
    const since = Math.floor(Date.now() / 1000) - 60;
    const recent = (await (await fetch(`${server.url}/store?since=${since}`)).json()) as {
      emails: StoredRecord[];
    };
    expect(recent.emails.find((email) => email.messageId === MessageId)?.tags).toHaveLength(2);
  });

  it('keeps the recipients the backend read from a raw mail sent without Destinations', async () => {
    const mime = 'From: a@example.com\r\nTo: b@example.com\r\nBcc: c@example.com\r\n\r\nHi';
    const { MessageId } = await ses.send(
      new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(mime) } }),
    );

    const mail = (await storedMails(server.url)).find((email) => email.messageId === MessageId);
    expect(mail?.destination).toEqual({ to: ['b@example.com'], cc: [], bcc: ['c@example.com'] });
    expect(mail?.headers).toEqual([
      { name: 'From', value: 'a@example.com' },
      { name: 'To', value: 'b@example.com' },
      { name: 'Bcc', value: 'c@example.com' },
    ]);
    expect(mail).not.toHaveProperty('configurationSet');
    expect(mail).not.toHaveProperty('tags');
  });

  it('accepts a 10 MB raw message (a 14 MB request) and stores it whole', async () => {
    const attachment = randomBytes(7_600_000);
    const mime = Buffer.from(
      [
        'From: news@example.com',
        'To: a@example.com',
        'Subject: Big',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'See the attachment.',
        '--b',
        'Content-Type: application/octet-stream; name="big.bin"',
        'Content-Disposition: attachment; filename="big.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        attachment.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    expect(mime.length).toBeGreaterThan(10_000_000);
    expect(mime.length).toBeLessThanOrEqual(10 * 1024 * 1024);
    const form = new URLSearchParams({
      Action: 'SendRawEmail',
      'Destinations.member.1': 'a@example.com',
      'Destinations.member.2': 'hidden@example.com',
      'RawMessage.Data': mime.toString('base64'),
    }).toString();
    expect(form.length).toBeGreaterThan(13_800_000);

    const response = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: AUTHORIZATION,
      },
      body: form,
    });
    expect(response.status).toBe(200);
    const messageId = messageIdFromXml(await response.text());

    const mail = (await storedMails(server.url)).find((email) => email.messageId === messageId);
    expect(mail?.destination?.bcc).toEqual(['hidden@example.com']);
    expect(mail?.envelope).toEqual(['a@example.com', 'hidden@example.com']);
    expect(mail?.attachments).toHaveLength(1);
    expect(mail?.attachments?.[0]).toMatchObject({
      filename: 'big.bin',
      contentType: 'application/octet-stream',
      size: attachment.length,
    });
    expect(Buffer.from(mail?.attachments?.[0].content ?? '', 'base64').equals(attachment)).toBe(
      true,
    );
  });

  it('finishes reporting a sent mail before it stops', async () => {
    await ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: Buffer.from('From: a@example.com\r\nTo: b@example.com\r\n\r\nHi') },
      }),
    );
    await server.stop();

    expect(reported.map((mail) => mail.destinations)).toEqual([['b@example.com']]);
  });
});

describe('LocalSesServer with the mailbox simulator', () => {
  let server: LocalSesServer;
  let simulator: MailboxSimulator;
  let ses: SESClient;
  let published: SesIdentityNotification[];
  let reportedCount: number;

  beforeEach(async () => {
    published = [];
    reportedCount = 0;
    simulator = new MailboxSimulator({
      sns: {
        send: (command: PublishCommand) => {
          published.push(JSON.parse(command.input.Message ?? '') as SesIdentityNotification);
          return Promise.resolve({ MessageId: 'sns-1' });
        },
      } as never,
      routing: {
        identityFor: (source) => source.split('@')[1],
        topicFor: (_source, kind) => `arn:aws:sns:us-east-1:000000000000:${kind}`,
      },
      region: 'us-east-1',
      delayMs: 1,
      complaintDelayMs: 1,
    });
    server = new LocalSesServer({
      port: 0,
      onMailSent: (mail) => {
        simulator.simulate(mail);
        reportedCount += 1;
      },
    });
    await server.start();
    ses = sesClientOf(server);
  });

  afterEach(async () => {
    ses.destroy();
    await server.stop();
    await simulator.stop();
  });

  it('notifies with the id SES answered and every original header, X-Ases-Id exactly', async () => {
    const mime = [
      'From: "News" <news@example.com>',
      `To: success@${SIM},`,
      ` bounce@${SIM}`,
      'Subject: Hello',
      'X-Ases-Id: abc',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hi',
    ].join('\r\n');
    const { MessageId } = await ses.send(
      new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(mime) } }),
    );
    // stop() waits for the report, which schedules the notifications; idle() for those.
    await server.stop();
    await simulator.idle();

    expect(reportedCount).toBe(1);
    expect(published.map((n) => n.notificationType).sort()).toEqual(['Bounce', 'Delivery']);
    for (const notification of published) {
      expect(notification.mail.messageId).toBe(MessageId);
      expect(notification.mail.headersTruncated).toBe(false);
      expect(notification.mail.headers).toEqual([
        { name: 'From', value: '"News" <news@example.com>' },
        { name: 'To', value: `success@${SIM}, bounce@${SIM}` },
        { name: 'Subject', value: 'Hello' },
        { name: 'X-Ases-Id', value: 'abc' },
        { name: 'MIME-Version', value: '1.0' },
        { name: 'Content-Type', value: 'text/plain; charset=utf-8' },
      ]);
      expect(notification.mail.commonHeaders).toEqual({
        from: ['"News" <news@example.com>'],
        to: [`success@${SIM}`, `bounce@${SIM}`],
        messageId: MessageId,
        subject: 'Hello',
      });
    }
  });
});

describe('LocalSesServer /store memory', () => {
  let server: LocalSesServer;

  beforeAll(async () => {
    server = new LocalSesServer({ port: 0, rememberedMails: 2 });
    await server.start();
  });

  afterAll(() => server.stop());

  it('completes the latest mails only', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const response = await fetch(`${server.url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: AUTHORIZATION,
        },
        body: new URLSearchParams({
          Action: 'SendRawEmail',
          'Destinations.member.1': `bcc${n}@example.com`,
          'RawMessage.Data': Buffer.from(`From: a@example.com\r\nX-N: ${n}\r\n\r\nHi`).toString(
            'base64',
          ),
        }).toString(),
      });
      ids.push(messageIdFromXml(await response.text()) ?? `failed: ${response.status}`);
    }

    const mails = await storedMails(server.url);
    const byId = (id: string): StoredRecord | undefined =>
      mails.find((email) => email.messageId === id);
    expect(byId(ids[0])).toBeDefined();
    expect(byId(ids[0])).not.toHaveProperty('headers');
    expect(byId(ids[0])?.destination?.bcc).toEqual([]);
    expect(byId(ids[1])?.destination?.bcc).toEqual(['bcc2@example.com']);
    expect(byId(ids[2])?.headers).toContainEqual({ name: 'X-N', value: '3' });
  });
});

describe('LocalSesServer message ids', () => {
  let server: LocalSesServer;

  beforeAll(async () => {
    server = new LocalSesServer({ port: 0 });
    await server.start();
  });

  afterAll(() => server.stop());

  it('gives concurrent sends different SES-shaped ids', async () => {
    const body = new URLSearchParams({
      Action: 'SendEmail',
      Source: 'a@example.com',
      'Destination.ToAddresses.member.1': 'b@example.com',
      'Message.Subject.Data': 'S',
      'Message.Body.Text.Data': 'Hi',
    }).toString();
    const send = async (): Promise<string> => {
      const response = await fetch(`${server.url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: AUTHORIZATION,
        },
        body,
      });
      return messageIdFromXml(await response.text()) ?? `failed: ${response.status}`;
    };
    const ids = await Promise.all(Array.from({ length: 500 }, send));

    expect(ids.filter((id) => !SES_MESSAGE_ID_PATTERN.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(500);
  });

  it('makes the id of each send with newSesMessageId: 20 000 sends, 20 000 ids', async () => {
    // What every send handler of aws-ses-v2-local calls for its MessageId; 20 000 sends over
    // HTTP take half a minute, and the ids are the same calls.
    const util: { getMessageId: () => string } = await import('aws-ses-v2-local/dist/util');
    expect(util.getMessageId).toBe(newSesMessageId);
    const ids = Array.from({ length: 20_000 }, () => util.getMessageId());
    expect(ids.filter((id) => !SES_MESSAGE_ID_PATTERN.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(20_000);
  });
});
