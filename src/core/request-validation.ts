import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, getMetadataStorage, validateSync } from 'class-validator';
import { AsesErrorCode, AsesException } from './ases.exception';

/** What is wrong with one field of a request. */
export interface FieldProblem {
  field: string;
  problems: string[];
}

/** A checked DTO, or the list of what is wrong with the input. */
export type DtoCheck<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** Deepest nesting of objects and arrays a request may have (a batch needs 4). */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys no object of a request may have: the members of `Object.prototype`. JSON.parse makes
 * them own properties, but class-transformer skips or mistakes them (`constructor` becomes the
 * class it builds), and a plain object that takes one as a key (`tags.__proto__ = …`) loses it
 * or changes its prototype, here or in a host's event handler.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype),
);

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    const nested = flatten(error.children ?? [], field);
    return own.length > 0 ? [{ field, problems: own }, ...nested] : nested;
  });
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The properties a DTO class declares (with at least one validation decorator). */
function declaredProperties(type: ClassConstructor<object>): Set<string> {
  return new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(type, '', true, false)
      .map((metadata) => metadata.propertyName),
  );
}

function typeName(type: unknown): string {
  switch (type) {
    case String:
      return 'a string';
    case Boolean:
      return 'a boolean';
    case Number:
      return 'a number';
    case Array:
      return 'an array';
    default:
      return 'an object';
  }
}

/**
 * The known fields of `input` as a fresh object class-transformer can take safely, and the
 * problems of the others: unknown and reserved keys, nulls (an optional field is left out, not
 * null: class-validator would take null as absent), and nesting past {@link MAX_JSON_DEPTH}.
 * Walks without recursion, so neither a deep nor a cyclic input can exhaust the stack.
 */
function screen(
  type: ClassConstructor<object>,
  input: object,
): { fields: Record<string, unknown>; problems: FieldProblem[] } {
  const known = declaredProperties(type);
  const fields: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(input)) {
    const value: unknown = (input as Record<string, unknown>)[key];
    if (!known.has(key)) {
      problems.push({ field: key, problems: [`property ${key} should not exist`] });
    } else if (value === null) {
      const expected = typeName(Reflect.getMetadata('design:type', type.prototype as object, key));
      problems.push({
        field: key,
        problems: [`${key} must be ${expected}, not null: leave the field out instead`],
      });
    } else if (value !== undefined) {
      const deeper = nestedProblem(value, key);
      if (deeper) {
        problems.push(deeper);
      } else {
        fields[key] = value;
      }
    }
  }
  return { fields, problems };
}

/** The first reserved key, null or excess depth inside one field's value, if any. */
function nestedProblem(root: unknown, field: string): FieldProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: root, path: field, depth: 2 },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, depth } = item;
    if (typeof value !== 'object' || value === null) {
      continue;
    }
    if (depth > MAX_JSON_DEPTH) {
      return { field, problems: [`${field} nests deeper than ${MAX_JSON_DEPTH} levels`] };
    }
    for (const key of Object.keys(value)) {
      const child: unknown = (value as Record<string, unknown>)[key];
      const childPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      if (!Array.isArray(value) && RESERVED_KEYS.has(key)) {
        return {
          field,
          problems: [
            `${path} must not have a key named "${key}": it names a property every JavaScript ` +
              'object has; choose another name',
          ],
        };
      }
      if (child === null) {
        return { field, problems: [`${childPath} must not be null: leave it out instead`] };
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * Checks a JSON object against a DTO class. Unknown fields are refused, not dropped, so a misspelt
 * field is reported instead of silently ignored; so are nulls, reserved keys (`__proto__`,
 * `constructor`, …) and nesting deeper than {@link MAX_JSON_DEPTH}. `what` names the input
 * (`body`, `query`).
 */
export function checkDto<T extends object>(
  type: ClassConstructor<T>,
  input: unknown,
  what = 'body',
): DtoCheck<T> {
  if (!isObject(input)) {
    return { ok: false, problems: [{ field: `(${what})`, problems: ['must be a JSON object'] }] };
  }
  const screened = screen(type, input);
  const value = plainToInstance(type, screened.fields, { enableImplicitConversion: false });
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // One problem per field is enough to act on, and keeps "missing" from also reading "empty".
    stopAtFirstError: true,
  });
  const named = new Set(screened.problems.map((problem) => problem.field.split(/[.[]/)[0]));
  const problems = [
    ...screened.problems,
    // A field refused above is absent from `value`: its "is missing" would only repeat that.
    ...flatten(errors).filter((problem) => !named.has(problem.field.split(/[.[]/)[0])),
  ];
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

/** One line naming every problem, for error messages. */
export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((problem) => problem.problems.join(', ')).join('; ');
}

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
