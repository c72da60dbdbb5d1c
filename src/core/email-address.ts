import addressparser from 'nodemailer/lib/addressparser';

/**
 * The bare address of `Name <addr@example.com>` or `addr@example.com`, with the domain lower-cased
 * (domains are case-insensitive; local parts, strictly, are not). Empty when there is none.
 */
export function emailAddressOf(value: string): string {
  const [first] = addressparser(value, { flatten: true });
  const address = first?.address?.trim() ?? '';
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}

/** Whether two addresses name the same mailbox (case-insensitive, as SES compares them). */
export function sameMailbox(a: string, b: string): boolean {
  return emailAddressOf(a).toLowerCase() === emailAddressOf(b).toLowerCase();
}
