import { UsageError } from './cli-errors';
import { buildSendBody, contentTypeOf, parseKeyValue, ReadFile } from './send-input';

/** A read-only file system of the test's own. */
function files(contents: Record<string, string | Buffer>): ReadFile {
  return (path) => {
    const content = contents[path];
    if (content === undefined) {
      return Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }));
    }
    return Promise.resolve(Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
  };
}

describe('buildSendBody', () => {
  const none = files({});

  it('builds the API body from flags, one recipient as a string and several as a list', async () => {
    const body = await buildSendBody(
      {
        from: 'Shop <shop@example.com>',
        to: ['jane@example.org'],
        cc: ['a@example.org', 'b@example.org'],
        subject: 'hi',
        text: 'hello',
        category: 'marketing',
        sendAt: '2026-12-24T08:00:00Z',
        localId: 'order-1',
      },
      none,
    );
    expect(body).toEqual({
      from: 'Shop <shop@example.com>',
      to: 'jane@example.org',
      cc: ['a@example.org', 'b@example.org'],
      subject: 'hi',
      text: 'hello',
      category: 'marketing',
      sendAt: '2026-12-24T08:00:00Z',
      localMessageId: 'order-1',
    });
  });

  it('reads the bodies from files and attaches files in base64 with a type from the extension', async () => {
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);
    const body = await buildSendBody(
      {
        from: 'a@example.com',
        to: ['b@example.org'],
        subject: 's',
        htmlFile: '/m/body.html',
        textFile: '/m/body.txt',
        attach: ['/m/invoice.PDF', '/m/data.unknownext'],
      },
      files({
        '/m/body.html': '<p>héllo</p>',
        '/m/body.txt': 'héllo',
        '/m/invoice.PDF': pdf,
        '/m/data.unknownext': 'x',
      }),
    );
    expect(body.html).toBe('<p>héllo</p>');
    expect(body.text).toBe('héllo');
    expect(body.attachments).toEqual([
      { filename: 'invoice.PDF', content: pdf.toString('base64'), contentType: 'application/pdf' },
      // Left to ases, which guesses from the file name.
      { filename: 'data.unknownext', content: 'eA==' },
    ]);
  });

  it('lays flags over the --file message: fields replaced, tags and headers merged, files added', async () => {
    const message = {
      from: 'old@example.com',
      to: ['x@example.org', 'y@example.org'],
      subject: 'from the file',
      html: '<p>file</p>',
      tags: { campaign: 'c1', kept: 'yes' },
      headers: { 'X-A': '1' },
      attachments: [{ filename: 'a.txt', content: 'YQ==' }],
    };
    const body = await buildSendBody(
      {
        file: '/m/message.json',
        from: 'new@example.com',
        tag: ['campaign=c2', 'extra=a=b'],
        header: ['X-B=2'],
        attach: ['/m/b.csv'],
      },
      files({ '/m/message.json': JSON.stringify(message), '/m/b.csv': 'b' }),
    );
    expect(body).toEqual({
      ...message,
      from: 'new@example.com',
      tags: { campaign: 'c2', kept: 'yes', extra: 'a=b' },
      headers: { 'X-A': '1', 'X-B': '2' },
      attachments: [
        { filename: 'a.txt', content: 'YQ==' },
        { filename: 'b.csv', content: 'Yg==', contentType: 'text/csv' },
      ],
    });
  });

  it('takes template data inline or from @file, keeping the file template data unless --data is given', async () => {
    const base = { from: 'a@example.com', to: ['b@example.org'] };
    await expect(
      buildSendBody({ ...base, template: 'welcome', data: '{"name":"Jane"}' }, none),
    ).resolves.toMatchObject({ template: { name: 'welcome', data: { name: 'Jane' } } });
    await expect(
      buildSendBody(
        { ...base, template: 'welcome', data: '@/m/data.json' },
        files({ '/m/data.json': '{"n":1}' }),
      ),
    ).resolves.toMatchObject({ template: { name: 'welcome', data: { n: 1 } } });
    const fromFile = files({
      '/m/t.json': JSON.stringify({ ...base, template: { name: 'a', data: { k: 'v' } } }),
    });
    await expect(
      buildSendBody({ file: '/m/t.json', template: 'b' }, fromFile),
    ).resolves.toMatchObject({ template: { name: 'b', data: { k: 'v' } } });
  });

  it.each([
    [{ text: 'a', textFile: '/x' }, 'give --text or --text-file, not both'],
    [{ attach: ['/missing.pdf'] }, 'cannot read --attach /missing.pdf: ENOENT'],
    [{ tag: ['novalue'] }, '--tag "novalue" must be name=value'],
    [{ tag: ['=v'] }, '--tag "=v" must be name=value'],
    [{ data: '{"a":1}' }, '--data needs a template'],
    [{ template: 't', data: '{bad' }, '--data is not valid JSON'],
    [{ template: 't', data: '[1]' }, '--data must be a JSON object'],
    [{ file: '/missing.json' }, 'cannot read --file /missing.json'],
  ])('refuses %j naming the flag', async (flags, message) => {
    const error = await buildSendBody(
      { from: 'a@example.com', to: ['b@example.org'], ...flags },
      none,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });

  it('refuses a --file that is not one JSON object, and a message without from or to', async () => {
    const fs = files({ '/list.json': '[1]', '/bad.json': '{' });
    await expect(buildSendBody({ file: '/list.json' }, fs)).rejects.toThrow(
      '--file /list.json must hold one JSON object',
    );
    await expect(buildSendBody({ file: '/bad.json' }, fs)).rejects.toThrow(
      '--file /bad.json is not valid JSON',
    );
    await expect(buildSendBody({ to: ['b@example.org'] }, fs)).rejects.toThrow('give --from');
    await expect(buildSendBody({ from: 'a@example.com' }, fs)).rejects.toThrow('give --to');
  });
});

describe('contentTypeOf and parseKeyValue', () => {
  it('maps known extensions in any case and leaves others undefined', () => {
    expect(contentTypeOf('logo.PNG')).toBe('image/png');
    expect(contentTypeOf('report.xlsx')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(contentTypeOf('noext')).toBeUndefined();
  });

  it('splits at the first =', () => {
    expect(parseKeyValue('a=b=c', '--tag')).toEqual(['a', 'b=c']);
    expect(parseKeyValue('a=', '--tag')).toEqual(['a', '']);
  });
});
