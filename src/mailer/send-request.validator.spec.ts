import {
  MAX_ATTACHMENTS,
  MAX_HTML_BYTES,
  MAX_RECIPIENTS,
  MAX_SCHEDULE_DAYS,
  SendMessageDto,
  recipientsOf,
  sendAtProblem,
} from './dto/send-message.dto';
import { checkSendRequest, describeProblems } from './send-request.validator';

const valid = {
  from: 'news@example.com',
  to: 'bounce@simulator.amazonses.com',
  subject: 'hi',
  html: '<p>hello</p>',
};

function fieldsOf(input: unknown): string[] {
  const result = checkSendRequest(input);
  return result.ok ? [] : result.problems.map((problem) => problem.field);
}

describe('checkSendRequest', () => {
  it('accepts a minimal message and one with every field', () => {
    expect(checkSendRequest(valid).ok).toBe(true);
    const full = {
      ...valid,
      from: '"News, Weekly" <news@example.com>',
      to: 'Jane <jane@example.org>',
      text: 'hello',
      localMessageId: 'order-1:confirm@shop',
      tags: { campaign: 'welcome', 'ab.test': 'B' },
    };
    const result = checkSendRequest(full);
    expect(result).toEqual({ ok: true, value: expect.objectContaining(full) });
  });

  it.each([
    ['from', { from: 'not-an-address' }],
    ['to', { to: 'a@example.com, b@example.com' }],
    ['to', { to: 'victim@example.com\r\nBcc: everyone@example.com' }],
    ['subject', { subject: '' }],
    ['subject', { subject: '   ' }],
    ['subject', { subject: 'hi\r\nBcc: x@example.com' }],
    ['subject', { subject: 'x'.repeat(999) }],
    ['html', { html: 'x'.repeat(MAX_HTML_BYTES + 1) }],
    ['html', { html: 42 }],
    ['localMessageId', { localMessageId: 'has space' }],
    ['localMessageId', { localMessageId: 'x'.repeat(129) }],
    ['tags', { tags: { ok: 'fine', 'bad name': 'x' } }],
    ['tags', { tags: ['a'] }],
    ['surprise', { surprise: true }],
  ])('names %s when it is wrong', (field, change) => {
    expect(fieldsOf({ ...valid, ...change })).toEqual([field]);
  });

  it.each([
    [
      'to',
      { to: 42 },
      'to must be a string or an array of strings (mailboxes such as "Jane <jane@example.com>"), not a number',
    ],
    [
      'to',
      { to: 'jane@example.org\nBcc: x@example.org' },
      'to must not contain CR, LF or other control characters',
    ],
    ['subject', { subject: '' }, 'subject must not be empty'],
    ['subject', { subject: 7 }, 'subject must be a string'],
    ['html', { html: undefined }, 'html or text is required: give html, text or both'],
  ])('says what is wrong with %s first', (_field, change, problem) => {
    const result = checkSendRequest({ ...valid, ...change });
    expect(result.ok ? [] : result.problems.flatMap((p) => p.problems)).toEqual([problem]);
  });

  it('counts multi-byte characters in bytes', () => {
    const html = 'é'.repeat(MAX_HTML_BYTES / 2 + 1);
    expect(fieldsOf({ ...valid, html })).toEqual(['html']);
  });

  it('wants html, text or both', () => {
    const { html: _html, ...noBody } = valid;
    const result = checkSendRequest(noBody);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : describeProblems(result.problems)).toBe(
      'html or text is required: give html, text or both',
    );
    expect(checkSendRequest({ ...noBody, text: 'plain' }).ok).toBe(true);
  });

  it('reports every problem at once', () => {
    expect(fieldsOf({ from: 'x', to: 'y', subject: '' })).toEqual([
      'from',
      'to',
      'subject',
      'html',
    ]);
  });

  it.each([null, 'text', [valid], 3])('refuses a body that is not an object: %p', (input) => {
    expect(fieldsOf(input)).toEqual(['(body)']);
  });

  describe('hostile input', () => {
    const parsed = (json: string): unknown => JSON.parse(json);

    it.each(['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'])(
      'refuses the tag name %s, naming it',
      (name) => {
        const input = { ...valid, tags: parsed(`{"${name}":"x"}`) as object };
        const check = checkSendRequest(input);
        expect(check.ok ? [] : check.problems).toEqual([
          { field: 'tags', problems: [expect.stringContaining(`"${name}"`)] },
        ]);
      },
    );

    it.each(['__proto__', 'constructor', 'toString'])(
      'refuses a top-level %s like any unknown field',
      (name) => {
        const input = parsed(`{"${name}":{"a":1}}`) as object;
        expect(fieldsOf({ ...valid, ...input })).toEqual([name]);
      },
    );

    it('refuses a reserved key inside track', () => {
      expect(fieldsOf({ ...valid, track: parsed('{"constructor":true}') })).toEqual(['track']);
    });

    it.each(['text', 'localMessageId', 'tags', 'track', 'html'])(
      'refuses null for %s, naming it',
      (field) => {
        const result = checkSendRequest({ ...valid, text: 'plain', [field]: null });
        expect(result.ok ? [] : result.problems).toEqual([
          { field, problems: [expect.stringMatching(new RegExp(`^${field} must be .*not null`))] },
        ]);
      },
    );

    it('says which type a null field should have', () => {
      const result = checkSendRequest({ ...valid, text: null });
      expect(result.ok ? '' : describeProblems(result.problems)).toBe(
        'text must be a string, not null: leave the field out instead',
      );
    });

    it('refuses a null inside tags or track', () => {
      expect(fieldsOf({ ...valid, tags: { a: null } })).toEqual(['tags']);
      expect(fieldsOf({ ...valid, track: { opens: null } })).toEqual(['track']);
    });

    it.each(['from', 'to', 'subject', 'html', 'text'])(
      'refuses a lone surrogate in %s, naming it',
      (field) => {
        const value = field === 'from' || field === 'to' ? '\ud800@example.com' : 'a\ud800b';
        const result = checkSendRequest({ ...valid, [field]: value });
        expect(result.ok ? [] : result.problems).toEqual([
          { field, problems: [expect.stringContaining('surrogate')] },
        ]);
      },
    );

    it('accepts a well-formed pair of surrogates (an emoji)', () => {
      expect(checkSendRequest({ ...valid, subject: 'hi \ud83d\ude00' }).ok).toBe(true);
    });

    it.each(['2028', '2029', '0085', '009b', '0000', '007f'])(
      'refuses U+%s in the subject and in display names',
      (hex) => {
        const character = String.fromCharCode(parseInt(hex, 16));
        expect(fieldsOf({ ...valid, subject: `a${character}b` })).toEqual(['subject']);
        expect(fieldsOf({ ...valid, from: `A${character}B <a@example.com>` })).toEqual(['from']);
      },
    );

    it('asks to quote a display name holding a comma', () => {
      const result = checkSendRequest({ ...valid, from: 'Doe, John <john@example.com>' });
      expect(result.ok ? '' : describeProblems(result.problems)).toBe(
        'from has a display name holding "," outside quotes, which SES would not read as one ' +
          'mailbox: quote the name, as in "Doe, John" <john@example.com>',
      );
      expect(checkSendRequest({ ...valid, from: '"Doe, John" <john@example.com>' }).ok).toBe(true);
    });

    it('accepts a quoted local part', () => {
      expect(checkSendRequest({ ...valid, to: '"john doe"@example.com' }).ok).toBe(true);
      expect(checkSendRequest({ ...valid, to: 'John <"john doe"@example.com>' }).ok).toBe(true);
    });

    it('refuses nesting past the limit without exhausting the stack', () => {
      let deep: unknown = 'x';
      for (let i = 0; i < 20_000; i += 1) {
        deep = { a: deep };
      }
      expect(fieldsOf({ ...valid, track: deep })).toEqual(['track']);
      expect(fieldsOf({ ...valid, surprise: deep })).toEqual(['surprise']);
    });

    it('refuses a cyclic input (from an embedding app) instead of looping', () => {
      const tags: Record<string, unknown> = {};
      tags.self = tags;
      expect(fieldsOf({ ...valid, tags })).toEqual(['tags']);
    });

    it('takes a DTO instance whose unset fields are undefined', () => {
      expect(checkSendRequest({ ...valid, text: undefined, tags: undefined }).ok).toBe(true);
    });
  });
});

/** The problems of a refused input, as one string per field: `field: problem`. */
function problemsOf(input: unknown): string[] {
  const result = checkSendRequest(input);
  return result.ok
    ? []
    : result.problems.map((problem) => `${problem.field}: ${problem.problems.join(' / ')}`);
}

const inAWeek = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000).toISOString();

const everything = {
  from: 'Shop <shop@example.com>',
  to: ['Jane <jane@example.org>', 'bob@example.org'],
  cc: 'carol@example.org',
  bcc: ['audit@example.com'],
  replyTo: ['support@example.com', 'Sales <sales@example.com>'],
  subject: 'Your order',
  html: '<p>Thanks</p><img src="cid:logo">',
  text: 'Thanks',
  headers: { 'X-Campaign': 'spring', 'In-Reply-To': '<a@example.com>' },
  attachments: [
    { filename: 'invoice.pdf', content: 'JVBERi0xLjQK', contentType: 'application/pdf' },
    { filename: 'logo.png', content: 'iVBORw0KGgo=', contentId: 'logo' },
  ],
  configurationSet: 'marketing-events',
  sesTags: { campaign: 'spring-sale' },
  category: 'orders.shipping',
  unsubscribe: true,
  skipSuppressed: false,
  sendAt: inAWeek,
  localMessageId: 'order-42',
  tags: { order: '42' },
  track: { opens: true },
};

describe('checkSendRequest: the fields of issue 13', () => {
  it('accepts a message with every field, and keeps their values and shapes', () => {
    const result = checkSendRequest(everything);
    expect(result).toEqual({ ok: true, value: expect.objectContaining(everything) });
    const value = result.ok ? result.value : undefined;
    expect(value).toBeInstanceOf(SendMessageDto);
    expect(Array.isArray(value?.to)).toBe(true);
    expect(value?.attachments?.[1]).toEqual(everything.attachments[1]);
  });

  it('accepts a template message, which has no subject, html or text', () => {
    const { subject: _s, html: _h, text: _t, ...rest } = everything;
    const templated = { ...rest, template: { name: 'order-shipped', data: { order: { id: 42 } } } };
    expect(checkSendRequest(templated)).toEqual({
      ok: true,
      value: expect.objectContaining(templated),
    });
    expect(
      checkSendRequest({ ...valid, html: undefined, subject: undefined, template: { name: 't' } })
        .ok,
    ).toBe(true);
  });

  it('normalises recipients with recipientsOf', () => {
    const result = checkSendRequest(everything);
    expect(result.ok && recipientsOf(result.value)).toEqual({
      to: ['Jane <jane@example.org>', 'bob@example.org'],
      cc: ['carol@example.org'],
      bcc: ['audit@example.com'],
    });
  });

  it('exports the limits', () => {
    expect([MAX_RECIPIENTS, MAX_ATTACHMENTS, MAX_SCHEDULE_DAYS]).toEqual([50, 50, 30]);
    expect(sendAtProblem('2026-12-24T08:00:00Z', Date.parse('2026-12-01T00:00:00Z'))).toBeNull();
  });

  describe('recipients', () => {
    const many = (count: number, prefix: string): string[] =>
      Array.from({ length: count }, (_, i) => `${prefix}${i}@example.org`);

    it('takes to as a string or a list, and cc, bcc as either or empty', () => {
      expect(checkSendRequest({ ...valid, to: ['a@example.org'] }).ok).toBe(true);
      expect(checkSendRequest({ ...valid, to: many(50, 't') }).ok).toBe(true);
      expect(checkSendRequest({ ...valid, cc: [], bcc: [] }).ok).toBe(true);
      expect(
        checkSendRequest({ ...valid, to: many(25, 't'), cc: many(15, 'c'), bcc: many(10, 'b') }).ok,
      ).toBe(true);
    });

    it.each([
      [{ to: [] }, 'to: to must hold at least one mailbox'],
      [{ to: [1] }, 'to: to[0] must be a string, not a number'],
      [{ to: {} }, 'to: to must be a string or an array of strings'],
      [{ to: [[]] }, 'to: to[0] must be a string, not an array'],
      [
        { to: ['a@example.org', 'b@example.org, c@example.org'] },
        'to: to[1] must be one email address, not a list',
      ],
      [{ to: ['a@example.org', 'x\r\nBcc: y@example.org'] }, 'to: to[1] must not contain CR, LF'],
      [{ to: ['\ud800@example.org'] }, 'to: to[0] must not contain a lone UTF-16 surrogate'],
      [{ to: undefined }, 'to: to is required: one mailbox, or a list of them'],
      [{ cc: 'nope' }, 'cc: cc must be an email address'],
      [{ cc: ['a@example.org', 7] }, 'cc: cc[1] must be a string, not a number'],
      [{ cc: {} }, 'cc: cc must be a string or an array of strings'],
      [{ bcc: [true] }, 'bcc: bcc[0] must be a string, not a boolean'],
      [{ bcc: 'Doe, J <j@example.org>' }, 'bcc: bcc has a display name holding ","'],
      [{ replyTo: [] }, 'replyTo: replyTo must hold at least one mailbox'],
      [{ replyTo: many(11, 'r') }, 'replyTo: replyTo must hold at most 10 mailboxes, not 11'],
      [{ replyTo: ['a@example.org', 'bad'] }, 'replyTo: replyTo[1] must be an email address'],
      [{ replyTo: 5 }, 'replyTo: replyTo must be a string or an array of strings'],
    ])('refuses %p, naming the field and the item', (change, problem) => {
      const problems = problemsOf({ ...valid, ...change });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(problem);
    });

    it('refuses more than 50 recipients, naming the list that overflows', () => {
      expect(problemsOf({ ...valid, to: many(51, 't') })).toEqual([
        'to: to must hold at most 50 mailboxes, not 51: SES takes at most 50 recipients per ' +
          'message, to, cc and bcc together',
      ]);
      expect(problemsOf({ ...valid, to: many(40, 't'), cc: many(11, 'c') })).toEqual([
        'cc: cc brings the recipients to 51 (to + cc); SES takes at most 50 per message, to, cc ' +
          'and bcc together: send several messages',
      ]);
      expect(
        problemsOf({ ...valid, to: many(40, 't'), cc: many(10, 'c'), bcc: 'b@example.org' }),
      ).toEqual([
        expect.stringMatching(/^bcc: bcc brings the recipients to 51 \(to \+ cc \+ bcc\)/),
      ]);
    });

    it('refuses the same address twice across to, cc and bcc, naming it', () => {
      expect(
        problemsOf({
          ...valid,
          to: 'jane@example.org',
          bcc: ['x@example.org', 'Jane <JANE@Example.org>'],
        }),
      ).toEqual([
        'bcc: bcc[1] "Jane <JANE@Example.org>" names the same mailbox as to "jane@example.org"; ' +
          'give each recipient once, in to, cc or bcc',
      ]);
      expect(problemsOf({ ...valid, to: ['a@example.org', 'a@example.org'] })).toEqual([
        expect.stringMatching(/^to: to\[1\] "a@example.org" names the same mailbox as to\[0\]/),
      ]);
    });
  });

  describe('headers, attachments and SES options', () => {
    it.each([
      [{ headers: [] }, 'headers: headers must be an object of header fields'],
      [{ headers: 'X-A: 1' }, 'headers: headers must be an object of header fields'],
      [{ headers: { 'X-A': 1 } }, 'headers: headers.X-A must be a string, not a number'],
      [
        { headers: { 'X-A': 'a\r\nBcc: x@example.org' } },
        'headers: headers.X-A must not contain CR, LF',
      ],
      [
        { headers: { 'Reply-To': 'a@example.org' } },
        'headers: headers.Reply-To cannot be set here: use replyTo',
      ],
      [{ headers: { 'bad name': 'x' } }, 'headers: headers has a bad field name "bad name"'],
      [{ attachments: 'x' }, 'attachments: attachments must be an array of attachments'],
      [{ attachments: {} }, 'attachments: attachments must be an array of attachments'],
      [{ attachments: [[]] }, 'attachments: attachments[0] must be an object such as'],
      [{ attachments: [7] }, 'attachments: attachments[0] must be an object such as'],
      [{ attachments: [{}] }, 'attachments: attachments[0].filename is required'],
      [
        { attachments: [{ filename: 'setup.exe', content: 'AA==' }] },
        'attachments: attachments[0].filename "setup.exe": SES does not accept .exe attachments',
      ],
      [
        { attachments: [{ filename: 'a.pdf', content: 'not base64!' }] },
        'attachments: attachments[0].content must be base64 on one line',
      ],
      [
        { attachments: new Array(51).fill({ filename: 'a.pdf', content: 'AA==' }) },
        'attachments: attachments must hold at most 50 attachments, not 51',
      ],
      [
        { configurationSet: 'has space' },
        'configurationSet: configurationSet must be 1-64 ASCII letters, digits, "_" or "-"',
      ],
      [{ configurationSet: 'x'.repeat(65) }, 'configurationSet: configurationSet must be 1-64'],
      [{ configurationSet: 3 }, 'configurationSet: configurationSet must be a string'],
      [
        { sesTags: { campaign: 'spring sale' } },
        'sesTags: sesTags.campaign has the value "spring sale"',
      ],
      [{ sesTags: ['a'] }, 'sesTags: sesTags must be an object of string values'],
      [
        { category: 'Newsletter' },
        'category: category must be 1-64 lower-case letters, digits, "_", "." or "-"',
      ],
      [{ category: '' }, 'category: category must be 1-64'],
      [{ category: 'x'.repeat(65) }, 'category: category must be 1-64'],
      [{ category: ['a'] }, 'category: category must be a string'],
      [{ unsubscribe: 'yes' }, 'unsubscribe: unsubscribe must be a boolean value'],
      [{ skipSuppressed: 1 }, 'skipSuppressed: skipSuppressed must be a boolean value'],
    ])('refuses %p, naming the field', (change, problem) => {
      const problems = problemsOf({ ...valid, ...change });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(problem);
    });

    it.each(['constructor', '__proto__', 'toString'])(
      'refuses the key %s in headers and sesTags, naming it',
      (name) => {
        const object = JSON.parse(`{"${name}":"x"}`) as object;
        expect(problemsOf({ ...valid, headers: object })).toEqual([
          expect.stringMatching(new RegExp(`^headers: .*"${name}"`)),
        ]);
        expect(problemsOf({ ...valid, sesTags: object })).toEqual([
          expect.stringMatching(new RegExp(`^sesTags: .*"${name}"`)),
        ]);
        expect(
          problemsOf({
            ...valid,
            attachments: [{ filename: 'a.pdf', content: 'AA==', ...object }],
          }),
        ).toEqual([expect.stringMatching(new RegExp(`^attachments: .*"${name}"`))]);
      },
    );

    it('refuses a null inside attachments, naming the item', () => {
      expect(problemsOf({ ...valid, attachments: [null] })).toEqual([
        'attachments: attachments[0] must not be null: leave it out instead',
      ]);
      expect(
        problemsOf({
          ...valid,
          attachments: [{ filename: 'a.pdf', content: 'AA==', contentId: null }],
        }),
      ).toEqual(['attachments: attachments[0].contentId must not be null: leave it out instead']);
    });

    it.each([
      'cc',
      'bcc',
      'replyTo',
      'headers',
      'attachments',
      'configurationSet',
      'sesTags',
      'category',
      'unsubscribe',
      'skipSuppressed',
      'sendAt',
      'template',
    ])('refuses null for %s, naming it', (field) => {
      expect(problemsOf({ ...valid, [field]: null })).toEqual([
        expect.stringMatching(new RegExp(`^${field}: ${field} must be .*not null`)),
      ]);
    });
  });

  describe('sendAt', () => {
    it('takes a time within 30 days or a time past', () => {
      expect(checkSendRequest({ ...valid, sendAt: inAWeek }).ok).toBe(true);
      expect(checkSendRequest({ ...valid, sendAt: '2001-01-01T00:00:00+02:00' }).ok).toBe(true);
    });

    it.each([
      [
        new Date(Date.now() + 31 * 24 * 60 * 60 * 1000).toISOString(),
        'sendAt must be at most 30 days ahead',
      ],
      ['2026-12-24T08:00:00', 'sendAt must be a date and time with its time zone'],
      ['next tuesday', 'sendAt must be a date and time with its time zone'],
      [1767000000000, 'sendAt must be a string, not a number'],
      [[inAWeek], 'sendAt must be a string, not an array'],
    ])('refuses %p, naming sendAt', (sendAt, problem) => {
      expect(problemsOf({ ...valid, sendAt })).toEqual([
        expect.stringContaining(`sendAt: ${problem}`),
      ]);
    });
  });

  describe('template', () => {
    const templated = { from: valid.from, to: valid.to, template: { name: 'welcome' } };

    it.each([
      ['subject', { subject: 'hi' }],
      ['html', { html: '<p>x</p>' }],
      ['text', { text: 'x' }],
    ])('refuses %s next to a template, naming it', (field, change) => {
      expect(problemsOf({ ...templated, ...change })).toEqual([
        `${field}: ${field} must be left out when template is given: give either template or ` +
          'subject/html/text',
      ]);
    });

    it('names each of subject, html and text given with a template', () => {
      expect(checkSendRequest({ ...templated, subject: 'a', html: 'b', text: 'c' })).toEqual({
        ok: false,
        problems: ['subject', 'html', 'text'].map((field) => ({
          field,
          problems: [expect.stringContaining('must be left out when template is given')],
        })),
      });
    });

    it('still wants a subject, and html or text, without a template', () => {
      expect(problemsOf({ from: valid.from, to: valid.to })).toEqual([
        'subject: subject must be a string',
        'html: html or text is required: give html, text or both',
      ]);
    });

    it.each([
      [{ template: 'welcome' }, 'template: template must be an object such as'],
      [{ template: [] }, 'template: template must be an object such as'],
      [{ template: {} }, 'template: template.name is required'],
      [{ template: { name: 'no spaces' } }, 'template: template.name must be 1-64 letters'],
      [{ template: { name: 'a', data: [] } }, 'template: template.data must be an object'],
      [{ template: { name: 'a', data: 'x' } }, 'template: template.data must be an object'],
      [{ template: { name: 'a', extra: 1 } }, 'template: template.extra should not exist'],
      [
        { template: { name: 'a', data: { big: 'x'.repeat(70_000) } } },
        'template: template.data must be at most 65536 bytes as JSON',
      ],
      [
        { template: { name: 'a', data: { a: null } } },
        'template: template.data.a must not be null',
      ],
      [
        { template: { name: 'a', data: JSON.parse('{"__proto__":{"x":1}}') as object } },
        'template: template.data must not have a key named "__proto__"',
      ],
    ])('refuses %p, naming the field', (change, problem) => {
      const problems = problemsOf({ ...templated, ...change });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(problem);
    });
  });

  it('reports a problem in each new field at once', () => {
    expect(
      fieldsOf({
        ...valid,
        to: [],
        cc: [1],
        replyTo: [],
        headers: [],
        attachments: 'x',
        configurationSet: '',
        sesTags: 1,
        category: 'A',
        unsubscribe: 'y',
        skipSuppressed: 'n',
        sendAt: 'x',
        template: 'x',
      }),
    ).toEqual([
      'to',
      'cc',
      'replyTo',
      'subject',
      'html',
      'headers',
      'attachments',
      'configurationSet',
      'sesTags',
      'category',
      'unsubscribe',
      'skipSuppressed',
      'sendAt',
      'template',
    ]);
  });
});
