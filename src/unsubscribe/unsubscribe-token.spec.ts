import { createHmac } from 'node:crypto';
import {
  signLinkToken,
  signTrackingToken,
  verifyLinkToken,
  verifyTrackingToken,
} from '../tracking/tracking-token';
import {
  MAX_UNSUBSCRIBE_TOKEN_LENGTH,
  UnsubscribeTarget,
  signUnsubscribeToken,
  verifyUnsubscribeToken,
} from './unsubscribe-token';

const SECRET = 'unsubscribe-spec-secret';
const target: UnsubscribeTarget = {
  messageId: 'm-0193f6b2-7c1e-7a55-9d5e-1f2a3b4c5d6e',
  recipient: 'Jane.Doe@example.com',
  category: 'marketing',
};

// The token format, built by hand: base64url(payload).mac22, MAC = HMAC-SHA256(purpose:payload).
function handMade(payload: string, purpose = 'u', secret = SECRET): string {
  const mac = createHmac('sha256', secret)
    .update(`${purpose}:${payload}`, 'utf8')
    .digest('base64url')
    .slice(0, 22);
  return `${Buffer.from(payload, 'utf8').toString('base64url')}.${mac}`;
}

describe('unsubscribe tokens', () => {
  it('round-trips id, address and category', () => {
    const token = signUnsubscribeToken(target, SECRET);

    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual(target);
  });

  it('is the documented format, so another implementation can check it', () => {
    const payload = `${target.messageId}\n${target.recipient}\n${target.category}`;
    expect(signUnsubscribeToken(target, SECRET)).toBe(handMade(payload));
  });

  it.each([
    ['a quoted local part with a line-free oddity', '"a\tb"@example.com'],
    ['a plus tag and a slash', 'a+tag/x@example.com'],
    ['a Unicode address', 'Ünïcode@exämple.com'],
  ])('round-trips %s', (_name, recipient) => {
    const odd = { ...target, recipient };
    expect(verifyUnsubscribeToken(signUnsubscribeToken(odd, SECRET), SECRET)).toEqual(odd);
  });

  it('signs long ids, addresses and categories within the bound, and keeps ASCII ones short', () => {
    const longest = {
      messageId: 'é'.repeat(256),
      recipient: `${'é'.repeat(32)}@${'é'.repeat(63)}.com`,
      category: 'c'.repeat(64),
    };
    const token = signUnsubscribeToken(longest, SECRET);
    expect(token.length).toBeLessThanOrEqual(MAX_UNSUBSCRIBE_TOKEN_LENGTH);
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual(longest);

    const ascii = signUnsubscribeToken(
      {
        messageId: 'm'.repeat(256),
        recipient: `${'x'.repeat(64)}@${'d'.repeat(63)}.${'d'.repeat(63)}.com`,
        category: 'c'.repeat(64),
      },
      SECRET,
    );
    expect(ascii.length).toBeLessThan(900);
  });

  describe('refuses to sign', () => {
    it.each([
      ['an empty secret', target, '', /secret/],
      ['an empty messageId', { ...target, messageId: '' }, SECRET, /messageId/],
      ['a messageId over 256', { ...target, messageId: 'm'.repeat(257) }, SECRET, /messageId/],
      ['a line break in the id', { ...target, messageId: 'a\nb' }, SECRET, /messageId/],
      ['a lone surrogate', { ...target, messageId: 'a\ud800' }, SECRET, /Unicode/],
      [
        'a display-name recipient',
        { ...target, recipient: 'J <j@example.com>' },
        SECRET,
        /recipient/,
      ],
      ['an upper-case domain', { ...target, recipient: 'j@EXAMPLE.com' }, SECRET, /recipient/],
      ['no address', { ...target, recipient: 'nobody' }, SECRET, /recipient/],
      ['an empty category', { ...target, category: '' }, SECRET, /category/],
      ['an upper-case category', { ...target, category: 'Marketing' }, SECRET, /category/],
      ['a category over 64', { ...target, category: 'c'.repeat(65) }, SECRET, /category/],
    ])('%s', (_name, bad, secret, message) => {
      expect(() => signUnsubscribeToken(bad, secret)).toThrow(message);
    });
  });

  describe('refuses to verify', () => {
    const token = signUnsubscribeToken(target, SECRET);
    const [encoded, mac] = token.split('.');
    const payload = Buffer.from(encoded, 'base64url').toString('utf8');

    it.each([
      ['the wrong secret', token, 'another-secret'],
      ['an empty secret', token, ''],
      ['an empty token', '', SECRET],
      ['garbage', 'not a token at all', SECRET],
      ['no MAC', encoded, SECRET],
      ['a MAC cut short', `${encoded}.${mac.slice(0, 21)}`, SECRET],
      [
        'a MAC one character off',
        `${encoded}.${mac.slice(0, 21)}${mac[21] === 'A' ? 'B' : 'A'}`,
        SECRET,
      ],
      ['a payload cut short', `${encoded.slice(0, -4)}.${mac}`, SECRET],
      ['a token over the bound', `${'A'.repeat(MAX_UNSUBSCRIBE_TOKEN_LENGTH)}.${mac}`, SECRET],
      ['standard base64 padding', `${encoded}=.${mac}`, SECRET],
      ['a non-canonical spelling (stray bits)', `${encoded}B.${mac}`, SECRET],
      ['a not-a-string', 42 as unknown as string, SECRET],
    ])('%s', (_name, bad, secret) => {
      expect(verifyUnsubscribeToken(bad, secret)).toBeNull();
    });

    it.each([
      ['messageId', payload.replace(target.messageId, 'm-other')],
      ['recipient', payload.replace(target.recipient, 'someone.else@example.com')],
      ['category', payload.replace(target.category, 'transactional')],
    ])('a changed %s under the original MAC', (_name, changed) => {
      const tampered = `${Buffer.from(changed, 'utf8').toString('base64url')}.${mac}`;
      expect(verifyUnsubscribeToken(tampered, SECRET)).toBeNull();
    });

    it('a token signed for another purpose over the same payload', () => {
      for (const purpose of ['o', 'c', 'x', '']) {
        expect(verifyUnsubscribeToken(handMade(payload, purpose), SECRET)).toBeNull();
      }
    });

    it('tracking tokens, and is not accepted by the tracking checks either', () => {
      const open = signTrackingToken('o', target.messageId, SECRET);
      const link = signLinkToken(
        { messageId: target.messageId, index: 0, url: 'https://example.com/' },
        SECRET,
      );
      expect(verifyUnsubscribeToken(open, SECRET)).toBeNull();
      expect(verifyUnsubscribeToken(link, SECRET)).toBeNull();
      expect(verifyTrackingToken('o', token, SECRET)).toBeNull();
      expect(verifyTrackingToken('c', token, SECRET)).toBeNull();
      expect(verifyLinkToken(token, SECRET)).toBeNull();
    });

    it.each([
      ['two parts only', 'm-1\nj@example.com'],
      ['an empty messageId', '\nj@example.com\nmarketing'],
      ['an address that is not a key', 'm-1\nJ <j@example.com>\nmarketing'],
      ['an upper-case domain', 'm-1\nj@EXAMPLE.com\nmarketing'],
      ['a bad category', 'm-1\nj@example.com\nMarketing'],
      ['an empty category', 'm-1\nj@example.com\n'],
    ])('a genuinely signed payload with %s', (_name, odd) => {
      expect(verifyUnsubscribeToken(handMade(odd), SECRET)).toBeNull();
    });
  });
});
