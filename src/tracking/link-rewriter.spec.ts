import { type DefaultTreeAdapterMap, parseFragment } from 'parse5';
import { rewriteLinks, type TrackedLink } from './link-rewriter';

const tracked = (index: number): string => `https://t.example/c/${index}`;

/** Rewrites with `tracked(index)` and records every call of the callback. */
function rewrite(html: string): { html: string; links: TrackedLink[]; calls: TrackedLink[] } {
  const calls: TrackedLink[] = [];
  const result = rewriteLinks(html, (link) => {
    calls.push({ ...link });
    return tracked(link.index);
  });
  return { ...result, calls };
}

/** A trackable link beside each case that must be left alone, so a no-op rewriter fails too. */
const CONTROL = '<a href="https://control.example/">control</a>';
const CONTROL_TRACKED = `<a href="${tracked(0)}">control</a>`;
const CONTROL_LINK: TrackedLink = { index: 0, url: 'https://control.example/' };

/** `template` with each `@@n@@` replaced by `values[n]`. */
function fill(template: string, values: readonly string[]): string {
  return template.replace(/@@(\d+)@@/g, (_match, n: string) => values[Number(n)]);
}

describe('rewriteLinks', () => {
  describe('rewrites', () => {
    it('only the href of an <a>, keeping the other attributes and their order', () => {
      const result = rewrite(
        '<p>Hi <a class="btn" href="https://example.com/a" target=_blank style="color:red">Go</a>!</p>',
      );
      expect(result.html).toBe(
        `<p>Hi <a class="btn" href="${tracked(0)}" target=_blank style="color:red">Go</a>!</p>`,
      );
      expect(result.links).toEqual([{ index: 0, url: 'https://example.com/a' }]);
    });

    it.each([
      ['double-quoted', '<a href="https://example.com/q">x</a>'],
      ['single-quoted', "<a href='https://example.com/q'>x</a>"],
      ['unquoted', '<a href=https://example.com/q>x</a>'],
      ['unquoted, last before />', '<a href=https://example.com/q />x</a>'],
      ['spaced around =', '<a href = \n "https://example.com/q">x</a>'],
      ['after a slash', '<a/href="https://example.com/q">x</a>'],
    ])('a %s href into href="..."', (_case, html) => {
      const result = rewrite(html);
      expect(result.html).toBe(html.replace(/href[^>]*?q['"]?/, `href="${tracked(0)}"`));
      expect(result.html).toContain(`href="${tracked(0)}"`);
      expect(result.links).toEqual([{ index: 0, url: 'https://example.com/q' }]);
    });

    it('uppercase tags and attribute names, keeping their case', () => {
      const result = rewrite(
        '<A HREF="https://example.com/1" CLASS=x>one</A><MAP name=m><AREA Href=https://example.com/2 ALT=two></MAP>',
      );
      expect(result.html).toBe(
        `<A HREF="${tracked(0)}" CLASS=x>one</A><MAP name=m><AREA Href="${tracked(1)}" ALT=two></MAP>`,
      );
      expect(result.links.map((link) => link.url)).toEqual([
        'https://example.com/1',
        'https://example.com/2',
      ]);
    });

    it('an <area href> in an image map', () => {
      const html =
        '<img src="map.png" usemap="#m"><map name="m"><area shape="rect" coords="0,0,9,9" href="http://example.com/area" alt="A"></map>';
      expect(rewrite(html).html).toBe(html.replace('http://example.com/area', tracked(0)));
    });

    it('http and https with a scheme in any case, reporting the url as written', () => {
      const result = rewrite(
        '<a href="HTTPS://Example.COM/Path">a</a><a href="Http://example.com/">b</a>',
      );
      expect(result.html).toBe(`<a href="${tracked(0)}">a</a><a href="${tracked(1)}">b</a>`);
      expect(result.links.map((link) => link.url)).toEqual([
        'HTTPS://Example.COM/Path',
        'Http://example.com/',
      ]);
    });

    it('an <a> inside <template> content', () => {
      const result = rewrite(
        '<template><div><a href="https://example.com/t">t</a></div></template>',
      );
      expect(result.html).toBe(`<template><div><a href="${tracked(0)}">t</a></div></template>`);
    });

    it('an <a> inside <noscript>, which mail clients show as they run no scripts', () => {
      const result = rewrite('<noscript><a href="https://example.com/n">n</a></noscript>');
      expect(result.html).toBe(`<noscript><a href="${tracked(0)}">n</a></noscript>`);
    });

    it('a link revealed to non-Outlook clients by a downlevel-revealed conditional comment', () => {
      const html = '<!--[if !mso]><!--><a href="https://example.com/web">web</a><!--<![endif]-->';
      expect(rewrite(html).html).toBe(html.replace('https://example.com/web', tracked(0)));
    });
  });

  describe('reports the url as the browser sees it', () => {
    it.each([
      ['&amp;', 'https://example.com/?a=1&amp;b=2', 'https://example.com/?a=1&b=2'],
      ['numeric references', 'https://example.com/&#x3F;a=&#49;', 'https://example.com/?a=1'],
      ['&quot;', 'https://example.com/?q=&quot;x&quot;', 'https://example.com/?q="x"'],
      // In an attribute, a legacy entity without ; before = or an alphanumeric is not decoded.
      ['&copy= left literal', 'https://example.com/?a=1&copy=2', 'https://example.com/?a=1&copy=2'],
      ['&copy; decoded', 'https://example.com/&copy;', 'https://example.com/©'],
      ['surrounding whitespace', ' \t\n\r\f https://example.com/x \n\t', 'https://example.com/x'],
      ['&#10; and &#9; inside', 'https://exa&#10;mple.com/a&#9;b', 'https://example.com/ab'],
      [
        'a line break inside',
        'https://example.com/long/\r\n/path',
        'https://example.com/long//path',
      ],
    ])('decoding %s', (_case, href, url) => {
      const result = rewrite(`<a href="${href}">x</a>`);
      expect(result.calls).toEqual([{ index: 0, url }]);
      expect(result.links).toEqual([{ index: 0, url }]);
      expect(result.html).toBe(`<a href="${tracked(0)}">x</a>`);
    });

    it('keeping a non-breaking space, so &nbsp;https://… is a relative URL', () => {
      const html = '<a href="&nbsp;https://example.com/">x</a>';
      expect(rewrite(html + CONTROL).html).toBe(html + CONTROL_TRACKED);
    });
  });

  describe('leaves alone', () => {
    it.each([
      ['mailto:', '<a href="mailto:someone@example.com">m</a>'],
      ['tel:', '<a href="tel:+33123456789">t</a>'],
      ['sms:', '<a href="sms:+33123456789">s</a>'],
      ['javascript:', '<a href="javascript:alert(1)">j</a>'],
      ['ftp:', '<a href="ftp://example.com/f">f</a>'],
      ['an in-page anchor', '<a href="#top">top</a>'],
      ['a path', '<a href="/path/page.html">p</a>'],
      ['a relative URL', '<a href="page.html?x=1">p</a>'],
      ['a protocol-relative URL', '<a href="//example.com/x">p</a>'],
      ['http: without //', '<a href="http:example.com">p</a>'],
      ['an empty href', '<a href="">e</a>'],
      ['a whitespace-only href', '<a href="  \n ">w</a>'],
      ['an href without a value', '<a href>v</a>'],
      ['an <a> without href', '<a name="top">n</a>'],
      ['a {{placeholder}}', '<a href="{{unsubscribe_url}}">u</a>'],
      ['a ${placeholder}', '<a href="${link}">u</a>'],
      ['a *|MERGE|* tag', '<a href="*|UNSUB|*">u</a>'],
      ['a %%placeholder%%', '<a href="%%view_online%%">u</a>'],
      ['an unparsable http:// alone', '<a href="http://">b</a>'],
      ['an unparsable host with a space', '<a href="https://exa mple.com/">b</a>'],
      ['an unparsable IPv6 host', '<a href="http://[::1/">b</a>'],
      ['an unparsable port', '<a href="https://example.com:99999/">b</a>'],
      ['<base href>', '<base href="https://example.com/">'],
      ['<link href>', '<link rel="stylesheet" href="https://example.com/s.css">'],
      ['an SVG <a>', '<svg><a href="https://example.com/svg"><text>s</text></a></svg>'],
      ['a <textarea>', '<textarea><a href="https://example.com/ta">x</a></textarea>'],
      ['a <title>', '<title><a href="https://example.com/ti">x</a></title>'],
      ['a <style>', '<style>/* <a href="https://example.com/st">x</a> */</style>'],
      ['a <script>', '<script>"<a href=\'https://example.com/sc\'>x</a>"</script>'],
      ['a comment', '<!-- <a href="https://example.com/comment">x</a> -->'],
      [
        'an Outlook conditional comment (VML buttons are not tracked)',
        '<!--[if mso]><v:roundrect href="https://example.com/vml" style="height:40px">' +
          '<a href="https://example.com/mso">b</a></v:roundrect><![endif]-->',
      ],
      [
        'an <a> inside <select>, which the parser drops',
        '<select><a href="https://e.com/">x</a></select>',
      ],
    ])('%s', (_case, html) => {
      const result = rewrite(html + CONTROL);
      expect(result.html).toBe(html + CONTROL_TRACKED);
      expect(result.calls).toEqual([CONTROL_LINK]);
      expect(result.links).toEqual([CONTROL_LINK]);
    });

    it.each([
      ['bare', '<a href="https://example.com/n" data-ases-notrack>n</a>'],
      ['empty', '<a data-ases-notrack="" href="https://example.com/n">n</a>'],
      ['with any value', '<a href="https://example.com/n" data-ases-notrack="false">n</a>'],
      ['uppercase', '<A HREF="https://example.com/n" DATA-ASES-NOTRACK>n</A>'],
      ['on an <area>', '<area href="https://example.com/n" data-ases-notrack>'],
    ])('an element with data-ases-notrack, %s', (_case, html) => {
      const result = rewrite(html + CONTROL);
      expect(result.html).toBe(html + CONTROL_TRACKED);
      expect(result.calls).toEqual([CONTROL_LINK]);
    });

    it('the second of duplicated href attributes: the browser follows the first', () => {
      const result = rewrite(
        '<a href="https://first.example/" HREF="https://second.example/" href=third>x</a>',
      );
      expect(result.html).toBe(
        `<a href="${tracked(0)}" HREF="https://second.example/" href=third>x</a>`,
      );
      expect(result.links).toEqual([{ index: 0, url: 'https://first.example/' }]);
    });

    it('a link whose callback returns null, without using up an index', () => {
      const calls: TrackedLink[] = [];
      const result = rewriteLinks(
        '<a href="https://example.com/1">1</a><a href="https://example.com/skip">s</a>' +
          '<a href="https://example.com/3">3</a>',
        (link) => {
          calls.push({ ...link });
          return link.url.endsWith('skip') ? null : tracked(link.index);
        },
      );
      expect(result.html).toBe(
        `<a href="${tracked(0)}">1</a><a href="https://example.com/skip">s</a>` +
          `<a href="${tracked(1)}">3</a>`,
      );
      expect(calls).toEqual([
        { index: 0, url: 'https://example.com/1' },
        { index: 1, url: 'https://example.com/skip' },
        { index: 1, url: 'https://example.com/3' },
      ]);
      expect(result.links).toEqual([
        { index: 0, url: 'https://example.com/1' },
        { index: 1, url: 'https://example.com/3' },
      ]);
    });

    it('everything when every callback returns null', () => {
      const html = '<a href="https://example.com/1">1</a><a href="https://example.com/2">2</a>';
      let calls = 0;
      const result = rewriteLinks(html, () => {
        calls += 1;
        return null;
      });
      expect(result).toEqual({ html, links: [] });
      expect(calls).toBe(2);
    });

    it('html without links', () => {
      const html = '<p>No links &amp; no <b>problem</b></p><!-- <a href="https://x.example/"> -->';
      expect(rewrite(html)).toEqual({ html, links: [], calls: [] });
      expect(rewrite('')).toEqual({ html: '', links: [], calls: [] });
    });
  });

  describe('numbers links', () => {
    it('in document order, giving repeated URLs distinct indexes', () => {
      const result = rewrite(
        '<a href="https://example.com/a">1</a><a href="https://example.com/b">2</a>' +
          '<a href="https://example.com/a">3</a><a href="https://example.com/a">4</a>',
      );
      expect(result.links).toEqual([
        { index: 0, url: 'https://example.com/a' },
        { index: 1, url: 'https://example.com/b' },
        { index: 2, url: 'https://example.com/a' },
        { index: 3, url: 'https://example.com/a' },
      ]);
      expect(result.html).toBe(
        `<a href="${tracked(0)}">1</a><a href="${tracked(1)}">2</a>` +
          `<a href="${tracked(2)}">3</a><a href="${tracked(3)}">4</a>`,
      );
    });

    it('in source order when the parser moves an element (foster parenting out of a table)', () => {
      const template = '<table><tr><td><a @@0@@>in cell</a></td></tr><a @@1@@>stray</a></table>';
      const result = rewrite(
        fill(template, ['href="https://example.com/cell"', 'href="https://example.com/stray"']),
      );
      expect(result.html).toBe(fill(template, [`href="${tracked(0)}"`, `href="${tracked(1)}"`]));
      expect(result.links).toEqual([
        { index: 0, url: 'https://example.com/cell' },
        { index: 1, url: 'https://example.com/stray' },
      ]);
    });

    it('once for an <a> the parser re-creates across misnested tags', () => {
      // The parser builds a second <a> around "two" with the first one's source location.
      const result = rewrite('<p><a href="https://example.com/m">one<p>two</a></p>');
      expect(result.html).toBe(`<p><a href="${tracked(0)}">one<p>two</a></p>`);
      expect(result.links).toEqual([{ index: 0, url: 'https://example.com/m' }]);
    });

    it('both of two nested <a>, which the parser closes one before the other', () => {
      const result = rewrite(
        '<b><a href="https://example.com/outer">o<i><a href="https://example.com/inner">i</a></b></i>',
      );
      expect(result.html).toBe(
        `<b><a href="${tracked(0)}">o<i><a href="${tracked(1)}">i</a></b></i>`,
      );
      expect(result.links.map((link) => link.url)).toEqual([
        'https://example.com/outer',
        'https://example.com/inner',
      ]);
    });
  });

  it('attribute-escapes the tracking URL', () => {
    const trackingUrl = `https://t.example/c?a=1&b="2"&c='3'&d=<4>`;
    const result = rewriteLinks('<a href="https://example.com/">x</a>', () => trackingUrl);
    expect(result.html).toBe(
      '<a href="https://t.example/c?a=1&amp;b=&quot;2&quot;&amp;c=&#39;3&#39;&amp;d=&lt;4&gt;">x</a>',
    );
    const anchor = parseFragment(result.html).childNodes[0] as DefaultTreeAdapterMap['element'];
    expect(anchor.attrs).toEqual([{ name: 'href', value: trackingUrl }]);
  });

  it('splices at the right place after non-BMP characters, lone surrogates, CRLF and NUL', () => {
    const template =
      '😀 𝄞 \uD800 \uDC00 \r\n\0 <p>🎉</p>\r\n<a @@0@@>😀</a>\r\n🚀<area @@1@@>𝄞 end';
    const result = rewrite(
      fill(template, ['href="https://example.com/😀"', "href='https://example.com/2'"]),
    );
    expect(result.html).toBe(fill(template, [`href="${tracked(0)}"`, `href="${tracked(1)}"`]));
    expect(result.links).toEqual([
      { index: 0, url: 'https://example.com/😀' },
      { index: 1, url: 'https://example.com/2' },
    ]);
  });

  it('changes nothing but the hrefs of a full document', () => {
    const template = [
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
      '<HTML xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" lang=en>',
      '<head>',
      '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />',
      '  <base href="https://example.com/base/">',
      '  <link rel=stylesheet href="https://example.com/style.css">',
      '  <title>Caf&eacute; &amp; co &#8212; news</title>',
      '  <!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]-->',
      '  <style type="text/css">a[href^="https"] { color: #C00 } /* <a href="https://x.example/"> */</style>',
      '</head>',
      '<BODY style="margin:0" bgcolor=#ffffff>',
      '\t<table role="presentation" width="100%"><TR><TD align=center>',
      '\t\t<A @@0@@ target="_blank" style="color:#c00;">Read&nbsp;online</A>',
      '\t\t<!--[if mso]><v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://example.com/button" arcsize="10%"><w:anchorlock/><center>Buy</center></v:roundrect><![endif]-->',
      '\t\t<!--[if !mso]><!-- --><a class=button @@1@@>Buy</a><!--<![endif]-->',
      '\t</TD></TR></table>',
      '\t<p>Questions? <a href="mailto:help@example.com">Write</a> or <a href="#top">go up</a> or <a href="page.html">see</a>.</p>',
      '\t<img src="https://example.com/logo.png" alt="" width=1 height=1 usemap=#m><map name=m><area shape=rect coords="0,0,1,1" @@2@@></map>',
      '\t<p style="font-size:11px">&copy; 2024 &mdash; <a @@3@@ data-x="1">Unsubscribe</a> · <a href="https://example.com/prefs" data-ases-notrack>Preferences</a></p>',
      '</BODY>',
      '</HTML>',
      '<!-- trailing comment -->',
      '',
    ].join('\r\n');
    const hrefs = [
      'href="https://example.com/online?id=7&amp;utm_source=mail"',
      "href='https://example.com/buy'",
      'HREF=https://example.com/area',
      'href="  https://example.com/unsubscribe?u=&#49;  "',
    ];
    const result = rewrite(fill(template, hrefs));
    expect(result.html).toBe(
      fill(
        template,
        hrefs.map((href, index) => `${href.slice(0, 4)}="${tracked(index)}"`),
      ),
    );
    expect(result.links).toEqual([
      { index: 0, url: 'https://example.com/online?id=7&utm_source=mail' },
      { index: 1, url: 'https://example.com/buy' },
      { index: 2, url: 'https://example.com/area' },
      { index: 3, url: 'https://example.com/unsubscribe?u=1' },
    ]);
  });

  it('changes nothing but the hrefs of a fragment', () => {
    const template =
      '  <div class="card">\n<h1>Hello&nbsp;{{name}}</h1><!-- note -->\n' +
      '<td>stray cell</td><a @@0@@ title="A &quot;quote&quot;">first</a>\n' +
      '<p>unclosed <a @@1@@>second\n<tr><a href="{{cta_url}}">cta</a>\n';
    const hrefs = ['href="https://example.com/1"', 'href=https://example.com/2'];
    const result = rewrite(fill(template, hrefs));
    expect(result.html).toBe(fill(template, [`href="${tracked(0)}"`, `href="${tracked(1)}"`]));
    expect(result.links.map((link) => link.url)).toEqual([
      'https://example.com/1',
      'https://example.com/2',
    ]);
  });

  it('handles 2,000 links in about 1 MB', () => {
    const row = (href: string, i: number): string =>
      `<tr><td style="padding:0 8px">${'Lorem ipsum &amp; dolor. '.repeat(18)}` +
      `<a ${href} class="l${i}">Link ${i}</a> <a href="#r${i}">#</a></td></tr>\n`;
    const hrefOf = (i: number): string =>
      i % 3 === 0
        ? `href="https://example.com/p/${i}?a=1&amp;b=${i}"`
        : i % 3 === 1
          ? `HREF='https://example.com/p/${i}'`
          : `href=https://example.com/p/${i}`;
    const indexes = Array.from({ length: 2000 }, (_unused, i) => i);
    const html = `<table>${indexes.map((i) => row(hrefOf(i), i)).join('')}</table>`;
    expect(html.length).toBeGreaterThan(1_000_000);

    const result = rewrite(html);

    const expected = `<table>${indexes
      .map((i) => row(`${hrefOf(i).slice(0, 4)}="${tracked(i)}"`, i))
      .join('')}</table>`;
    expect(result.html).toBe(expected);
    expect(result.links).toHaveLength(2000);
    expect(result.links[0]).toEqual({ index: 0, url: 'https://example.com/p/0?a=1&b=0' });
    expect(result.links[1999]).toEqual({ index: 1999, url: 'https://example.com/p/1999' });
    expect(result.links.every((link, i) => link.index === i && link.url.includes(`/p/${i}`))).toBe(
      true,
    );
  });
});
