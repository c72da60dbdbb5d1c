import { ValidateBy, ValidationOptions } from 'class-validator';
import { CONTROL_CHARACTER, hasLoneSurrogate } from './unsafe-text';

/** Refuses CR, LF and other control characters: the value goes into a header field. */
export function NoControlCharacters(): PropertyDecorator {
  return ValidateBy({
    name: 'noControlCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTER.test(value),
      defaultMessage: () => '$property must not contain CR, LF or other control characters',
    },
  });
}

/** Refuses half a surrogate pair, which JSON can carry but UTF-8 (the queue, Redis, SES) cannot. */
export function WellFormedUnicode(): PropertyDecorator {
  return ValidateBy({
    name: 'wellFormedUnicode',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasLoneSurrogate(value),
      defaultMessage: () =>
        '$property must be valid Unicode: it holds a lone UTF-16 surrogate (such as \\ud800)',
    },
  });
}

/** Refuses a string longer than `max` bytes in UTF-8 (what the queue, Redis and SES count). */
export function MaxUtf8Bytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: () => `$property must be at most ${max} bytes (UTF-8)`,
      },
    },
    options,
  );
}
