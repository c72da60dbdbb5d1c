import { createHash } from 'node:crypto';

// One inline style, allowed by its hash: the page loads nothing, runs no script, and can be framed
// by nobody.
const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;' +
  'color:#222}h1{font-size:1.4rem}button{font:inherit;padding:.5rem 1.2rem;cursor:pointer}';

/** The `Content-Security-Policy` of every unsubscribe page. */
export const UNSUBSCRIBE_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The headers of every unsubscribe answer, page or not: never cached (a shared cache must not
 * answer for someone else's link), the token in the URL never sent on as a referrer, no framing.
 */
export const UNSUBSCRIBE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-Robots-Tag': 'noindex, nofollow',
};

/** What a page is about: the masked address and the category. */
export interface UnsubscribePageSubject {
  recipient: string;
  category: string;
}

/**
 * `recipient` as the pages show it: the first character of the local part, an ellipsis, and the
 * domain (`j…@example.com`). Enough for its owner to recognise, while a forwarded mail or a shared
 * screen does not spell out the whole address (the token itself still carries it).
 */
export function maskAddress(recipient: string): string {
  const at = recipient.lastIndexOf('@');
  if (at < 1) {
    return '…';
  }
  // A whole code point, not half of a surrogate pair.
  const first = String.fromCodePoint(recipient.codePointAt(0) as number);
  return `${first}…${recipient.slice(at)}`;
}

/** Text made safe for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function page(title: string, body: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<meta name="robots" content="noindex,nofollow">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body>${body}</body></html>`
  );
}

/**
 * The page `GET /u/<token>` shows: asks before unsubscribing (a link scanner that follows the
 * link must not unsubscribe anyone), with a button that POSTs the one-click body (RFC 8058) to
 * the page's own URL.
 */
export function confirmPage({ recipient, category }: UnsubscribePageSubject): string {
  const address = escapeHtml(maskAddress(recipient));
  const name = escapeHtml(category);
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe ${address} from ${name} mail?</h1>` +
      `<p>You will no longer get ${name} mail at ${address}. ` +
      'Mail of other kinds from this sender is not affected.</p>' +
      '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">' +
      '<button type="submit">Unsubscribe</button></form>',
  );
}

/** The page after a browser's POST: done. */
export function donePage({ recipient, category }: UnsubscribePageSubject): string {
  const address = escapeHtml(maskAddress(recipient));
  return page(
    'Unsubscribed',
    `<h1>You are unsubscribed</h1><p>${address} will get no more ${escapeHtml(category)} mail.</p>`,
  );
}

/** The page of a link that is not one ases made (or was changed). */
export function notFoundPage(): string {
  return page(
    'Link not found',
    '<h1>This unsubscribe link is not valid</h1>' +
      '<p>It may have been cut short or changed. Open the link from the mail again.</p>',
  );
}

/** The page when the unsubscribe could not be recorded just now. */
export function unavailablePage(): string {
  return page(
    'Try again',
    '<h1>We could not record your unsubscribe just now</h1><p>Please try again in a minute.</p>',
  );
}
