import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedAsesOptions } from '../core/ases-options';
import { SesTransport } from './ses.transport';

/** An SES endpoint that keeps what it was sent and answers SendRawEmail. */
async function recordingEndpoint(): Promise<{
  url: string;
  requests: Array<{ headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}> {
  const requests: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<SendRawEmailResponse><SendRawEmailResult><MessageId>ses-1</MessageId>' +
          '</SendRawEmailResult></SendRawEmailResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('SesTransport', () => {
  const previous = { ...process.env };

  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });

  afterAll(() => {
    process.env = previous;
  });

  it('sends a large source whole, with its envelope, configuration set and tags', async () => {
    const endpoint = await recordingEndpoint();
    const transport = new SesTransport({
      region: 'us-east-1',
      endpoints: { ses: endpoint.url },
      sendPollers: 1,
    } as unknown as ResolvedAsesOptions);
    try {
      // A MIME message whose base64 holds no "+" or "/" for megabytes (base64 attachments): the
      // SDK's own serializer overflowed V8's regexp stack on such a value.
      const attachment = Buffer.alloc(6 * 1024 * 1024, 7).toString('base64');
      const raw = Buffer.from(`Subject: big\r\n\r\n${attachment}\r\n>?~ end`, 'utf8');
      const id = await transport.sendRaw({
        from: 'a@example.com',
        destinations: ['b@example.com', 'c@example.com'],
        raw,
        configurationSet: 'events',
        tags: { campaign: 'spring' },
      });
      expect(id).toBe('ses-1');
      const [request] = endpoint.requests;
      const form = new URLSearchParams(request.body);
      expect(Buffer.from(form.get('RawMessage.Data') ?? '', 'base64').equals(raw)).toBe(true);
      expect(form.getAll('Destinations.member.1')).toEqual(['b@example.com']);
      expect(form.get('Destinations.member.2')).toBe('c@example.com');
      expect(form.get('ConfigurationSetName')).toBe('events');
      expect(form.get('Tags.member.1.Name')).toBe('campaign');
      expect(form.get('Tags.member.1.Value')).toBe('spring');
      expect(Number(request.headers['content-length'])).toBe(Buffer.byteLength(request.body));
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);

      // Each later send, concurrent ones too, carries its own source.
      const others = ['one', 'two', 'three'].map((text) =>
        Buffer.from(`Subject: ${text}\r\n\r\n${text}`, 'utf8'),
      );
      await Promise.all(
        others.map((source) =>
          transport.sendRaw({
            from: 'a@example.com',
            destinations: ['b@example.com'],
            raw: source,
          }),
        ),
      );
      const sent = endpoint.requests
        .slice(1)
        .map((item) =>
          Buffer.from(
            new URLSearchParams(item.body).get('RawMessage.Data') ?? '',
            'base64',
          ).toString('utf8'),
        );
      expect(sent.sort()).toEqual(others.map((source) => source.toString('utf8')).sort());
    } finally {
      transport.onApplicationShutdown();
      await endpoint.close();
    }
  });
});
