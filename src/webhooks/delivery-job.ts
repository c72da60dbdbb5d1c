/** A delivery in the queue: one event for one endpoint, and how far it got. */
export interface DeliveryJob {
  /** The event's `webhook-id`, the same for every attempt (and every endpoint) of it. */
  webhookId: string;
  endpointId: string;
  type: string;
  /** The exact body posted at each attempt (signatures are made over it). */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  /** When the first attempt was made, Unix ms (absent before it). */
  firstAttemptAt?: number;
}

/** The queue's form of a delivery. */
export function encodeDeliveryJob(job: DeliveryJob): string {
  return JSON.stringify(job);
}

/** A delivery from the queue, or null when the stored value is not one (it is then dropped). */
export function decodeDeliveryJob(value: string): DeliveryJob | null {
  try {
    const job = JSON.parse(value) as Partial<DeliveryJob>;
    return typeof job.webhookId === 'string' &&
      typeof job.endpointId === 'string' &&
      typeof job.type === 'string' &&
      typeof job.body === 'string' &&
      typeof job.attempts === 'number'
      ? (job as DeliveryJob)
      : null;
  } catch {
    return null;
  }
}
