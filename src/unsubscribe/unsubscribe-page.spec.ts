import { createHash } from 'node:crypto';
import {
  UNSUBSCRIBE_PAGE_CSP,
  confirmPage,
  donePage,
  escapeHtml,
  maskAddress,
  notFoundPage,
  unavailablePage,
} from './unsubscribe-page';

describe('maskAddress', () => {
  it.each([
    ['jane.doe@example.com', 'j…@example.com'],
    ['j@example.com', 'j…@example.com'],
    ['"a@b"@example.com', '"…@example.com'],
    ['😀x@example.com', '😀…@example.com'],
    ['nobody', '…'],
  ])('shows %s as %s', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });
});

describe('unsubscribe pages', () => {
  it('escapes what it shows', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    const html = confirmPage({ recipient: '<script>@example.com', category: 'news' });
    expect(html).toContain('&lt;…@example.com');
    expect(html).not.toContain('<script>');
  });

  it('asks with a form that posts the one-click body to the page itself', () => {
    const html = confirmPage({ recipient: 'jane@example.com', category: 'marketing' });
    expect(html).toContain('Unsubscribe j…@example.com from marketing mail?');
    expect(html).toContain(
      '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">',
    );
    expect(html).not.toContain('action=');
    expect(html).not.toContain('jane@');
  });

  it('allows its one inline style by hash, and nothing else', () => {
    for (const html of [
      confirmPage({ recipient: 'a@example.com', category: 'x' }),
      donePage({ recipient: 'a@example.com', category: 'x' }),
      notFoundPage(),
      unavailablePage(),
    ]) {
      const style = /<style>(.*?)<\/style>/.exec(html)?.[1] ?? '';
      const hash = createHash('sha256').update(style).digest('base64');
      expect(UNSUBSCRIBE_PAGE_CSP).toContain(`style-src 'sha256-${hash}'`);
      expect(html).not.toMatch(/<script|src=|href=|style="/i);
    }
    expect(UNSUBSCRIBE_PAGE_CSP).toMatch(/^default-src 'none';/);
    expect(UNSUBSCRIBE_PAGE_CSP).toContain("frame-ancestors 'none'");
  });
});
