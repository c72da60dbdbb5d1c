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

/** The environment variable that names each queue in the standalone service. */
export const QUEUE_VARIABLE: Record<QueueRole, string> = {
  sendmail: 'SES_SENDMAIL_QUEUE',
  bounces: 'SES_BOUNCES_QUEUE',
  complaints: 'SES_COMPLAINTS_QUEUE',
  deliveries: 'SES_DELIVERIES_QUEUE',
};
