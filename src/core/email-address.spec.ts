import { emailAddressOf, sameMailbox } from './email-address';

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
