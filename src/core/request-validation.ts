import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';

/** What is wrong with one field of a request. */
export interface FieldProblem {
  field: string;
  problems: string[];
}

/** A checked DTO, or the list of what is wrong with the input. */
export type DtoCheck<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    const nested = flatten(error.children ?? [], field);
    return own.length > 0 ? [{ field, problems: own }, ...nested] : nested;
  });
}

/**
 * Checks a JSON object against a DTO class. Unknown fields are refused, not dropped, so a misspelt
 * field is reported instead of silently ignored; `what` names the input (`body`, `query`).
 */
export function checkDto<T extends object>(
  type: ClassConstructor<T>,
  input: unknown,
  what = 'body',
): DtoCheck<T> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ field: `(${what})`, problems: ['must be a JSON object'] }] };
  }
  const value = plainToInstance(type, input, { enableImplicitConversion: false });
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One problem per field is enough to act on, and keeps "missing" from also reading "empty".
    stopAtFirstError: true,
  });
  return errors.length === 0 ? { ok: true, value } : { ok: false, problems: flatten(errors) };
}

/** One line naming every problem, for error messages. */
export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((problem) => problem.problems.join(', ')).join('; ');
}
