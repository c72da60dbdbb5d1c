import { Injectable } from '@nestjs/common';
import { StatusRepository } from '../status/status.repository';
import { SesNotification } from './ses-notification';
import { feedbackChangeFor } from './status-change';

/**
 * What applying a notification did. `unknown-message`: no message has this SES id (yet: the
 * PUSHED write may still be on its way); `expired`: the id was known but the record is gone.
 */
export type FeedbackOutcome =
  'applied' | 'unchanged' | 'unknown-message' | 'expired' | 'other-recipient';

/** Applies SES feedback to message statuses; one service behind every feedback queue. */
@Injectable()
export class FeedbackService {
  constructor(private readonly repository: StatusRepository) {}

  /** Applies a notification to the message SES sent with that id. */
  async apply(notification: SesNotification): Promise<FeedbackOutcome> {
    const id = await this.repository.idForSesMessage(notification.sesMessageId);
    if (id === null) {
      return 'unknown-message';
    }
    const record = await this.repository.find(id);
    if (!record) {
      return 'expired';
    }
    const feedback = feedbackChangeFor(notification, record.to);
    if (!feedback) {
      return 'other-recipient';
    }
    const result = await this.repository.advance(id, feedback.status, feedback.change);
    switch (result.outcome) {
      case 'applied':
        return 'applied';
      case 'unchanged':
        return 'unchanged';
      case 'missing':
        return 'expired';
    }
  }
}
