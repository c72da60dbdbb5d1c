import { ClassConstructor } from 'class-transformer';
import { AsesErrorCode, AsesException } from '../core/ases.exception';
import { checkDto, describeProblems } from '../core/request-validation';

/**
 * Checks a request body or query against a DTO class, the way send requests are checked: unknown
 * fields are refused, one problem per field. Returns the DTO; throws INVALID_REQUEST with
 * `errors: [{ field, problems }]` otherwise. `what` names the input in the message (`body`, `query`).
 */
export function checkRequest<T extends object>(
  type: ClassConstructor<T>,
  input: unknown,
  what: string,
): T {
  const check = checkDto(type, input, what);
  if (check.ok) {
    return check.value;
  }
  throw new AsesException(
    AsesErrorCode.INVALID_REQUEST,
    `invalid ${what}: ${describeProblems(check.problems)}`,
    { errors: check.problems },
  );
}
