import { Injectable } from '@nestjs/common';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { MessageRecord } from './message-record';
import { MessageStatus } from './message-status';
import { StatusRepository } from './status.repository';

/** Looks up what ases knows about a message. */
@Injectable()
export class StatusService {
  constructor(private readonly repository: StatusRepository) {}

  /** The record of a message by ases id or SES message id; throws MESSAGE_NOT_FOUND otherwise. */
  async getStatus(id: string): Promise<MessageRecord> {
    const record = await this.findStatus(id);
    if (!record) {
      throw new AsesException(
        AsesErrorCode.MESSAGE_NOT_FOUND,
        `no message with id "${id}" (never sent, or its record expired)`,
        { id, status: MessageStatus.UNKNOWN },
      );
    }
    return record;
  }

  /** The record of a message by ases id or SES message id, or null. */
  async findStatus(id: string): Promise<MessageRecord | null> {
    const record = await this.repository.find(id);
    if (record) {
      return record;
    }
    const ownId = await this.repository.idForSesMessage(id);
    return ownId === null ? null : this.repository.find(ownId);
  }
}
