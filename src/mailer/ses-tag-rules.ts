import { RESERVED_KEYS } from '../core/request-validation';
import { kindOf, quoted } from './rule-text';

/** Most SES message tags one message may carry. */
export const MAX_SES_TAGS = 50;

/**
 * An SES configuration set name: 1-64 ASCII letters, digits, "_" or "-" (SES API reference,
 * ConfigurationSet: https://docs.aws.amazon.com/ses/latest/APIReference/API_ConfigurationSet.html).
 */
export const CONFIGURATION_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An SES message tag name or value: 1-256 ASCII letters, digits, "_" or "-" (SES API reference,
 * MessageTag, as SendRawEmail takes it:
 * https://docs.aws.amazon.com/ses/latest/APIReference/API_MessageTag.html). SES allows an empty
 * value in words ("256 characters or fewer"); ases wants one character at least, as a tag with
 * no value tells nothing in an event.
 */
export const SES_TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * What is wrong with a `sesTags` value (SES message tags, name → value), naming the tag
 * (`sesTags.campaign ...`); null when it is fine.
 */
export function sesTagsProblem(value: unknown, field = 'sesTags'): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${field} must be an object of string values, such as { "campaign": "spring-sale" }`;
  }
  const names = Object.keys(value);
  if (names.length > MAX_SES_TAGS) {
    return `${field} must hold at most ${MAX_SES_TAGS} tags, not ${names.length}`;
  }
  for (const name of names) {
    if (RESERVED_KEYS.has(name)) {
      return (
        `${field} must not use "${name}" as a tag name: it names a property every JavaScript ` +
        'object has; choose another name'
      );
    }
    if (!SES_TAG_TEXT.test(name)) {
      return (
        `${field} has a bad tag name ${quoted(name)}: SES takes 1-256 ASCII letters, digits, ` +
        '"_" or "-"'
      );
    }
    const tag: unknown = (value as Record<string, unknown>)[name];
    if (typeof tag !== 'string') {
      return `${field}.${name} must be a string, not ${kindOf(tag)}`;
    }
    if (!SES_TAG_TEXT.test(tag)) {
      return (
        `${field}.${name} has the value ${quoted(tag)}: SES takes 1-256 ASCII letters, digits, ` +
        '"_" or "-"'
      );
    }
  }
  return null;
}
