import { Webhook } from 'standardwebhooks';
import {
  newWebhookMessageId,
  newWebhookSecret,
  webhookHeaders,
  webhookSecretProblem,
} from './webhook-signature';

describe('webhook secrets', () => {
  it('makes whsec_ secrets of 32 random bytes that pass its own check', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(webhookSecretProblem(secret)).toBeNull();
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it.each([
    ['no prefix', Buffer.alloc(32).toString('base64')],
    ['not base64', 'whsec_not base64!'],
    ['too short', `whsec_${Buffer.alloc(16).toString('base64')}`],
    ['too long', `whsec_${Buffer.alloc(65).toString('base64')}`],
    ['empty', 'whsec_'],
  ])('refuses a secret with %s', (_, secret) => {
    expect(webhookSecretProblem(secret)).toEqual(expect.any(String));
  });
});

describe('webhookHeaders', () => {
  const body = '{"type":"message.delivered"}';
  const at = new Date('2026-12-01T12:00:00.900Z');

  it('signs as Standard Webhooks verifies: id, Unix seconds, v1 signature', () => {
    const secret = newWebhookSecret();
    const id = newWebhookMessageId();
    const headers = webhookHeaders([secret], id, at, body);
    expect(headers).toEqual({
      'webhook-id': id,
      'webhook-timestamp': '1796126400',
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
    });
    // standardwebhooks refuses timestamps more than 5 minutes from now: verify one made now.
    const now = webhookHeaders([secret], id, new Date(), body);
    expect(() => new Webhook(secret).verify(body, now)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, now)).toThrow();
  });

  it('puts one signature per secret, space-separated, each verifying alone', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders([a, b], 'msg_1', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(a).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(b).verify(body, headers)).not.toThrow();
  });

  it('makes a new message id for each event', () => {
    expect(newWebhookMessageId()).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(newWebhookMessageId()).not.toBe(newWebhookMessageId());
  });
});
