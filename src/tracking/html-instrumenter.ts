const CLOSING_BODY_TAG = /<\/body\s*>/gi;

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '"': '&quot;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&#39;',
};

/** The value, escaped to sit between double quotes in an HTML attribute. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&"<>']/g, (character) => ATTRIBUTE_ESCAPES[character] ?? character);
}

/**
 * Adds a 1x1 open-tracking image just before the last `</body>` (an earlier one may sit in a
 * comment or text), or at the end of a fragment that has none. Nothing else changes.
 */
export function insertOpenPixel(html: string, pixelUrl: string): string {
  const pixel =
    `<img src="${escapeAttribute(pixelUrl)}" width="1" height="1" alt="" ` +
    'style="display:block;width:1px;height:1px;border:0" />';
  let lastClosingBody = -1;
  for (const match of html.matchAll(CLOSING_BODY_TAG)) {
    lastClosingBody = match.index;
  }
  if (lastClosingBody < 0) {
    return html + pixel;
  }
  return html.slice(0, lastClosingBody) + pixel + html.slice(lastClosingBody);
}
