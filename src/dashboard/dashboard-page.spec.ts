import { DASHBOARD_CSP, dashboardPage, signInPage } from './dashboard-page';

/** Every src and href of a page. */
function urlsOf(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href|action)="([^"]*)"/g)].map((match) => match[1]);
}

describe('the dashboard pages', () => {
  it.each([
    ['sign-in', signInPage()],
    ['dashboard', dashboardPage()],
  ])('%s: only relative URLs into dashboard/assets, no inline script or style', (_name, html) => {
    for (const url of urlsOf(html)) {
      expect(url).toMatch(/^(dashboard\/assets\/[a-z]+\.(js|css)|data:,)$/);
    }
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('loads the chart library only on the dashboard itself', () => {
    expect(urlsOf(signInPage())).not.toContain('dashboard/assets/uplot.js');
    expect(urlsOf(dashboardPage())).toEqual(
      expect.arrayContaining(['dashboard/assets/uplot.js', 'dashboard/assets/dashboard.js']),
    );
  });

  it('allows nothing but its own origin: no inline code, no framing', () => {
    expect(DASHBOARD_CSP).toContain("default-src 'none'");
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*/);
  });
});
