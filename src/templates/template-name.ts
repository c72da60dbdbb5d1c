/** What a template name may be: 1-64 of `A-Z a-z 0-9 _ . -`, not only dots. Case-sensitive. */
export const TEMPLATE_NAME = /^(?!\.+$)[A-Za-z0-9_.-]{1,64}$/;

/** Longest template name, in characters. */
export const MAX_TEMPLATE_NAME_LENGTH = 64;

/** What is wrong with a template name, or null when it is a valid one. */
export function templateNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') {
    return 'must be a string';
  }
  if (!TEMPLATE_NAME.test(name)) {
    // Only dots would be a dot-segment in the URL, which clients remove before sending it.
    return (
      `must be 1-${MAX_TEMPLATE_NAME_LENGTH} letters, digits, "_", "." or "-" (not only dots), ` +
      `got ${shown(name)}`
    );
  }
  return null;
}

// Enough of a wrong value to recognise it, not an echo of whatever was sent.
function shown(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
