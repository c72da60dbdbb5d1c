import { MAX_HEADERS, headersProblem, ownedHeaderReason } from './header-rules';

describe('headersProblem', () => {
  it('accepts custom fields, Unicode values and tabs', () => {
    expect(
      headersProblem({
        'X-Campaign': 'spring-sale',
        'In-Reply-To': '<abc@example.com>',
        References: '<a@example.com>\t<b@example.com>',
        'X-Greeting': 'Grüße 😀',
        Keywords: 'x'.repeat(998),
      }),
    ).toBeNull();
    expect(headersProblem({})).toBeNull();
  });

  it.each([
    [[], 'headers must be an object of header fields'],
    ['X-A: b', 'headers must be an object of header fields'],
    [7, 'headers must be an object of header fields'],
    [null, 'headers must be an object of header fields'],
  ])('refuses %p as a whole', (value, message) => {
    expect(headersProblem(value)).toContain(message);
  });

  it(`refuses more than ${MAX_HEADERS} fields`, () => {
    const many = Object.fromEntries(
      Array.from({ length: MAX_HEADERS + 1 }, (_, i) => [`X-H${i}`, 'v']),
    );
    expect(headersProblem(many)).toBe('headers must hold at most 50 fields, not 51');
    delete many['X-H0'];
    expect(headersProblem(many)).toBeNull();
  });

  it.each([
    ['X Space', 'headers has a bad field name "X Space"'],
    ['X:Colon', 'headers has a bad field name "X:Colon"'],
    ['X-Ümlaut', 'headers has a bad field name "X-Ümlaut"'],
    ['X-\r\nBcc', 'headers has a bad field name "X-\\r\\nBcc"'],
    ['', 'headers has a bad field name ""'],
    ['X'.repeat(77), 'names are 1-76 printable US-ASCII characters'],
  ])('refuses the field name %j', (name, message) => {
    expect(headersProblem({ [name]: 'v' })).toContain(message);
  });

  it('accepts a 76-character name and every printable character but ":"', () => {
    expect(headersProblem({ ['X'.repeat(76)]: 'v' })).toBeNull();
    expect(headersProblem({ 'X-!#$%&\'*+.^_`|~;<>=?@[]{}\\"(),/0': 'v' })).toBeNull();
  });

  it.each([
    ['From', 'headers.From cannot be set here: use from'],
    ['to', 'headers.to cannot be set here: use to'],
    ['CC', 'headers.CC cannot be set here: use cc'],
    ['Bcc', 'headers.Bcc cannot be set here: use bcc'],
    ['Subject', 'headers.Subject cannot be set here: use subject (or template)'],
    ['Reply-To', 'headers.Reply-To cannot be set here: use replyTo'],
    ['List-Unsubscribe', 'headers.List-Unsubscribe cannot be set here: use unsubscribe'],
    ['list-unsubscribe-post', 'headers.list-unsubscribe-post cannot be set here: use unsubscribe'],
    ['Date', 'headers.Date cannot be set here: SES sets it'],
    ['Message-ID', 'headers.Message-ID cannot be set here: SES sets it'],
    ['MIME-Version', 'headers.MIME-Version cannot be set here: the MIME builder sets it'],
    ['Content-Type', 'headers.Content-Type cannot be set here: the MIME builder writes'],
    ['content-transfer-encoding', 'cannot be set here: the MIME builder writes the Content-*'],
    ['Content-Disposition', 'cannot be set here: the MIME builder writes the Content-*'],
    ['X-Ases-Id', "headers.X-Ases-Id cannot be set here: X-Ases-* fields are ases's own"],
    ['x-ases-anything', "X-Ases-* fields are ases's own"],
    ['X-SES-CONFIGURATION-SET', 'cannot be set here: use configurationSet'],
    ['X-SES-MESSAGE-TAGS', 'cannot be set here: use sesTags'],
    ['X-SES-SOURCE-ARN', 'SES reads X-SES-* fields as instructions to itself'],
    ['Return-Path', 'headers.Return-Path cannot be set here: SES sets it'],
    ['Sender', 'headers.Sender cannot be set here'],
    ['DKIM-Signature', 'headers.DKIM-Signature cannot be set here: SES signs the message'],
    ['Received', 'headers.Received cannot be set here: it is a trace field'],
  ])('refuses %s, which ases or SES owns, saying what to use', (name, message) => {
    expect(headersProblem({ [name]: 'v' })).toContain(message);
  });

  it('lets through fields that only look like owned ones', () => {
    for (const name of ['X-From', 'Toward', 'Contents', 'X-Sesame', 'List-Id', 'Resent-Date']) {
      expect(ownedHeaderReason(name)).toBeNull();
    }
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'refuses the name %s like tags do',
    (name) => {
      const value = JSON.parse(`{"${name}":"x"}`) as unknown;
      expect(headersProblem(value)).toContain(`headers must not have a field named "${name}"`);
    },
  );

  it.each([
    ['a\r\nBcc: x@example.org', 'headers.X-A must not contain CR, LF or other control characters'],
    ['a\nb', 'must not contain CR, LF'],
    ['a\u0000b', 'must not contain CR, LF'],
    ['a\u2028b', 'must not contain CR, LF'],
    ['a\u0085b', 'must not contain CR, LF'],
    ['a\ud800b', 'headers.X-A must be valid Unicode'],
    ['', 'headers.X-A must not be empty: leave the field out instead'],
    ['  ', 'headers.X-A must not be empty'],
    ['x'.repeat(999), 'headers.X-A must be at most 998 bytes (UTF-8), not 999'],
    ['é'.repeat(500), 'headers.X-A must be at most 998 bytes (UTF-8), not 1000'],
    [7, 'headers.X-A must be a string, not a number'],
    [['a'], 'headers.X-A must be a string, not an array'],
    [{ a: 1 }, 'headers.X-A must be a string, not an object'],
    [null, 'headers.X-A must be a string, not null'],
  ])('refuses the value %j, naming the field', (value, message) => {
    expect(headersProblem({ 'X-A': value })).toContain(message);
  });

  it('refuses a field given twice in different case', () => {
    expect(headersProblem({ 'X-Campaign': 'a', 'x-campaign': 'b' })).toBe(
      'headers.x-campaign repeats headers.X-Campaign: header names are case-insensitive, so ' +
        'give each field once',
    );
  });
});
