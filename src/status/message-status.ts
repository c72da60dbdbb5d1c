/** Where a message is in its life. The seed's constants, with COMPLAINED spelled right, plus FAILED. */
export enum MessageStatus {
  /** Never seen, or its record expired. */
  UNKNOWN = 'UNKNOWN',
  /** Accepted and waiting in the sendmail queue. */
  QUEUED = 'QUEUED',
  /** Cancelled by request before it was sent; final (it is never sent). */
  CANCELED = 'CANCELED',
  /** SES accepted it (has an SES message id). */
  PUSHED = 'PUSHED',
  /** SES reported a delivery delay (`DeliveryDelay` event); it is still trying. */
  DELAYED = 'DELAYED',
  /** SES refused it for good (including Reject and Rendering Failure events), or every send attempt failed. */
  FAILED = 'FAILED',
  /** Never sent: the recipient was on the suppression list when its turn came. */
  SUPPRESSED = 'SUPPRESSED',
  /** The receiving mail server accepted it. */
  DELIVERED = 'DELIVERED',
  /** It bounced. */
  BOUNCED = 'BOUNCED',
  /** The recipient marked it as spam. */
  COMPLAINED = 'COMPLAINED',
}

// Gaps leave room for statuses later issues add between these.
const RANK: Record<MessageStatus, number> = {
  [MessageStatus.UNKNOWN]: 0,
  [MessageStatus.QUEUED]: 10,
  [MessageStatus.CANCELED]: 15,
  [MessageStatus.PUSHED]: 20,
  [MessageStatus.DELAYED]: 25,
  [MessageStatus.FAILED]: 30,
  [MessageStatus.SUPPRESSED]: 31,
  [MessageStatus.DELIVERED]: 40,
  [MessageStatus.BOUNCED]: 50,
  [MessageStatus.COMPLAINED]: 60,
};

/**
 * Whether a message in `from` may move to `to`. Only forward: SES documents that a Bounce can
 * follow a Delivery and a Complaint can follow either, while a late or repeated notification must
 * never move a message back (a Delivery after a Bounce changes nothing). CANCELED is final: it
 * was never sent, so nothing (a late PUSHED, FAILED, SUPPRESSED) may move it on.
 */
export function canAdvance(from: MessageStatus, to: MessageStatus): boolean {
  return from !== MessageStatus.CANCELED && RANK[to] > RANK[from];
}

/** The stored statuses a message may be in for `to` to apply. */
export function statusesBefore(to: MessageStatus): MessageStatus[] {
  return (Object.values(MessageStatus) as MessageStatus[]).filter(
    (status) => status !== MessageStatus.UNKNOWN && canAdvance(status, to),
  );
}

/** Parses a stored status; anything unrecognised reads as UNKNOWN. */
export function toMessageStatus(value: string | undefined): MessageStatus {
  return value !== undefined && Object.hasOwn(RANK, value)
    ? (value as MessageStatus)
    : MessageStatus.UNKNOWN;
}
