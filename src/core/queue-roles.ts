/** The queues ases uses, by role. */
export type QueueRole = 'sendmail' | 'bounces' | 'complaints' | 'deliveries';

/** Every role, in the order start-up checks them. */
export const QUEUE_ROLES: readonly QueueRole[] = [
  'sendmail',
  'bounces',
  'complaints',
  'deliveries',
];

/** Names of ases's SQS consumers and producer: namespaced, since handlers are found app-wide. */
export const SQS_CONSUMER: Record<QueueRole, string> = {
  sendmail: 'ases:sendmail',
  bounces: 'ases:bounces',
  complaints: 'ases:complaints',
  deliveries: 'ases:deliveries',
};
