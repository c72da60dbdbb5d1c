import { emailAddressOf, mailboxProblem, sameMailbox } from './email-address';

describe('emailAddressOf', () => {
  it('takes the address out of a display-name form', () => {
    expect(emailAddressOf('"News, Weekly" <News@Example.COM>')).toBe('News@example.com');
  });

  it('keeps a bare address and lower-cases only its domain', () => {
    expect(emailAddressOf('Bounce@Simulator.AmazonSES.com')).toBe('Bounce@simulator.amazonses.com');
  });

  it('is empty when there is no address', () => {
    expect(emailAddressOf('')).toBe('');
  });
});

describe('sameMailbox', () => {
  it('compares without regard to case or display name', () => {
    expect(sameMailbox('Jane <JANE@example.com>', 'jane@EXAMPLE.com')).toBe(true);
    expect(sameMailbox('jane@example.com', 'john@example.com')).toBe(false);
  });
});

describe('mailboxProblem', () => {
  it.each([
    'jane@example.com',
    'Jane <jane@example.com>',
    'Jane Q. Public <jane@example.com>',
    '"Doe, Jane" <jane@example.com>',
    '"Say \\"hi\\"" <jane@example.com>',
    '<jane@example.com>',
    '"jane doe"@example.com',
    'Jane <"jane doe"@example.com>',
    'Zoë <zoe@example.com>',
  ])('accepts %s', (value) => {
    expect(mailboxProblem(value)).toBeNull();
  });

  it.each([
    ['Doe, John <john@example.com>', 'quote the name, as in "Doe, John" <john@example.com>'],
    ['a@example.com, b@example.com', 'must be one email address, not a list'],
    ['Team: a@example.com;', 'must be one email address, not a list'],
    ['John (boss) <john@example.com>', 'holding "(" outside quotes'],
    ['"Doe, John <john@example.com>', 'unterminated quote'],
    ['Jane <not an address>', '"not an address" between < and > is not one'],
    ['not an address', 'must be an email address'],
    ['a@example.com>', 'must be an email address'],
    ['\ud800@example.com', 'lone UTF-16 surrogate'],
    ['Jane\u2028 <jane@example.com>', 'control characters'],
  ])('refuses %j: %s', (value, problem) => {
    expect(mailboxProblem(value)).toContain(problem);
  });
});
