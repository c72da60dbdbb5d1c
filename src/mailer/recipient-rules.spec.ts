import {
  MAX_RECIPIENTS,
  mailboxList,
  mailboxListProblem,
  recipientListProblem,
  recipientsOf,
} from './recipient-rules';

const addresses = (count: number, prefix = 'r'): string[] =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}@example.org`);

describe('recipientsOf', () => {
  it('makes every list an array', () => {
    expect(recipientsOf({ to: 'a@example.org' })).toEqual({
      to: ['a@example.org'],
      cc: [],
      bcc: [],
    });
    expect(
      recipientsOf({ to: ['a@example.org', 'b@example.org'], cc: 'c@example.org', bcc: [] }),
    ).toEqual({ to: ['a@example.org', 'b@example.org'], cc: ['c@example.org'], bcc: [] });
  });

  it('keeps the order and the display names', () => {
    expect(mailboxList(['B <b@example.org>', 'a@example.org'])).toEqual([
      'B <b@example.org>',
      'a@example.org',
    ]);
    expect(mailboxList(undefined)).toEqual([]);
  });
});

describe('mailboxListProblem', () => {
  const limits = { min: 1, max: 3 };

  it('accepts one mailbox or a list of them', () => {
    expect(mailboxListProblem('replyTo', 'Jane <jane@example.org>', limits)).toBeNull();
    expect(
      mailboxListProblem('replyTo', ['a@example.org', '"B, C" <b@example.org>'], limits),
    ).toBeNull();
  });

  it.each([
    [undefined, 'replyTo is required: one mailbox, or a list of them'],
    [null, 'replyTo must be a string or an array of strings'],
    [{}, 'not an object'],
    [7, 'not a number'],
    [[], 'replyTo must hold at least one mailbox'],
    [addresses(4), 'replyTo must hold at most 3 mailboxes, not 4'],
    [['a@example.org', 1], 'replyTo[1] must be a string, not a number'],
    [['a@example.org', null], 'replyTo[1] must be a string, not null'],
    [['a@example.org', []], 'replyTo[1] must be a string, not an array'],
    [['a@example.org', 'nope'], 'replyTo[1] must be an email address'],
    ['a@example.org, b@example.org', 'replyTo must be one email address, not a list'],
    [['x\r\nBcc: y@example.org'], 'replyTo[0] must not contain CR, LF'],
    [['\ud800@example.org'], 'replyTo[0] must not contain a lone UTF-16 surrogate'],
  ])('refuses %p, naming the field or item', (value, message) => {
    expect(mailboxListProblem('replyTo', value, limits)).toContain(message);
  });

  it('checks the length before reading each item', () => {
    const huge = new Array<unknown>(100_000).fill(42);
    expect(mailboxListProblem('to', huge, { min: 1, max: 50 })).toBe(
      'to must hold at most 50 mailboxes, not 100000',
    );
  });
});

describe('recipientListProblem', () => {
  it('accepts up to 50 recipients across to, cc and bcc', () => {
    const message = { to: addresses(20, 't'), cc: addresses(20, 'c'), bcc: addresses(10, 'b') };
    expect(recipientListProblem('to', message)).toBeNull();
    expect(recipientListProblem('cc', message)).toBeNull();
    expect(recipientListProblem('bcc', message)).toBeNull();
  });

  it('wants one recipient in to at least; cc and bcc may be absent or empty', () => {
    expect(recipientListProblem('to', {})).toBe('to is required: one mailbox, or a list of them');
    expect(recipientListProblem('to', { to: [] })).toBe('to must hold at least one mailbox');
    expect(recipientListProblem('cc', { to: 'a@example.org' })).toBeNull();
    expect(recipientListProblem('cc', { to: 'a@example.org', cc: [] })).toBeNull();
    expect(recipientListProblem('to', { to: [], cc: 'a@example.org' })).not.toBeNull();
  });

  it('refuses 51 in to alone, saying 50', () => {
    expect(recipientListProblem('to', { to: addresses(MAX_RECIPIENTS + 1) })).toBe(
      'to must hold at most 50 mailboxes, not 51: SES takes at most 50 recipients per ' +
        'message, to, cc and bcc together',
    );
  });

  it('names the list that takes the total past 50', () => {
    const message = { to: addresses(30, 't'), cc: addresses(20, 'c'), bcc: ['b@example.org'] };
    expect(recipientListProblem('to', message)).toBeNull();
    expect(recipientListProblem('cc', message)).toBeNull();
    expect(recipientListProblem('bcc', message)).toBe(
      'bcc brings the recipients to 51 (to + cc + bcc); SES takes at most 50 per message, ' +
        'to, cc and bcc together: send several messages',
    );
    expect(recipientListProblem('cc', { to: addresses(30, 't'), cc: addresses(21, 'c') })).toMatch(
      /^cc brings the recipients to 51 \(to \+ cc\)/,
    );
  });

  it('refuses the same mailbox twice, naming both places', () => {
    expect(recipientListProblem('to', { to: ['a@example.org', 'Ann <a@EXAMPLE.org>'] })).toBe(
      'to[1] "Ann <a@EXAMPLE.org>" names the same mailbox as to[0] "a@example.org"; give each ' +
        'recipient once, in to, cc or bcc',
    );
    expect(
      recipientListProblem('cc', { to: 'a@example.org', cc: ['b@example.org', 'A@example.org'] }),
    ).toBe(
      'cc[1] "A@example.org" names the same mailbox as to "a@example.org"; give each ' +
        'recipient once, in to, cc or bcc',
    );
    expect(
      recipientListProblem('bcc', {
        to: 'a@example.org',
        cc: ['c@example.org'],
        bcc: 'c@example.org',
      }),
    ).toMatch(/^bcc "c@example.org" names the same mailbox as cc\[0\]/);
  });

  it('tells apart mailboxes that differ in more than case', () => {
    expect(
      recipientListProblem('cc', { to: 'a@example.org', cc: ['a@example.com', 'a+1@example.org'] }),
    ).toBeNull();
  });

  it('leaves a list that is wrong out of the others’ checks', () => {
    // to is refused on its own; cc is not blamed for it.
    expect(recipientListProblem('cc', { to: [1], cc: 'a@example.org' })).toBeNull();
    expect(recipientListProblem('cc', { to: addresses(51), cc: 'z@example.org' })).toBeNull();
  });

  it('refuses a cc of the wrong shape, naming it', () => {
    expect(recipientListProblem('cc', { to: 'a@example.org', cc: { a: 1 } })).toMatch(
      /^cc must be a string or an array of strings/,
    );
    expect(recipientListProblem('bcc', { to: 'a@example.org', bcc: [true] })).toBe(
      'bcc[0] must be a string, not a boolean',
    );
  });
});
