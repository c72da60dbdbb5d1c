import { MessageStatus } from './message-status';

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
}

/** Why a send failed. */
export interface SendErrorInfo {
  /** SES's error name (e.g. `MessageRejected`) or ases's own reason code. */
  code: string;
  message: string;
}

/** Everything ases knows about one message; fields are absent until they happen. */
export interface MessageRecord {
  id: string;
  status: MessageStatus;
  from: string;
  to: string;
  subject: string;
  tags?: Record<string, string>;
  queuedAt: string;
  sesMessageId?: string;
  pushedAt?: string;
  deliveredAt?: string;
  bouncedAt?: string;
  bounce?: BounceInfo;
  complainedAt?: string;
  complaint?: ComplaintInfo;
  failedAt?: string;
  error?: SendErrorInfo;
  opens?: { count: number; firstAt: string; lastAt: string };
}

/** The fields a status change may set along with the status. */
export type StatusChange = Partial<
  Pick<
    MessageRecord,
    | 'pushedAt'
    | 'deliveredAt'
    | 'bouncedAt'
    | 'bounce'
    | 'complainedAt'
    | 'complaint'
    | 'failedAt'
    | 'error'
  >
>;
