import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SentMail } from './local-ses.server';
import { errorMessage, silentLogger, type LocalStackLogger } from './local-logger';
import { bareAddress, headerValue, splitAddressList, type MailHeader } from './mail-headers';
import type { SesNotificationKind } from './notification-topics.registry';
import { newSesMessageId } from './ses-message-id';

/** The domain of the Amazon SES mailbox simulator. */
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';

/** The account id of the local stack (fauxqs uses the same one in its ARNs). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * What happens to mail sent to one address. `complained` is delivered first, then complained
 * about; `suppressed` is a bounce SES makes itself because of the account-level suppression list.
 */
export type MailboxOutcome = 'delivered' | 'bounced' | 'complained' | 'suppressed';

/** `mail.commonHeaders` of an SES notification. */
export interface SesCommonHeaders {
  returnPath?: string;
  from?: string[];
  date?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  messageId?: string;
  subject?: string;
}

/** `mail` of an SES identity notification. */
export interface SesMailObject {
  timestamp: string;
  messageId: string;
  source: string;
  sourceArn: string;
  sourceIp: string;
  sendingAccountId: string;
  callerIdentity?: string;
  destination: string[];
  headersTruncated: boolean;
  headers: MailHeader[];
  commonHeaders: SesCommonHeaders;
}

/** `bounce.bouncedRecipients[]` of an SES bounce notification. */
export interface SesBouncedRecipient {
  emailAddress: string;
  action: string;
  status: string;
  diagnosticCode: string;
}

/** `bounce` of an SES bounce notification. */
export interface SesBounceObject {
  bounceType: 'Undetermined' | 'Permanent' | 'Transient';
  bounceSubType: string;
  bouncedRecipients: SesBouncedRecipient[];
  timestamp: string;
  feedbackId: string;
  remoteMtaIp?: string;
  reportingMTA: string;
}

/** `complaint` of an SES complaint notification. */
export interface SesComplaintObject {
  complainedRecipients: Array<{ emailAddress: string }>;
  timestamp: string;
  feedbackId: string;
  complaintSubType: string | null;
  userAgent?: string;
  complaintFeedbackType?: string;
  arrivalDate?: string;
}

/** `delivery` of an SES delivery notification. */
export interface SesDeliveryObject {
  timestamp: string;
  processingTimeMillis: number;
  recipients: string[];
  smtpResponse: string;
  remoteMtaIp: string;
  reportingMTA: string;
}

/** An SES identity notification (the `Message` SNS carries), as the SES developer guide shows it. */
export type SesIdentityNotification =
  | { notificationType: 'Bounce'; mail: SesMailObject; bounce: SesBounceObject }
  | { notificationType: 'Complaint'; mail: SesMailObject; complaint: SesComplaintObject }
  | { notificationType: 'Delivery'; mail: SesMailObject; delivery: SesDeliveryObject };

/** Who sent a mail, as SES states it in `mail`. */
export interface MailContext {
  /** ARN of the identity the mail was attributed to. */
  sourceArn: string;
  sendingAccountId: string;
  region: string;
}

/** A notification to publish, and whether it waits for the mail's Delivery notifications. */
export interface PlannedNotification {
  kind: SesNotificationKind;
  afterDelivery: boolean;
  notification: SesIdentityNotification;
}

const SUPPRESSION_LIST_DIAGNOSTIC =
  'Amazon SES did not send the message to this address because it is on the suppression list ' +
  'for your account. For more information about removing addresses from the suppression list, ' +
  'see the Amazon SES Developer Guide at ' +
  'https://docs.aws.amazon.com/ses/latest/DeveloperGuide/sending-email-suppression-list.html';

const SIMULATOR_MTA_IP = '127.0.0.1';

/**
 * The mailbox simulator outcome for one recipient: the local part before any `+label` at
 * simulator.amazonses.com, case-insensitive. Every other address is delivered.
 */
export function mailboxOutcome(recipient: string): MailboxOutcome {
  const address = bareAddress(recipient).toLowerCase();
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1) !== SIMULATOR_DOMAIN) {
    return 'delivered';
  }
  switch (address.slice(0, at).split('+')[0]) {
    case 'bounce':
      return 'bounced';
    case 'complaint':
      return 'complained';
    case 'suppressionlist':
      return 'suppressed';
    default:
      // success@ and ooto@ (whose auto-reply goes to the sender, not to a notification topic).
      return 'delivered';
  }
}

/** An SES-looking feedback id: `0100` + the time in hex, a UUID, `-000000` (as message ids). */
export function newFeedbackId(now = Date.now()): string {
  return newSesMessageId(now);
}

/** The ARN of an SES identity. */
export function identityArn(region: string, accountId: string, identity: string): string {
  return `arn:aws:ses:${region}:${accountId}:identity/${identity}`;
}

/**
 * The `mail` object SES puts in every notification about this mail, with the original headers
 * (`headersTruncated`, `headers`, `commonHeaders`): the simulator acts as if "include original
 * headers" were on for every identity, as event publishing always is.
 */
export function buildMailObject(mail: SentMail, context: MailContext): SesMailObject {
  const headers = mail.headers;
  const list = (name: string): string[] | undefined => {
    const value = headerValue(headers, name);
    return value === undefined ? undefined : splitAddressList(value);
  };
  const commonHeaders: SesCommonHeaders = {
    returnPath: headerValue(headers, 'Return-Path'),
    from: list('From') ?? [mail.source],
    replyTo: list('Reply-To'),
    date: headerValue(headers, 'Date'),
    to: list('To'),
    cc: list('Cc'),
    bcc: list('Bcc'),
    // The sender's own Message-ID; without one, SES reports the id it answered the send with.
    messageId: headerValue(headers, 'Message-ID') ?? mail.sesMessageId,
    subject: mail.subject,
  };
  return {
    timestamp: mail.timestamp,
    messageId: mail.sesMessageId,
    source: mail.source,
    sourceArn: context.sourceArn,
    sourceIp: mail.sourceIp,
    sendingAccountId: context.sendingAccountId,
    ...(mail.callerIdentity ? { callerIdentity: mail.callerIdentity } : {}),
    destination: [...mail.destinations],
    headersTruncated: false,
    headers: headers.map((header) => ({ ...header })),
    commonHeaders: Object.fromEntries(
      Object.entries(commonHeaders).filter(([, value]) => value !== undefined),
    ),
  };
}

/** A Delivery notification for these recipients. */
export function buildDeliveryNotification(
  mail: SesMailObject,
  recipients: string[],
  at: Date,
  region: string,
): SesIdentityNotification {
  return {
    notificationType: 'Delivery',
    mail,
    delivery: {
      timestamp: at.toISOString(),
      processingTimeMillis: Math.max(0, at.getTime() - Date.parse(mail.timestamp)),
      recipients,
      smtpResponse: '250 2.6.0 Message received',
      remoteMtaIp: SIMULATOR_MTA_IP,
      reportingMTA: reportingMta(region),
    },
  };
}

/** A permanent Bounce notification: `General` (unknown user) or `OnAccountSuppressionList`. */
export function buildBounceNotification(
  mail: SesMailObject,
  subType: 'General' | 'OnAccountSuppressionList',
  recipients: string[],
  at: Date,
  feedbackId: string,
  region: string,
): SesIdentityNotification {
  const suppressed = subType === 'OnAccountSuppressionList';
  return {
    notificationType: 'Bounce',
    mail,
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: subType,
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: suppressed ? SUPPRESSION_LIST_DIAGNOSTIC : 'smtp; 550 5.1.1 user unknown',
      })),
      timestamp: at.toISOString(),
      feedbackId,
      // SES never contacts a remote MTA for an address on the suppression list.
      ...(suppressed ? {} : { remoteMtaIp: SIMULATOR_MTA_IP }),
      reportingMTA: suppressed ? 'dns; amazonses.com' : `dns; ${reportingMta(region)}`,
    },
  };
}

/** A Complaint notification with an `abuse` feedback report from these recipients. */
export function buildComplaintNotification(
  mail: SesMailObject,
  recipients: string[],
  at: Date,
  feedbackId: string,
): SesIdentityNotification {
  return {
    notificationType: 'Complaint',
    mail,
    complaint: {
      complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
      timestamp: at.toISOString(),
      feedbackId,
      complaintSubType: null,
      userAgent: 'Amazon SES Mailbox Simulator',
      complaintFeedbackType: 'abuse',
      arrivalDate: mail.timestamp,
    },
  };
}

/**
 * Every notification SES would send about this mail: one per outcome, recipients with the same
 * outcome grouped. Complaints come after the Delivery notifications.
 */
export function planNotifications(
  mail: SentMail,
  context: MailContext,
  times: { deliveredAt: Date; complainedAt: Date },
  feedbackId: () => string = newFeedbackId,
): PlannedNotification[] {
  const byOutcome = new Map<MailboxOutcome, string[]>();
  for (const recipient of unique(mail.destinations.map(bareAddress))) {
    const outcome = mailboxOutcome(recipient);
    byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), recipient]);
  }
  const delivered = [...(byOutcome.get('delivered') ?? []), ...(byOutcome.get('complained') ?? [])];
  const bounced = byOutcome.get('bounced') ?? [];
  const suppressed = byOutcome.get('suppressed') ?? [];
  const complained = byOutcome.get('complained') ?? [];

  const mailObject = buildMailObject(mail, context);
  const { deliveredAt, complainedAt } = times;
  const plan: PlannedNotification[] = [];
  const add = (kind: SesNotificationKind, notification: SesIdentityNotification): void => {
    plan.push({ kind, afterDelivery: kind === 'Complaint', notification });
  };
  if (delivered.length > 0) {
    add('Delivery', buildDeliveryNotification(mailObject, delivered, deliveredAt, context.region));
  }
  if (bounced.length > 0) {
    add(
      'Bounce',
      buildBounceNotification(
        mailObject,
        'General',
        bounced,
        deliveredAt,
        feedbackId(),
        context.region,
      ),
    );
  }
  if (suppressed.length > 0) {
    add(
      'Bounce',
      buildBounceNotification(
        mailObject,
        'OnAccountSuppressionList',
        suppressed,
        deliveredAt,
        feedbackId(),
        context.region,
      ),
    );
  }
  if (complained.length > 0) {
    add(
      'Complaint',
      buildComplaintNotification(mailObject, complained, complainedAt, feedbackId()),
    );
  }
  return plan;
}

/** Options of {@link MailboxSimulator}. */
export interface MailboxSimulatorOptions {
  /** SNS client the notifications are published with. */
  sns: Pick<SNSClient, 'send'>;
  /** Which identity a sender belongs to and which topic gets each notification kind. */
  routing: {
    identityFor(source: string): string;
    topicFor(source: string, kind: SesNotificationKind): string | undefined;
  };
  /** Region in identity ARNs and reporting MTA names. */
  region: string;
  /** `mail.sendingAccountId` and the account in identity ARNs. Default `000000000000`. */
  accountId?: string;
  /** How long after the send the Delivery and Bounce notifications are published. Default 150 ms. */
  delayMs?: number;
  /** How long after the Delivery notifications a Complaint is published. Default 100 ms. */
  complaintDelayMs?: number;
  /** Default: silent. */
  logger?: LocalStackLogger;
}

/**
 * The Amazon SES mailbox simulator: turns each sent mail into the bounce, complaint and delivery
 * notifications SES would publish, and publishes them to SNS a little later, off the send path.
 */
export class MailboxSimulator {
  private readonly pending = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly delayMs: number;
  private readonly complaintDelayMs: number;
  private readonly accountId: string;
  private readonly logger: LocalStackLogger;

  constructor(private readonly options: MailboxSimulatorOptions) {
    this.delayMs = options.delayMs ?? 150;
    this.complaintDelayMs = options.complaintDelayMs ?? 100;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.logger = options.logger ?? silentLogger;
    // Every mail in its delay listens for the stop: hundreds at a time at a high send rate.
    setMaxListeners(0, this.abort.signal);
  }

  /** Schedules the notifications for a sent mail; returns at once and never throws. */
  simulate(mail: SentMail): void {
    if (this.abort.signal.aborted) {
      return;
    }
    const task = this.run(mail).catch((error: unknown) => {
      this.logger.warn(`mailbox simulator: ${mail.sesMessageId}: ${errorMessage(error)}`);
    });
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Resolves once every scheduled notification has been published (or has failed). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }

  /** Cancels what has not been published yet and waits for publishes in flight. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.idle();
  }

  private async run(mail: SentMail): Promise<void> {
    const { routing, region } = this.options;
    const deliveredAt = new Date(Date.parse(mail.timestamp) + this.delayMs);
    const complainedAt = new Date(deliveredAt.getTime() + this.complaintDelayMs);
    const context: MailContext = {
      sourceArn: identityArn(region, this.accountId, routing.identityFor(mail.source)),
      sendingAccountId: this.accountId,
      region,
    };
    const plan = planNotifications(mail, context, { deliveredAt, complainedAt });
    if (!(await this.wait(this.delayMs))) {
      return;
    }
    await Promise.all(plan.filter((p) => !p.afterDelivery).map((p) => this.publish(mail, p)));
    const later = plan.filter((p) => p.afterDelivery);
    if (later.length > 0 && (await this.wait(this.complaintDelayMs))) {
      await Promise.all(later.map((p) => this.publish(mail, p)));
    }
  }

  /** Waits, or returns false when the simulator was stopped meanwhile. */
  private async wait(ms: number): Promise<boolean> {
    try {
      await delay(ms, undefined, { signal: this.abort.signal });
      return true;
    } catch {
      return false;
    }
  }

  private async publish(mail: SentMail, planned: PlannedNotification): Promise<void> {
    const topicArn = this.options.routing.topicFor(mail.source, planned.kind);
    if (!topicArn) {
      this.logger.log(
        `mailbox simulator: no ${planned.kind} topic for ${mail.source}; ${mail.sesMessageId} not notified`,
      );
      return;
    }
    try {
      await this.options.sns.send(
        new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(planned.notification) }),
      );
    } catch (error) {
      this.logger.warn(
        `mailbox simulator: publishing ${planned.kind} for ${mail.sesMessageId} to ${topicArn} failed: ${errorMessage(error)}`,
      );
    }
  }
}

function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function reportingMta(region: string): string {
  return `a8-70.smtp-out.${region}.amazonses.com`;
}
