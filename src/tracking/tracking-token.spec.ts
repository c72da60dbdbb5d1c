import { createHmac } from 'node:crypto';
import {
  isTrackableUrl,
  signLinkToken,
  signTrackingToken,
  verifyLinkToken,
  verifyTrackingToken,
} from './tracking-token';

const SECRET = 'test-tracking-secret-0123456789abcdef';
const MESSAGE_ID = '0100018f2b3c4d5e-6f7a8b9c-1234-5678-9abc-def012345678-000000';

describe('tracking tokens', () => {
  it.each([
    ['an SES message id', MESSAGE_ID],
    ['unicode', 'nachricht-ü-✉️-测试'],
    ['dots, colons and @', 'a.b:c@example.com'],
    ['a single character', 'x'],
    ['256 characters', 'm'.repeat(256)],
  ])('round-trips %s', (_case, messageId) => {
    const token = signTrackingToken('o', messageId, SECRET);
    expect(verifyTrackingToken('o', token, SECRET)).toBe(messageId);
  });

  it('uses only URL-path-safe characters', () => {
    for (const messageId of [MESSAGE_ID, '?/#&+= ü', '\u0000\u00ff\uffff']) {
      expect(signTrackingToken('c', messageId, SECRET)).toMatch(
        /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/,
      );
    }
  });

  it('is base64url(id) and the first 22 characters of the HMAC over purpose and id', () => {
    const mac = createHmac('sha256', SECRET).update(`o:${MESSAGE_ID}`).digest('base64url');
    expect(signTrackingToken('o', MESSAGE_ID, SECRET)).toBe(
      `${Buffer.from(MESSAGE_ID).toString('base64url')}.${mac.slice(0, 22)}`,
    );
  });

  describe('rejects', () => {
    const token = signTrackingToken('o', MESSAGE_ID, SECRET);
    const [encodedId, mac] = token.split('.');

    it('another secret', () => {
      expect(verifyTrackingToken('o', token, `${SECRET}x`)).toBeNull();
      expect(verifyTrackingToken('o', token, '')).toBeNull();
    });

    it('another purpose', () => {
      expect(verifyTrackingToken('c', token, SECRET)).toBeNull();
    });

    it('a forged mac', () => {
      const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
      expect(verifyTrackingToken('o', `${encodedId}.${flipped}`, SECRET)).toBeNull();
      expect(verifyTrackingToken('o', `${encodedId}.${'A'.repeat(22)}`, SECRET)).toBeNull();
    });

    it('an altered id', () => {
      const otherId = Buffer.from(`${MESSAGE_ID}1`).toString('base64url');
      expect(verifyTrackingToken('o', `${otherId}.${mac}`, SECRET)).toBeNull();
    });

    it('a token for another id with its own valid mac swapped in', () => {
      const other = signTrackingToken('o', 'other-message', SECRET);
      expect(verifyTrackingToken('o', `${encodedId}.${other.split('.')[1]}`, SECRET)).toBeNull();
    });

    it.each([
      ['truncated mac', token.slice(0, -1)],
      ['truncated id', token.slice(1)],
      ['mac only', `.${mac}`],
      ['no separator', `${encodedId}${mac}`],
      ['padded id', `${encodedId}==.${mac}`],
      ['padded token', `${token}=`],
      ['longer mac', `${token}A`],
      ['whitespace', ` ${token}`],
      ['standard base64 characters', `${encodedId}+/.${mac}`],
      ['two dots', `${encodedId}.x.${mac}`],
      ['empty', ''],
      ['garbage', 'not a token'],
    ])('a %s', (_case, tampered) => {
      expect(verifyTrackingToken('o', tampered, SECRET)).toBeNull();
    });

    it('a non-canonical base64url encoding of the id', () => {
      // "YQ" is the canonical encoding of "a"; "YR" decodes to "a" too, with stray low bits.
      const mac = signTrackingToken('o', 'a', SECRET).split('.')[1];
      expect(verifyTrackingToken('o', `YQ.${mac}`, SECRET)).toBe('a');
      expect(verifyTrackingToken('o', `YR.${mac}`, SECRET)).toBeNull();
    });

    it('an id that is not valid UTF-8', () => {
      const encoded = Buffer.from([0xff, 0xfe]).toString('base64url');
      const mac = signTrackingToken('o', '\ufffd\ufffd', SECRET).split('.')[1];
      expect(verifyTrackingToken('o', `${encoded}.${mac}`, SECRET)).toBeNull();
    });

    it('an id longer than 256 characters', () => {
      const id = 'm'.repeat(257);
      const mac = createHmac('sha256', SECRET).update(`o:${id}`).digest('base64url').slice(0, 22);
      expect(
        verifyTrackingToken('o', `${Buffer.from(id).toString('base64url')}.${mac}`, SECRET),
      ).toBeNull();
    });

    it('a token longer than 512 characters', () => {
      expect(verifyTrackingToken('o', `${'A'.repeat(490)}.${mac}`, SECRET)).toBeNull();
    });

    it('a non-string token without throwing', () => {
      expect(verifyTrackingToken('o', undefined as unknown as string, SECRET)).toBeNull();
    });
  });

  describe('signing', () => {
    it('refuses an empty or over-long message id', () => {
      expect(() => signTrackingToken('o', '', SECRET)).toThrow(
        'messageId has 0 characters; expected 1 to 256',
      );
      expect(() => signTrackingToken('o', 'm'.repeat(257), SECRET)).toThrow(
        'messageId has 257 characters; expected 1 to 256',
      );
    });

    it('refuses an id whose token would not fit in 512 characters', () => {
      expect(() => signTrackingToken('o', '✉'.repeat(200), SECRET)).toThrow(
        /its token has 823 characters; expected at most 512/,
      );
    });

    it('refuses an id with an unpaired surrogate', () => {
      expect(() => signTrackingToken('o', 'a\ud800b', SECRET)).toThrow(/not well-formed Unicode/);
    });

    it('refuses an empty secret', () => {
      expect(() => signTrackingToken('o', MESSAGE_ID, '')).toThrow(/secret must not be empty/);
    });
  });
});

describe('link tokens', () => {
  const target = { messageId: MESSAGE_ID, index: 3, url: 'https://shop.example.com/a?b=1&c=%20#d' };

  it('round-trips the message id, index and URL', () => {
    const token = signLinkToken(target, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(verifyLinkToken(token, SECRET)).toEqual(target);
  });

  it('round-trips a unicode URL and a 2048-character URL', () => {
    for (const url of ['https://例え.jp/パス?q=ü', `https://e.example/${'x'.repeat(2029)}`]) {
      expect(verifyLinkToken(signLinkToken({ ...target, url }, SECRET), SECRET)).toEqual({
        ...target,
        url,
      });
    }
  });

  it('is not an open token, and an open token is not a link token', () => {
    const link = signLinkToken(target, SECRET);
    expect(verifyTrackingToken('o', link, SECRET)).toBeNull();
    expect(verifyTrackingToken('c', link, SECRET)).toBeNull();
    expect(verifyLinkToken(signTrackingToken('o', MESSAGE_ID, SECRET), SECRET)).toBeNull();
    expect(verifyLinkToken(signTrackingToken('c', MESSAGE_ID, SECRET), SECRET)).toBeNull();
  });

  it('rejects another secret, a changed URL and a forged mac', () => {
    const token = signLinkToken(target, SECRET);
    const [, mac] = token.split('.');
    const evil = Buffer.from(`${MESSAGE_ID}\n3\nhttps://evil.example/`).toString('base64url');
    expect(verifyLinkToken(token, `${SECRET}x`)).toBeNull();
    expect(verifyLinkToken(`${evil}.${mac}`, SECRET)).toBeNull();
    expect(verifyLinkToken(`${evil}.${'A'.repeat(22)}`, SECRET)).toBeNull();
    expect(verifyLinkToken(token.slice(0, -1), SECRET)).toBeNull();
    expect(verifyLinkToken('', SECRET)).toBeNull();
  });

  it('rejects a genuinely signed payload that is not a link (defence in depth)', () => {
    const signed = (payload: string): string => {
      const mac = createHmac('sha256', SECRET).update(`c:${payload}`).digest('base64url');
      return `${Buffer.from(payload).toString('base64url')}.${mac.slice(0, 22)}`;
    };
    expect(verifyLinkToken(signed(`${MESSAGE_ID}\n3\njavascript:alert(1)`), SECRET)).toBeNull();
    expect(verifyLinkToken(signed(`${MESSAGE_ID}\n3\n//evil.example/`), SECRET)).toBeNull();
    expect(verifyLinkToken(signed(`${MESSAGE_ID}\nx\nhttps://a.example/`), SECRET)).toBeNull();
    expect(verifyLinkToken(signed(`${MESSAGE_ID}\n03\nhttps://a.example/`), SECRET)).toBeNull();
    expect(verifyLinkToken(signed(`\n3\nhttps://a.example/`), SECRET)).toBeNull();
    expect(verifyLinkToken(signed(`${MESSAGE_ID}\nhttps://a.example/`), SECRET)).toBeNull();
    expect(verifyLinkToken(signed(`${MESSAGE_ID}\n3\nhttps://a.example/`), SECRET)).toEqual({
      messageId: MESSAGE_ID,
      index: 3,
      url: 'https://a.example/',
    });
  });

  it('refuses to sign what it would refuse to verify', () => {
    expect(() => signLinkToken({ ...target, url: 'mailto:a@example.com' }, SECRET)).toThrow(
      /absolute http\(s\) URL/,
    );
    expect(() =>
      signLinkToken({ ...target, url: `https://e.example/${'x'.repeat(2048)}` }, SECRET),
    ).toThrow(/at most 2048/);
    expect(() => signLinkToken({ ...target, index: -1 }, SECRET)).toThrow(/index is -1/);
    expect(() => signLinkToken({ ...target, index: 1.5 }, SECRET)).toThrow(/index is 1.5/);
    expect(() => signLinkToken({ ...target, messageId: 'a\nb' }, SECRET)).toThrow(/line break/);
    expect(() => signLinkToken({ ...target, messageId: '' }, SECRET)).toThrow(/1 to 256/);
  });

  it.each([
    ['https://a.example/x', true],
    ['HTTP://A.EXAMPLE', true],
    ['https://', false],
    ['ftp://a.example/', false],
    ['/relative', false],
    [' https://a.example/', false],
    ['javascript:alert(1)', false],
  ])('isTrackableUrl(%j) is %s', (url, expected) => {
    expect(isTrackableUrl(url)).toBe(expected);
  });
});
