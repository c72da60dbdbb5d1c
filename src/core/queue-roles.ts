/** The queues ases uses, by role. */
export type QueueRole = 'sendmail' | 'bounces' | 'complaints' | 'deliveries' | 'events';

/** The feedback queues; every one accepts every SES event type. */
export type FeedbackQueueRole = Exclude<QueueRole, 'sendmail'>;

/** Every role, in the order start-up checks them; `events` only when its queue is configured. */
export const QUEUE_ROLES: readonly QueueRole[] = [
  'sendmail',
  'bounces',
  'complaints',
  'deliveries',
  'events',
];

/** Names of ases's SQS consumers and producer: namespaced, since handlers are found app-wide. */
export const SQS_CONSUMER: Record<QueueRole, string> = {
  sendmail: 'ases:sendmail',
  bounces: 'ases:bounces',
  complaints: 'ases:complaints',
  deliveries: 'ases:deliveries',
  events: 'ases:events',
};
