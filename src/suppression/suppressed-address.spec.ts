import { decodeCursor, encodeCursor, suppressionKeyOf } from './suppressed-address';

describe('suppressionKeyOf', () => {
  it('lower-cases the domain and keeps the local part as written', () => {
    expect(suppressionKeyOf('User@Example.COM')).toBe('User@example.com');
    expect(suppressionKeyOf('user@example.com')).toBe('user@example.com');
  });

  it('takes the address out of a display-name form', () => {
    expect(suppressionKeyOf('"Doe, Jane" <Jane.Doe@Example.org>')).toBe('Jane.Doe@example.org');
    expect(suppressionKeyOf('Jane <jane@EXAMPLE.org>')).toBe('jane@example.org');
  });

  it.each([
    'a+tag@example.com',
    'a/b@example.com',
    '"a b"@example.com',
    'Ünïcode@exämple.com',
    'x@sub.domain.example.co.uk',
  ])('accepts %s', (address) => {
    expect(suppressionKeyOf(address)).toBe(address);
  });

  it.each([
    ['empty', ''],
    ['no @', 'example.com'],
    ['no domain', 'user@'],
    ['no local part', '@example.com'],
    ['no dot in the domain', 'user@localhost'],
    ['an IP domain', 'user@[127.0.0.1]'],
    ['two addresses', 'a@example.com, b@example.com'],
    ['two addresses without comma', 'a@example.com b@example.com'],
    ['a group', 'team: a@example.com;'],
    ['a colon in the local part', 'soft:a@example.com'],
    ['leading space', ' a@example.com'],
    ['trailing space', 'a@example.com '],
    ['a line break', 'a@example.com\r\nBcc: b@example.com'],
    ['a NUL', 'a\u0000b@example.com'],
    ['consecutive dots', 'a..b@example.com'],
    ['an over-long local part', `${'x'.repeat(65)}@example.com`],
    ['angle brackets only', '<a@example.com>'],
  ])('refuses %s', (_name, value) => {
    expect(suppressionKeyOf(value)).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(suppressionKeyOf(undefined as unknown as string)).toBeNull();
    expect(suppressionKeyOf(42 as unknown as string)).toBeNull();
  });
});

describe('paging cursors', () => {
  it.each(['a@example.com', 'User+x@example.com', '"a b"@example.com', 'Ünï@exämple.com'])(
    'round-trips %s',
    (key) => {
      const cursor = encodeCursor(key);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toBe(key);
    },
  );

  it('is opaque: the key does not show in it', () => {
    expect(encodeCursor('a@example.com')).not.toContain('example');
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a@example.com'],
    ['standard base64 padding', `${encodeCursor('ab@example.com')}=`],
    ['standard base64 alphabet', Buffer.from('a?>@example.com').toString('base64')],
    ['not the encoding of an address', encodeCursor('not an address')],
    ['trailing bits that do not round-trip', `${encodeCursor('a@example.com')}B`],
    ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0x40]).toString('base64url')],
  ])('refuses %s', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
