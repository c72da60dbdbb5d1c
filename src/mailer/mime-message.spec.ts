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
});
