import {
  decodeCursor,
  encodeCursor,
  indexMemberOf,
  parseIndexMember,
  suppressionKeyOf,
} from './suppressed-address';

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

describe('index members', () => {
  it('is the key for an entry, key + tab + category for an unsubscribe', () => {
    expect(indexMemberOf('a@example.com')).toBe('a@example.com');
    expect(indexMemberOf('a@example.com', 'marketing')).toBe('a@example.com\tmarketing');
  });

  it.each([
    ['a@example.com', { key: 'a@example.com' }],
    ['a@example.com\tmarketing', { key: 'a@example.com', category: 'marketing' }],
    ['a@example.com\tnews.v2_x-y', { key: 'a@example.com', category: 'news.v2_x-y' }],
    // A quoted local part may hold a tab; what follows the last tab of a key holds the @domain.
    ['"a\tb"@example.com', { key: '"a\tb"@example.com' }],
    ['"a\tb"@example.com\tmarketing', { key: '"a\tb"@example.com', category: 'marketing' }],
  ])('reads %j', (member, parsed) => {
    expect(parseIndexMember(member)).toEqual(parsed);
  });

  it.each([
    ['not an address', 'nobody'],
    ['a bad category', 'a@example.com\tMarketing'],
    ['an empty category', 'a@example.com\t'],
    ['a category over 64 characters', `a@example.com\t${'x'.repeat(65)}`],
    ['no key', '\tmarketing'],
    ['a key that is not one', 'A@EXAMPLE.com\tmarketing'],
  ])('refuses %s', (_name, member) => {
    expect(parseIndexMember(member)).toBeNull();
  });

  it("sorts an address's unsubscribes after its entry and before any longer address", () => {
    const members = [
      'a@example.com.au',
      indexMemberOf('a@example.com', 'news'),
      'a@example.com',
      indexMemberOf('a@example.com', 'marketing'),
    ];
    // Redis orders lexical ranges bytewise, as Buffer.compare does.
    members.sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(members).toEqual([
      'a@example.com',
      'a@example.com\tmarketing',
      'a@example.com\tnews',
      'a@example.com.au',
    ]);
  });

  it('round-trips an unsubscribe member through a cursor, and refuses a forged one', () => {
    const member = indexMemberOf('a@example.com', 'marketing');
    expect(decodeCursor(encodeCursor(member))).toBe(member);
    expect(decodeCursor(encodeCursor('a@example.com\tNOT A CATEGORY'))).toBeNull();
  });
});
