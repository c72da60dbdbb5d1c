import { simpleParser } from 'mailparser';
import { buildMimeMessage } from './mime-message';

describe('buildMimeMessage', () => {
  it('builds headers and an alternative html/text body', async () => {
    const raw = (
      await buildMimeMessage({
        id: '0mabcdefgh1234567890',
        from: '"News" <news@example.com>',
        to: 'jane@example.org',
        subject: 'Grüße',
        html: '<p>hello</p>',
        text: 'hello',
      })
    ).toString('utf8');
    expect(raw).toMatch(/^From: News <news@example\.com>$/m);
    expect(raw).toMatch(/^To: jane@example\.org$/m);
    expect(raw).toMatch(/^Subject: =\?UTF-8\?Q\?Gr=C3=BC=C3=9Fe\?=$/m);
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(raw).toContain('<p>hello</p>');
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    // SES hands the original headers back in notifications: the id finds the record.
    expect(raw).toMatch(/^X-Ases-Id: 0mabcdefgh1234567890$/im);
  });

  it('builds a single part for text only', async () => {
    const raw = (
      await buildMimeMessage({
        id: 'order-1',
        from: 'a@example.com',
        to: 'b@example.com',
        subject: 's',
        text: 'x',
      })
    ).toString('utf8');
    expect(raw).not.toContain('multipart');
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
  });

  it('names to and cc recipients in headers, never bcc ones, and sets Reply-To and custom fields', async () => {
    const raw = (
      await buildMimeMessage({
        id: 'order-2',
        from: 'a@example.com',
        to: ['b@example.com', 'C <c@example.com>'],
        cc: ['d@example.com'],
        replyTo: ['help@example.com'],
        subject: 's',
        text: 'x',
        headers: { 'X-Campaign': 'spring', 'X-Ases-Id': 'forged' },
      })
    ).toString('utf8');
    const mail = await simpleParser(raw);
    expect(mail.to).toMatchObject({ text: 'b@example.com, "C" <c@example.com>' });
    expect(mail.cc).toMatchObject({ text: 'd@example.com' });
    expect(mail.replyTo).toMatchObject({ text: 'help@example.com' });
    expect(mail.headers.get('x-campaign')).toBe('spring');
    expect(mail.headers.get('x-ases-id')).toBe('order-2');
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  it('attaches files byte for byte, and inline ones with their Content-ID', async () => {
    const pdf = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const raw = await buildMimeMessage({
      id: 'order-3',
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 's',
      html: '<p><img src="cid:logo@ases"></p>',
      attachments: [
        { filename: 'invoice.pdf', content: pdf },
        { filename: 'logo.png', content: png, contentType: 'image/png', contentId: 'logo@ases' },
      ],
    });
    const mail = await simpleParser(raw);
    const invoice = mail.attachments.find((file) => file.filename === 'invoice.pdf')!;
    const logo = mail.attachments.find((file) => file.filename === 'logo.png')!;
    expect(invoice.filename).toBe('invoice.pdf');
    expect(invoice.contentType).toBe('application/pdf');
    expect(invoice.contentDisposition).toBe('attachment');
    expect(invoice.content.equals(pdf)).toBe(true);
    expect(logo.cid).toBe('logo@ases');
    expect(logo.contentDisposition).toBe('inline');
    expect(logo.content.equals(png)).toBe(true);
  });
});
