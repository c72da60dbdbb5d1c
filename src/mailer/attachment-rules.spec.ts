import {
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  SES_REFUSED_EXTENSIONS,
  attachmentsProblem,
  base64Problem,
  contentIdProblem,
  contentTypeProblem,
  decodeAttachment,
  decodedLength,
  filenameProblem,
  refusedExtension,
} from './attachment-rules';

const pdf = { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4\n').toString('base64') };

describe('attachmentsProblem', () => {
  it('accepts attachments, inline ones included', () => {
    expect(
      attachmentsProblem([
        pdf,
        {
          filename: 'logo.png',
          content: 'iVBORw0KGgo=',
          contentType: 'image/png',
          contentId: 'logo',
        },
        { filename: 'data.csv', content: 'YSxiCg==', contentType: 'text/csv; charset=utf-8' },
      ]),
    ).toBeNull();
    expect(attachmentsProblem([])).toBeNull();
  });

  it.each([
    ['x', 'attachments must be an array of attachments such as'],
    [{ filename: 'a.pdf', content: 'AA==' }, 'not an object'],
    [7, 'not a number'],
    [null, 'not null'],
  ])('refuses %p as a whole', (value, message) => {
    expect(attachmentsProblem(value)).toContain(message);
  });

  it.each([
    [[null], 'attachments[0] must be an object such as', 'not null'],
    [[[]], 'attachments[0] must be an object such as', 'not an array'],
    [[pdf, 'x'], 'attachments[1] must be an object such as', 'not a string'],
    [[pdf, 3], 'attachments[1] must be an object such as', 'not a number'],
  ])('refuses the item in %p, naming it', (value, start, end) => {
    const problem = attachmentsProblem(value);
    expect(problem?.startsWith(start)).toBe(true);
    expect(problem?.endsWith(end)).toBe(true);
  });

  it(`refuses more than ${MAX_ATTACHMENTS}`, () => {
    expect(attachmentsProblem(new Array(MAX_ATTACHMENTS + 1).fill(pdf))).toBe(
      'attachments must hold at most 50 attachments, not 51',
    );
    expect(attachmentsProblem(new Array(MAX_ATTACHMENTS).fill(pdf))).toBeNull();
  });

  it.each([
    [{ content: 'AA==' }, 'attachments[0].filename is required'],
    [{ filename: 'a.pdf' }, 'attachments[0].content is required'],
    [{ filename: 7, content: 'AA==' }, 'attachments[0].filename must be a string, not a number'],
    [
      { filename: 'a.pdf', content: ['AA=='] },
      'attachments[0].content must be a string, not an array',
    ],
    [{ ...pdf, contentType: {} }, 'attachments[0].contentType must be a string, not an object'],
    [{ ...pdf, contentId: true }, 'attachments[0].contentId must be a string, not a boolean'],
    [{ ...pdf, size: 3 }, 'attachments[0].size should not exist: an attachment has filename'],
    [
      { ...pdf, filename: 'setup.exe' },
      'attachments[0].filename "setup.exe": SES does not accept .exe attachments',
    ],
    [{ ...pdf, content: 'AA' }, 'attachments[0].content must be padded base64'],
    [{ ...pdf, contentType: 'pdf' }, 'attachments[0].contentType "pdf" must be a MIME type'],
    [{ ...pdf, contentId: '<logo>' }, 'attachments[0].contentId "<logo>" must be letters'],
  ])('refuses %p, naming the field', (attachment, message) => {
    expect(attachmentsProblem([attachment])).toContain(message);
  });

  it('names the attachment at fault by its index', () => {
    expect(attachmentsProblem([pdf, pdf, { ...pdf, filename: 'run.BAT' }])).toBe(
      'attachments[2].filename "run.BAT": SES does not accept .bat attachments',
    );
  });

  it('refuses a content id used twice', () => {
    const inline = { filename: 'a.png', content: 'AA==', contentId: 'logo' };
    expect(attachmentsProblem([inline, pdf, { ...inline, filename: 'b.png' }])).toBe(
      'attachments[2].contentId "logo" is already the content id of attachments[0]: each inline ' +
        'attachment needs its own',
    );
  });
});

describe('filenameProblem', () => {
  it.each([
    'invoice.pdf',
    'Rechnung März 2026.pdf',
    'photo 😀.jpeg',
    'no-extension',
    'archive.tar.gz',
    'exe.pdf',
    '.hidden',
    'x'.repeat(255),
  ])('accepts %j', (filename) => {
    expect(filenameProblem(filename)).toBeNull();
  });

  it.each([
    ['', 'must be 1-255 characters long, not 0'],
    ['x'.repeat(256), 'must be 1-255 characters long, not 256'],
    ['a\r\nb.pdf', 'must not contain CR, LF or other control characters'],
    ['a\u0000.pdf', 'must not contain CR, LF'],
    ['a\ud800.pdf', 'must be valid Unicode'],
    ['../etc/passwd', 'must be a file name, without "/" or "\\"'],
    ['C:\\x.pdf', 'must be a file name'],
    ['setup.exe.', 'must not end with a dot or a space'],
    ['setup.exe ', 'must not end with a dot or a space'],
    ['setup.exe', '"setup.exe": SES does not accept .exe attachments'],
    ['SETUP.EXE', '"SETUP.EXE": SES does not accept .exe attachments'],
    ['invoice.pdf.exe', '"invoice.pdf.exe": SES does not accept .exe attachments'],
    ['.js', 'SES does not accept .js attachments'],
    ['script.ps1xml', 'SES does not accept .ps1xml attachments'],
    ['x.vsmacros', 'SES does not accept .vsmacros attachments'],
  ])('refuses %j', (filename, message) => {
    expect(filenameProblem(filename)).toContain(message);
  });

  it('knows every extension of the SES list', () => {
    expect(SES_REFUSED_EXTENSIONS.size).toBe(90);
    for (const extension of SES_REFUSED_EXTENSIONS) {
      expect(extension).toMatch(/^[a-z0-9]+$/);
      expect(refusedExtension(`file.${extension.toUpperCase()}`)).toBe(extension);
    }
    for (const extension of ['pdf', 'zip', 'docx', 'png', 'exe1', 'jsx', 'json', 'vbsx']) {
      expect(refusedExtension(`file.${extension}`)).toBeNull();
    }
  });
});

describe('base64Problem', () => {
  it.each([
    'AA==',
    'AAA=',
    'AAAA',
    'SGVsbG8sIHdvcmxkIQ==',
    'a+/b',
    Buffer.alloc(1000, 7).toString('base64'),
  ])('accepts %j', (content) => {
    expect(base64Problem(content)).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    ['AA', 'must be padded base64: its length must be a multiple of 4 (pad with "="), not 2'],
    ['AAAAA', 'not 5'],
    ['AA AA', 'must be base64 on one line, without spaces or line breaks'],
    ['AAAA\nAAAA', 'must be base64 on one line'],
    ['AAAA\r\nAAAA', 'must be base64 on one line'],
    ['a-_b', 'must be standard base64 (with "+" and "/"), not base64url'],
    ['AA*=', 'must be base64 (RFC 4648): "*" at 2 is not a base64 character'],
    ['AA\u0000=', '"\\u0000" at 2 is not a base64 character'],
    ['AAé=', '"é" at 2 is not a base64 character'],
    ['A=AA', 'must be base64 with "=" only as padding at the end'],
    ['A===', 'must be base64 with "=" only as padding at the end'],
    ['AA=A', 'must be base64 with "=" only as padding at the end'],
    ['====', 'must be base64 with "=" only as padding at the end'],
  ])('refuses %j', (content, message) => {
    expect(base64Problem(content)).toContain(message);
  });

  it('takes 10 MiB and refuses a byte more, without decoding', () => {
    const exact = Buffer.alloc(MAX_ATTACHMENT_BYTES).toString('base64');
    expect(base64Problem(exact)).toBeNull();
    const over = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1).toString('base64');
    expect(base64Problem(over)).toBe(
      `must decode to at most ${MAX_ATTACHMENT_BYTES} bytes (10 MiB), not ${MAX_ATTACHMENT_BYTES + 1}`,
    );
    expect(base64Problem('A'.repeat(20 * 1024 * 1024))).toBe(
      `must decode to at most ${MAX_ATTACHMENT_BYTES} bytes (10 MiB)`,
    );
  });

  it('knows the decoded size from the length and padding', () => {
    for (const size of [1, 2, 3, 4, 5, 100, 1001]) {
      const content = Buffer.alloc(size, 1).toString('base64');
      expect(decodedLength(content)).toBe(size);
      expect(decodeAttachment(content)).toEqual(Buffer.alloc(size, 1));
    }
  });
});

describe('contentTypeProblem', () => {
  it.each([
    'application/pdf',
    'image/png',
    'text/csv; charset=utf-8',
    'text/plain;charset=UTF-8',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'message/rfc822',
  ])('accepts %j', (contentType) => {
    expect(contentTypeProblem(contentType)).toBeNull();
  });

  it.each([
    ['', 'must be 1-127 characters long, not 0'],
    [`application/${'x'.repeat(116)}`, 'must be 1-127 characters long, not 128'],
    ['pdf', 'must be a MIME type, type/subtype'],
    ['application/', 'must be a MIME type'],
    ['/pdf', 'must be a MIME type'],
    ['application/pdf; name="x.exe"', 'with at most a charset parameter'],
    ['text/plain; charset=utf-8; format=flowed', 'with at most a charset parameter'],
    ['text/plain\r\nBcc: x@example.org', 'must be a MIME type'],
    ['text / plain', 'must be a MIME type'],
    ['text/pla(in)', 'must be a MIME type'],
    ['multipart/mixed', 'an attachment cannot be multipart/*'],
    ['Multipart/Alternative', 'an attachment cannot be multipart/*'],
  ])('refuses %j', (contentType, message) => {
    expect(contentTypeProblem(contentType)).toContain(message);
  });
});

describe('contentIdProblem', () => {
  it.each(['logo', 'logo@example.com', "a.b+c_d-e!#$%&'*/=?^`{|}~", 'x'.repeat(250)])(
    'accepts %j',
    (contentId) => {
      expect(contentIdProblem(contentId)).toBeNull();
    },
  );

  it.each([
    ['', 'must be 1-250 characters long, not 0'],
    ['x'.repeat(251), 'must be 1-250 characters long, not 251'],
    ['<logo>', 'no "<", ">" or spaces'],
    ['my logo', 'must be letters'],
    ['logo\r\n', 'must be letters'],
    ['lögo', 'must be letters'],
    ['a"b', 'must be letters'],
  ])('refuses %j', (contentId, message) => {
    expect(contentIdProblem(contentId)).toContain(message);
  });
});
