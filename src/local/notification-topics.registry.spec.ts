import { NotificationTopicsRegistry } from './notification-topics.registry';

describe('NotificationTopicsRegistry', () => {
  const defaults = {
    Bounce: 'arn:default-b',
    Complaint: 'arn:default-c',
    Delivery: 'arn:default-d',
  };

  it('routes by address, then domain, then default, kind by kind', () => {
    const registry = new NotificationTopicsRegistry(defaults);
    registry.set('example.com', 'Bounce', 'arn:domain-b');
    registry.set('example.com', 'Delivery', 'arn:domain-d');
    registry.set('VIP@Example.com', 'Delivery', 'arn:vip-d');

    expect(registry.topicFor('vip@example.com', 'Delivery')).toBe('arn:vip-d');
    expect(registry.topicFor('vip@example.com', 'Bounce')).toBe('arn:domain-b');
    expect(registry.topicFor('news@EXAMPLE.com', 'Delivery')).toBe('arn:domain-d');
    expect(registry.topicFor('news@example.com', 'Complaint')).toBe('arn:default-c');
    expect(registry.topicFor('a@other.test', 'Bounce')).toBe('arn:default-b');
  });

  it('clears a kind when set without a topic, and forgets an identity with none left', () => {
    const registry = new NotificationTopicsRegistry();
    registry.set('example.com', 'Bounce', 'arn:b');
    registry.set('example.com', 'Complaint', 'arn:c');
    registry.set('example.com', 'Bounce', undefined);
    expect(registry.get('example.com')).toEqual({ Complaint: 'arn:c' });
    registry.set('example.com', 'Complaint', '');
    expect(registry.get('example.com')).toEqual({});
    expect(registry.topicFor('a@example.com', 'Complaint')).toBeUndefined();
  });

  it('attributes mail to the address identity only when that address has settings', () => {
    const registry = new NotificationTopicsRegistry();
    registry.set('vip@example.com', 'Bounce', 'arn:b');
    expect(registry.identityFor('VIP@example.com')).toBe('vip@example.com');
    expect(registry.identityFor('news@example.com')).toBe('example.com');
  });

  it('does not report defaults as an identity setting', () => {
    const registry = new NotificationTopicsRegistry(defaults);
    expect(registry.get('example.com')).toEqual({});
    registry.setDefaults({ Delivery: 'arn:new-d' });
    expect(registry.topicFor('a@example.com', 'Delivery')).toBe('arn:new-d');
    expect(registry.topicFor('a@example.com', 'Bounce')).toBeUndefined();
  });
});
