import {
  addressesOf,
  bareAddress,
  headerValue,
  parseHeaderBlock,
  splitAddressList,
} from './mail-headers';

describe('parseHeaderBlock', () => {
  it('reads the top-level headers in order, unfolding continuation lines', () => {
    const mime = [
      'From: "News" <news@example.com>',
      'To: a@example.com,',
      '  b@example.com',
      'Subject: =?utf-8?Q?H=C3=A9llo?=',
      '',
      'X-Not-A-Header: body text',
    ].join('\r\n');
    expect(parseHeaderBlock(mime)).toEqual([
      { name: 'From', value: '"News" <news@example.com>' },
      { name: 'To', value: 'a@example.com, b@example.com' },
      { name: 'Subject', value: '=?utf-8?Q?H=C3=A9llo?=' },
    ]);
  });

  it('accepts bare LF line ends and a message without a body', () => {
    expect(parseHeaderBlock('From: a@x\nTo: b@y')).toEqual([
      { name: 'From', value: 'a@x' },
      { name: 'To', value: 'b@y' },
    ]);
  });

  it('finds a header case-insensitively', () => {
    const headers = parseHeaderBlock('message-id: <1@x>\r\n\r\n');
    expect(headerValue(headers, 'Message-ID')).toBe('<1@x>');
    expect(headerValue(headers, 'Date')).toBeUndefined();
  });
});

describe('splitAddressList', () => {
  it('ignores commas inside quoted display names and comments', () => {
    expect(
      splitAddressList('"Doe, Jane" <jane@x.com>, bob@y.com (Bob, the builder), <c@z.com>'),
    ).toEqual(['"Doe, Jane" <jane@x.com>', 'bob@y.com (Bob, the builder)', '<c@z.com>']);
  });

  it('drops group names and ends groups at the semicolon', () => {
    expect(splitAddressList('Team: a@x.com, b@x.com; c@y.com')).toEqual([
      'a@x.com',
      'b@x.com',
      'c@y.com',
    ]);
    expect(splitAddressList('undisclosed-recipients:;')).toEqual([]);
  });
});

describe('bareAddress', () => {
  it('takes the address out of angle brackets, a display name or a comment', () => {
    expect(bareAddress('"Jane" <jane@x.com>')).toBe('jane@x.com');
    expect(bareAddress(' bob@y.com (Bob) ')).toBe('bob@y.com');
    expect(bareAddress('c@z.com')).toBe('c@z.com');
  });
});

describe('addressesOf', () => {
  it('collects the bare addresses of several header values, skipping missing ones', () => {
    expect(addressesOf(['"A, B" <a@x.com>, b@x.com', undefined, 'c@y.com'])).toEqual([
      'a@x.com',
      'b@x.com',
      'c@y.com',
    ]);
  });
});

describe('quoted local parts', () => {
  it('keeps a quoted local part whole', () => {
    expect(bareAddress('"john doe"@example.com')).toBe('"john doe"@example.com');
    expect(bareAddress('John <"john doe"@example.com>')).toBe('"john doe"@example.com');
    expect(addressesOf(['"john doe"@example.com, "Doe, J" <"j d"@example.com>'])).toEqual([
      '"john doe"@example.com',
      '"j d"@example.com',
    ]);
  });
});
