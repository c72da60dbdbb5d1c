/**
 * The statement of aws-ses-v2-local's viewer page (`static/index.html`) that writes each listed
 * mail's HTML into that mail's hidden iframe as soon as the mail is listed.
 */
export const VIEWER_FILL_STATEMENT = 'iframeDoc.body.innerHTML = e.body.html;';

/**
 * Fills the iframe the first time it is laid out, i.e. when the reader opens the HTML view: a
 * hidden (`display: none`) iframe has no size. Written out for the browser, so in plain ES2017.
 */
const FILL_WHEN_SHOWN = [
  'new ResizeObserver((entries, observer) => {',
  '  if (entries.some((entry) => entry.contentRect.width > 0)) {',
  '    observer.disconnect();',
  '    (iframe.contentDocument || iframe.contentWindow.document).body.innerHTML = e.body.html;',
  '  }',
  '}).observe(iframe);',
].join('\n');

/**
 * aws-ses-v2-local's viewer page changed so that a mail's HTML is loaded only when its HTML
 * view is shown. The original loads every listed mail's HTML, with its images, on each page
 * load: an open pixel in any mail listed was fetched, and the mail counted as opened, though
 * nobody read it.
 *
 * @throws when the page does not contain {@link VIEWER_FILL_STATEMENT} exactly once (another
 *   aws-ses-v2-local version), rather than serve a viewer that records opens nobody made.
 */
export function deferMailHtml(page: string): string {
  const parts = page.split(VIEWER_FILL_STATEMENT);
  if (parts.length !== 2) {
    throw new Error(
      `the aws-ses-v2-local viewer page must contain "${VIEWER_FILL_STATEMENT}" once, found it ` +
        `${parts.length - 1} times; check the installed aws-ses-v2-local version`,
    );
  }
  return parts.join(FILL_WHEN_SHOWN);
}
