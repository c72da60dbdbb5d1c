import { insertOpenPixel } from './html-instrumenter';

const URL = 'https://t.example.com/o/abc.def';
const PIXEL = `<img src="${URL}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;

describe('insertOpenPixel', () => {
  it('inserts the pixel right before </body>', () => {
    expect(insertOpenPixel('<html><body><p>Hi</p></body></html>', URL)).toBe(
      `<html><body><p>Hi</p>${PIXEL}</body></html>`,
    );
  });

  it.each(['</BODY>', '</Body>', '</body >', '</body\n>'])('recognises %j', (closing) => {
    expect(insertOpenPixel(`<body>x${closing}\n`, URL)).toBe(`<body>x${PIXEL}${closing}\n`);
  });

  it('uses the last </body> when an earlier one sits in a comment or text', () => {
    const html =
      '<html><body><!-- old footer </body> --><p>write &lt;/body&gt; or </body> in text</p>' +
      '<footer>bye</footer></body></html>';
    expect(insertOpenPixel(html, URL)).toBe(
      '<html><body><!-- old footer </body> --><p>write &lt;/body&gt; or </body> in text</p>' +
        `<footer>bye</footer>${PIXEL}</body></html>`,
    );
  });

  it('appends the pixel to a fragment without </body>', () => {
    expect(insertOpenPixel('<p>hello</p>', URL)).toBe(`<p>hello</p>${PIXEL}`);
    expect(insertOpenPixel('<body><p>unclosed', URL)).toBe(`<body><p>unclosed${PIXEL}`);
  });

  it('does not take a look-alike tag for </body>', () => {
    expect(insertOpenPixel('<p>a</bodyx></p>', URL)).toBe(`<p>a</bodyx></p>${PIXEL}`);
  });

  it('returns just the pixel for empty html', () => {
    expect(insertOpenPixel('', URL)).toBe(PIXEL);
  });

  it('escapes the URL for an HTML attribute', () => {
    expect(insertOpenPixel('', `https://t.example.com/o?a=1&b="2"<'x'>`)).toBe(
      '<img src="https://t.example.com/o?a=1&amp;b=&quot;2&quot;&lt;&#39;x&#39;&gt;" width="1" ' +
        'height="1" alt="" style="display:block;width:1px;height:1px;border:0" />',
    );
  });

  it('changes nothing else, including unusual whitespace and entities', () => {
    const html = '<!doctype html>\r\n<body>\t&nbsp;caf\u00e9 &amp; cr\u00e8me</body>\r\n';
    const result = insertOpenPixel(html, URL);
    expect(result.replace(PIXEL, '')).toBe(html);
  });
});
