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
});
