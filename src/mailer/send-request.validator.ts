import { DtoCheck, checkDto } from '../core/request-validation';
import { SendMessageDto } from './dto/send-message.dto';

export { describeProblems } from '../core/request-validation';
export type { FieldProblem } from '../core/request-validation';

/** A checked message, or the list of what is wrong with it. */
export type SendRequestCheck = DtoCheck<SendMessageDto>;

/** The fields a template gives, which a message without one must have. */
const TEMPLATE_FIELDS: ReadonlySet<string> = new Set(['subject', 'html', 'text']);

/**
 * Checks one send request. Unknown fields are refused, not dropped, so a misspelt `locaMessageId`
 * is reported instead of silently sending without it.
 */
export function checkSendRequest(input: unknown): SendRequestCheck {
  const check = checkDto(SendMessageDto, input);
  // A body that is no object was refused as such, and has no template to look at.
  const fields =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  if (check.ok || fields.template === undefined) {
    return check;
  }
  // A template refused before validation (a null or a reserved key inside it) is left out of
  // it, which then asks for the subject and html a template would give. The caller gave a
  // template: only its own problem is theirs.
  const problems = check.problems.filter(
    (problem) => !TEMPLATE_FIELDS.has(problem.field) || fields[problem.field] !== undefined,
  );
  return { ok: false, problems };
}
