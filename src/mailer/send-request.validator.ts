import { DtoCheck, checkDto } from '../core/request-validation';
import { SendMessageDto } from './dto/send-message.dto';

export { describeProblems } from '../core/request-validation';
export type { FieldProblem } from '../core/request-validation';

/** A checked message, or the list of what is wrong with it. */
export type SendRequestCheck = DtoCheck<SendMessageDto>;

/**
 * Checks one send request. Unknown fields are refused, not dropped, so a misspelt `locaMessageId`
 * is reported instead of silently sending without it.
 */
export function checkSendRequest(input: unknown): SendRequestCheck {
  return checkDto(SendMessageDto, input);
}
