import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { SendMessageDto } from './dto/send-message.dto';

/** What is wrong with one field of a request. */
export interface FieldProblem {
  field: string;
  problems: string[];
}

/** A checked message, or the list of what is wrong with it. */
export type SendRequestCheck =
  { ok: true; message: SendMessageDto } | { ok: false; problems: FieldProblem[] };

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    const nested = flatten(error.children ?? [], field);
    return own.length > 0 ? [{ field, problems: own }, ...nested] : nested;
  });
}

/**
 * Checks one send request. Unknown fields are refused, not dropped, so a misspelt `locaMessageId`
 * is reported instead of silently sending without it.
 */
export function checkSendRequest(input: unknown): SendRequestCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ field: '(body)', problems: ['must be a JSON object'] }] };
  }
  const message = plainToInstance(SendMessageDto, input, { enableImplicitConversion: false });
  const errors = validateSync(message, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One problem per field is enough to act on, and keeps "missing" from also reading "empty".
    stopAtFirstError: true,
  });
  return errors.length === 0 ? { ok: true, message } : { ok: false, problems: flatten(errors) };
}

/** One line naming every problem, for error messages. */
export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((problem) => problem.problems.join(', ')).join('; ');
}
