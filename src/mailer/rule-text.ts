/** How a value's kind reads in a refusal: "a number", "an array", "null". */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** A caller's text as JSON (control characters escaped), cut to 80 characters: for refusals. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
