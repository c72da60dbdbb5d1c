import type { HitClass } from '../tracking/hit-classifier';
import { MessageStatus } from './message-status';

export type { HitClass } from '../tracking/hit-classifier';

/** Why SES bounced a message. */
export interface BounceInfo {
  /** `Permanent`, `Transient` or `Undetermined`. */
  type: string;
  /** SES's bounce subtype, e.g. `General`, `NoEmail`, `OnAccountSuppressionList`. */
  subType: string;
  /** The remote server's answer, when SES has one. */
  diagnosticCode?: string;
  /** The enhanced status code, e.g. `5.1.1`. */
  status?: string;
}

/** What the complaint said. */
export interface ComplaintInfo {
  /** The feedback report's type, e.g. `abuse`; absent when the ISP sent no report. */
  feedbackType?: string;
  /** SES's complaint subtype: absent, or `OnAccountSuppressionList`. */
  subType?: string;
}

/** Why SES is late delivering (a `DeliveryDelay` event). */
export interface DelayInfo {
  /** SES's delay type, e.g. `MailboxFull`, `TransientCommunicationFailure`. */
  type: string;
  /** When SES stops trying, ISO 8601. */
  expiresAt?: string;
  /** The enhanced status code, e.g. `4.2.2`. */
  status?: string;
  diagnosticCode?: string;
}

/** Why a send failed (or was never made). */
export interface SendErrorInfo {
  /** SES's error name (e.g. `MessageRejected`) or ases's own reason code (`REJECTED`, `RENDERING_FAILURE`, `RECIPIENT_SUPPRESSED`). */
  code: string;
  message: string;
}

/** Who saw an open or a click: ases's own pixel or link, or SES's event publishing. */
export type TrackingSource = 'ases' | 'ses';

/** Opens or clicks of a message, all sources and classes together, with the counts of each. */
export interface TrackingCounter {
  /** Every hit, whoever made it. */
  count: number;
  /** Hits classified `human`. */
  humanCount: number;
  firstAt: string;
  lastAt: string;
  /** The first `human` hit; absent until there is one. */
  firstHumanAt?: string;
  bySource: Partial<Record<TrackingSource, number>>;
  /** Hits per class: `human`, `proxy` (image proxies), `scanner` (link checkers, bots), `unknown`. */
  byClass: Partial<Record<HitClass, number>>;
}

/** The clicks of one link (one target URL) of a message. */
export interface LinkClicks {
  url: string;
  count: number;
  humanCount: number;
  firstAt: string;
  lastAt: string;
}

/** Clicks of a message, with the links clicked. */
export interface ClickCounter extends TrackingCounter {
  /** How many different links (target URLs) were clicked. */
  uniqueLinks: number;
  /** Each clicked link, most clicked first; read with the full record only. */
  links?: LinkClicks[];
}

/** What ases knows of one open or click. */
export interface HitDetails {
  /** Who (probably) made it; see docs/tracking.md. */
  class: HitClass;
  /** The classifier's rule that decided, e.g. `apple-mpp`, `early-click`, `browser`. */
  rule: string;
  /** Position of the clicked link among the message's tracked links (ases's own links only). */
  link?: number;
  /** The client's IP address: only with `TRACKING_STORE_CLIENT=true`. */
  ip?: string;
  /** The client's full user agent: only with `TRACKING_STORE_CLIENT=true`. */
  userAgent?: string;
}

/** Which tracking a message got: what was put in its HTML. */
export interface TrackSettings {
  opens: boolean;
  clicks: boolean;
}

/** Which header named a recipient. */
export type RecipientKind = 'to' | 'cc' | 'bcc';

/**
 * Where one recipient of a message is. A message with several recipients keeps each one's own
 * status (a bounced cc does not make the to bounce); a message with one takes the message's.
 */
export interface RecipientState {
  /** The bare address (`addr@example.com`, without a display name). */
  address: string;
  kind: RecipientKind;
  status: MessageStatus;
  /** When it reached that status, ISO 8601 (absent when not known, e.g. QUEUED again by a retry). */
  at?: string;
  /** BOUNCED: why. */
  bounce?: BounceInfo;
  /** COMPLAINED: what the complaint said. */
  complaint?: ComplaintInfo;
  /** DELAYED: why SES is late. */
  delay?: DelayInfo;
  /** FAILED, SUPPRESSED: why it was not sent. */
  error?: SendErrorInfo;
}

/** One entry of a message's timeline. */
export interface TimelineEvent {
  /**
   * What happened: `queued`, `scheduled`, `pushed`, `retry`, `retried`, `restored` (the record was
   * made again from the queued job after Redis lost it), `failed`, `suppressed`, `canceled`,
   * `unsubscribed` (ases's own), or an SES event:
   * `send`, `reject`, `rendering-failure`, `delivery`, `delivery-delay`, `bounce`, `auto-reply`,
   * `complaint`, `open`, `click`, `subscription`.
   */
  type: string;
  /** When it happened (the event's own time), ISO 8601. */
  at: string;
  /** The address it is about, when it names one. */
  recipient?: string;
  /** A short human-readable detail (bounce type, SMTP answer, link…), at most 200 characters. */
  detail?: string;
  /** Who reported it: `ases`, or `ses`. */
  source?: TrackingSource;
  /** Opens and clicks: the hit's class and how it was decided. */
  hit?: HitDetails;
}

/** Everything ases knows about one message; fields are absent until they happen. */
export interface MessageRecord {
  id: string;
  status: MessageStatus;
  from: string;
  /** The `to` mailboxes, joined by ', ' (empty in lean records). */
  to: string;
  /** The `cc` mailboxes, joined by ', '; absent when none (and in lean records). */
  cc?: string;
  /** The `bcc` mailboxes, joined by ', '; absent when none (and in lean records). */
  bcc?: string;
  subject: string;
  tags?: Record<string, string>;
  /** Its category, when not `transactional`. */
  category?: string;
  /** The tracking put in the message's HTML (both false for text-only mail). */
  track?: TrackSettings;
  queuedAt: string;
  /** Not sent before this time, ISO 8601; only for a message sent with `sendAt`. */
  scheduledFor?: string;
  /** When it was cancelled (status CANCELED). */
  canceledAt?: string;
  /** Sends tried so far (reset by a retry of a FAILED message). */
  attempts?: number;
  sesMessageId?: string;
  pushedAt?: string;
  delayedAt?: string;
  delay?: DelayInfo;
  deliveredAt?: string;
  bouncedAt?: string;
  bounce?: BounceInfo;
  complainedAt?: string;
  complaint?: ComplaintInfo;
  failedAt?: string;
  suppressedAt?: string;
  error?: SendErrorInfo;
  opens?: TrackingCounter;
  clicks?: ClickCounter;
  /**
   * Each recipient (to, then cc, then bcc) and its own status; full records only (lean ones keep
   * no addresses, and their status is the message's).
   */
  recipients?: RecipientState[];
  /** The latest events, oldest first (bounded; see `TIMELINE_LENGTH`). */
  events?: TimelineEvent[];
}

/** The fields a status change may set along with the status. */
export type StatusChange = Partial<
  Pick<
    MessageRecord,
    | 'pushedAt'
    | 'delayedAt'
    | 'delay'
    | 'deliveredAt'
    | 'bouncedAt'
    | 'bounce'
    | 'complainedAt'
    | 'complaint'
    | 'failedAt'
    | 'suppressedAt'
    | 'canceledAt'
    | 'error'
  >
>;
