import { readFileSync } from 'node:fs';
import { deferMailHtml, VIEWER_FILL_STATEMENT } from './viewer-page';

const installedPage = readFileSync(require.resolve('aws-ses-v2-local/static/index.html'), 'utf8');

describe('deferMailHtml', () => {
  it('fills the iframe of the installed viewer only once it is shown', () => {
    const page = deferMailHtml(installedPage);

    expect(page).not.toContain(VIEWER_FILL_STATEMENT);
    expect(page).toContain('new ResizeObserver(');
    expect(page).toContain('}).observe(iframe);');
    // Everything else is the viewer as it was.
    expect(page.replace(/new ResizeObserver\([\s\S]*\}\)\.observe\(iframe\);/, '')).toBe(
      installedPage.replace(VIEWER_FILL_STATEMENT, ''),
    );
  });

  it('refuses a page without the statement, or with it twice', () => {
    expect(() => deferMailHtml('<html></html>')).toThrow(
      /must contain "iframeDoc.body.innerHTML = e.body.html;" once, found it 0 times/,
    );
    expect(() => deferMailHtml(`${VIEWER_FILL_STATEMENT}\n${VIEWER_FILL_STATEMENT}`)).toThrow(
      /found it 2 times/,
    );
  });
});
