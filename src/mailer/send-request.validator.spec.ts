import { MAX_HTML_BYTES } from './dto/send-message.dto';
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
    ['to', { to: ['jane@example.org'] }, 'to must be a string'],
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
