import { hasLoneSurrogate } from '../core/unsafe-text';
import { TEMPLATE_NAME } from '../templates/template-name';
import { kindOf } from './rule-text';

/** Largest `template.data`, as JSON in UTF-8 bytes. */
export const MAX_TEMPLATE_DATA_BYTES = 64 * 1024;

const TEMPLATE_KEYS: ReadonlySet<string> = new Set(['name', 'data']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The first value in `root` that JSON cannot carry as it is, named by its path: an embedding
 * app can hand in what a request body cannot (undefined, a function, a BigInt, NaN, a Date, a
 * cycle), and a lone surrogate, which UTF-8 cannot encode. Walks without recursion.
 */
function notJson(root: unknown, path: string): string | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path }];
  const seen = new Set<object>();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value } = item;
    if (value === null || typeof value === 'boolean') {
      continue;
    }
    if (typeof value === 'string') {
      if (hasLoneSurrogate(value)) {
        return `${item.path} must be valid Unicode: it holds a lone UTF-16 surrogate`;
      }
      continue;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        return `${item.path} must be a finite number, not ${value}`;
      }
      continue;
    }
    if (!Array.isArray(value) && !isPlainObject(value)) {
      const what =
        typeof value === 'object'
          ? `a ${value.constructor?.name ?? 'class instance'}`
          : kindOf(value);
      return `${item.path} must be JSON (a string, number, boolean, array or object), not ${what}`;
    }
    // An object reached twice is a cycle (JSON.stringify would throw) or a shared reference
    // (serialized once per reference: a few can make it exponential). Neither comes from JSON.
    if (seen.has(value)) {
      return `${item.path} is an object met before (a cycle or a shared reference): data must be a tree`;
    }
    seen.add(value);
    for (const [key, child] of Object.entries(value)) {
      stack.push({
        value: child,
        path: Array.isArray(value) ? `${item.path}[${key}]` : `${item.path}.${key}`,
      });
    }
  }
  return null;
}

/**
 * What is wrong with a `template` value (`{ name, data? }`: a stored template and the values
 * for its placeholders), naming the field (`template.name ...`); null when it is fine.
 */
export function templateRefProblem(value: unknown, field = 'template'): string | null {
  if (!isPlainObject(value)) {
    return (
      `${field} must be an object such as { "name": "welcome", "data": { "firstName": "Jane" } }, ` +
      `not ${kindOf(value)}`
    );
  }
  const unknown = Object.keys(value).find((key) => !TEMPLATE_KEYS.has(key));
  if (unknown !== undefined) {
    return `${field}.${unknown} should not exist: a template reference has name and data`;
  }
  const { name, data } = value;
  if (name === undefined) {
    return `${field}.name is required`;
  }
  if (typeof name !== 'string') {
    return `${field}.name must be a string, not ${kindOf(name)}`;
  }
  if (!TEMPLATE_NAME.test(name)) {
    return `${field}.name must be 1-64 letters, digits, "_", "." or "-" (not only dots)`;
  }
  if (data === undefined) {
    return null;
  }
  if (!isPlainObject(data)) {
    return `${field}.data must be an object (name → value), not ${kindOf(data)}`;
  }
  const problem = notJson(data, `${field}.data`);
  if (problem !== null) {
    return problem;
  }
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
  if (bytes > MAX_TEMPLATE_DATA_BYTES) {
    return `${field}.data must be at most ${MAX_TEMPLATE_DATA_BYTES} bytes as JSON, not ${bytes}`;
  }
  return null;
}
