/** The SES identity notification types (`SetIdentityNotificationTopic` NotificationType). */
export type SesNotificationKind = 'Bounce' | 'Complaint' | 'Delivery';

/** Every notification kind, in the order SES lists them. */
export const SES_NOTIFICATION_KINDS: readonly SesNotificationKind[] = [
  'Bounce',
  'Complaint',
  'Delivery',
];

/** The SNS topic set for each notification kind of one identity (absent = not set). */
export type IdentityTopics = Partial<Record<SesNotificationKind, string>>;

/**
 * The local stand-in for SES's per-identity notification settings: which SNS topic receives the
 * bounces, complaints and deliveries of mail sent from an address or domain identity.
 */
export class NotificationTopicsRegistry {
  private readonly identities = new Map<string, IdentityTopics>();

  /** @param defaults topics used for mail whose identity has none set (default: none). */
  constructor(private defaults: IdentityTopics = {}) {}

  /** Replaces the topics used for identities that have none set. */
  setDefaults(defaults: IdentityTopics): void {
    this.defaults = { ...defaults };
  }

  /** Sets (or, with no topic, clears) the topic of one notification kind for an identity. */
  set(identity: string, kind: SesNotificationKind, topicArn: string | undefined): void {
    const key = identity.trim().toLowerCase();
    const topics = { ...this.identities.get(key) };
    if (topicArn) {
      topics[kind] = topicArn;
    } else {
      delete topics[kind];
    }
    if (Object.keys(topics).length > 0) {
      this.identities.set(key, topics);
    } else {
      this.identities.delete(key);
    }
  }

  /** The topics explicitly set for an identity (defaults not included). */
  get(identity: string): IdentityTopics {
    return { ...this.identities.get(identity.trim().toLowerCase()) };
  }

  /**
   * The identity SES would attribute mail from this address to: the address itself when it has
   * settings of its own, otherwise its domain.
   */
  identityFor(source: string): string {
    const address = source.trim().toLowerCase();
    return this.identities.has(address) ? address : domainOf(address);
  }

  /** Where a notification about mail from this address goes: address, then domain, then default. */
  topicFor(source: string, kind: SesNotificationKind): string | undefined {
    const address = source.trim().toLowerCase();
    return (
      this.identities.get(address)?.[kind] ??
      this.identities.get(domainOf(address))?.[kind] ??
      this.defaults[kind]
    );
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
