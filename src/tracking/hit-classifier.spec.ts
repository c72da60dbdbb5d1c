import {
  classifyHit,
  DEFAULT_SCANNER_WINDOW_MS,
  HIT_CLASSES,
  type Hit,
  type HitClass,
} from './hit-classifier';

const PUSHED_AT = Date.UTC(2024, 0, 15, 12, 0, 0);
const AN_HOUR_LATER = PUSHED_AT + 3_600_000;
const WINDOW = DEFAULT_SCANNER_WINDOW_MS;

// Real user agents (browsers as they report themselves; bots as their operators document them).
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const EDGE_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const APPLE_MAIL_MACOS =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const HEADLESS_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.28 Safari/537.36';
const CUBOT_PHONE =
  'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36';
const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0';
const OUTLOOK_DESKTOP =
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)';
const APPLE_MPP = 'Mozilla/5.0';
const GMAIL_PROXY =
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const YAHOO_PROXY = 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const CURL = 'curl/8.5.0';

/** An hour-late GET open with no user agent or IP: every test sets what it is about. */
function hit(fields: Partial<Hit> = {}): Hit {
  return { kind: 'open', method: 'GET', at: AN_HOUR_LATER, pushedAt: PUSHED_AT, ...fields };
}

function classifyAgent(userAgent: string | undefined, kind: Hit['kind'] = 'open') {
  return classifyHit(hit({ kind, userAgent }));
}

describe('classifyHit', () => {
  it('lists the classes', () => {
    expect(HIT_CLASSES).toEqual<HitClass[]>(['human', 'proxy', 'scanner', 'unknown']);
    expect(DEFAULT_SCANNER_WINDOW_MS).toBe(10_000);
  });

  describe('rule 1: a request that is not a GET is a scanner', () => {
    it.each([
      ['HEAD', 'head-request'],
      ['head', 'head-request'],
      ['Head', 'head-request'],
      ['OPTIONS', 'non-get-request'],
      ['POST', 'non-get-request'],
      ['PUT', 'non-get-request'],
      ['', 'non-get-request'],
      ['GETX', 'non-get-request'],
    ])('%p is rule %s, even from a browser', (method, rule) => {
      for (const kind of ['open', 'click'] as const) {
        expect(classifyHit(hit({ kind, method, userAgent: CHROME_WINDOWS }))).toEqual({
          class: 'scanner',
          rule,
        });
      }
    });

    it.each(['GET', 'get', 'Get'])('%p from a browser is human', (method) => {
      expect(classifyHit(hit({ method, userAgent: CHROME_WINDOWS }))).toEqual({
        class: 'human',
        rule: 'browser',
      });
    });
  });

  describe('rule 2: scanner user agents', () => {
    it.each([
      // Crawlers and link-preview fetchers, as their operators document them.
      ['Googlebot', GOOGLEBOT],
      [
        'Googlebot smartphone',
        'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.199 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      ],
      ['bingbot', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'],
      ['AhrefsBot', 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'],
      [
        'Baiduspider',
        'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
      ],
      ['Slackbot', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'],
      ['Slack image proxy', 'Slack-ImgProxy (+https://api.slack.com/robots)'],
      [
        'facebookexternalhit',
        'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      ],
      ['WhatsApp', 'WhatsApp/2.23.20.0 A'],
      ['TelegramBot', 'TelegramBot (like TwitterBot)'],
      ['Discordbot', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'],
      ['Twitterbot', 'Twitterbot/1.0'],
      [
        'LinkedInBot',
        'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
      ],
      ['SkypeUriPreview', 'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5'],
      // HTTP libraries and tools, with their default agents.
      ['curl', CURL],
      ['PycURL', 'PycURL/7.45.2 libcurl/8.4.0 OpenSSL/3.0.11 zlib/1.2.13'],
      ['Wget', 'Wget/1.21.4'],
      ['python-requests', 'python-requests/2.31.0'],
      ['Python-urllib', 'Python-urllib/3.11'],
      ['httpx', 'python-httpx/0.26.0'],
      ['aiohttp', 'Python/3.11 aiohttp/3.9.1'],
      ['Go', 'Go-http-client/1.1'],
      ['Java', 'Java/17.0.9'],
      ['Apache HttpClient', 'Apache-HttpClient/4.5.14 (Java/17.0.9)'],
      ['libwww-perl', 'libwww-perl/6.72'],
      ['node-fetch', 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)'],
      ['axios', 'axios/1.6.2'],
      ['undici', 'undici'],
      ["Node's fetch", 'node'],
      ['Postman', 'PostmanRuntime/7.36.0'],
      // Office's link probes (normally OPTIONS/HEAD, so rule 1; here as a GET).
      ['Office protocol discovery', 'Microsoft Office Protocol Discovery'],
      ['Office existence discovery', 'Microsoft Office Existence Discovery'],
      // Generic words.
      ['a crawler', 'Mozilla/5.0 (compatible; SomeCrawler/1.0)'],
      ['a scanner', 'Mozilla/5.0 (compatible; Link Scanner 2.1)'],
    ])('%s', (_name, userAgent) => {
      for (const kind of ['open', 'click'] as const) {
        expect(classifyAgent(userAgent, kind)).toEqual({ class: 'scanner', rule: 'scanner-agent' });
      }
    });

    // Gateways often send a browser agent with their name in it; the name must win over `browser`.
    it.each([
      'Barracuda',
      'Barracuda Sentinel (EE)',
      'Mimecast',
      'Proofpoint',
      'Trend Micro',
      'TrendMicro',
      'Symantec',
      'MessageLabs',
      'Forcepoint',
      'Sophos',
      'Fortinet',
      'FortiGuard',
      'IronPort',
      'Cisco',
      'Zscaler',
      'Check Point',
      'CheckPoint',
      'Bitdefender',
    ])('a browser agent naming %s', (vendor) => {
      expect(classifyAgent(`${CHROME_WINDOWS} ${vendor}`)).toEqual({
        class: 'scanner',
        rule: 'scanner-agent',
      });
      expect(classifyAgent(`${vendor}/1.0`)).toEqual({ class: 'scanner', rule: 'scanner-agent' });
    });

    it.each([
      ['HeadlessChrome (our e2e tests)', HEADLESS_CHROME],
      ['a Cubot phone', CUBOT_PHONE],
      ['a browser with "Bottle" in its agent', `${FIREFOX_LINUX} Bottle/0.12`],
      ['a browser with "robotics" in its agent', `${FIREFOX_LINUX} robotics`],
      ['a browser with "Ciscoe" in its agent', `${FIREFOX_LINUX} Ciscoe/1.0`],
    ])('not %s', (_name, userAgent) => {
      expect(classifyAgent(userAgent)).toEqual({ class: 'human', rule: 'browser' });
    });

    it('not okhttp, which Android mail apps use', () => {
      expect(classifyAgent('okhttp/4.12.0')).toEqual({
        class: 'unknown',
        rule: 'unrecognised-agent',
      });
    });

    it('is case-insensitive', () => {
      for (const userAgent of ['GOOGLEBOT/2.1', 'CURL/8.5.0', 'barracuda', 'PYTHON-REQUESTS/2']) {
        expect(classifyAgent(userAgent)).toEqual({ class: 'scanner', rule: 'scanner-agent' });
      }
    });
  });

  describe('rule 3: mail image proxies', () => {
    it.each([
      ['Apple Mail Privacy Protection', APPLE_MPP, 'apple-mpp'],
      ['Apple MPP, padded', '  Mozilla/5.0 \t', 'apple-mpp'],
      ['Apple MPP, in another case', 'mozilla/5.0', 'apple-mpp'],
      ['Gmail', GMAIL_PROXY, 'google-image-proxy'],
      ['Gmail, ggpht.com alone', 'Mozilla/5.0 (via ggpht.com)', 'google-image-proxy'],
      ['Gmail, in another case', 'googleimageproxy', 'google-image-proxy'],
      ['Yahoo', YAHOO_PROXY, 'yahoo-proxy'],
      ['Yahoo, in another case', 'YAHOOMAILPROXY', 'yahoo-proxy'],
    ])('%s', (_name, userAgent, rule) => {
      for (const kind of ['open', 'click'] as const) {
        expect(classifyAgent(userAgent, kind)).toEqual({ class: 'proxy', rule });
      }
    });

    it.each(['Mozilla/5.0 ()', 'Mozilla/5.01', 'Mozilla/4.0', 'XMozilla/5.0'])(
      '%p is not Apple MPP',
      (userAgent) => {
        expect(classifyAgent(userAgent).rule).not.toBe('apple-mpp');
      },
    );

    it.each([
      '17.0.0.1',
      '17.58.101.178',
      '17.255.255.255',
      '::ffff:17.1.2.3',
      '::FFFF:17.1.2.3',
      '0:0:0:0:0:ffff:17.1.2.3',
      '::ffff:1101:203',
    ])('an Apple IP %s, whatever the agent', (ip) => {
      for (const userAgent of [CHROME_WINDOWS, SAFARI_IOS, undefined, 'okhttp/4.12.0']) {
        expect(classifyHit(hit({ ip, userAgent }))).toEqual({ class: 'proxy', rule: 'apple-mpp' });
        expect(classifyHit(hit({ kind: 'click', ip, userAgent }))).toEqual({
          class: 'proxy',
          rule: 'apple-mpp',
        });
      }
    });

    it.each([
      '170.1.2.3',
      '117.1.2.3',
      '10.17.1.2',
      '1.17.2.3',
      '::ffff:170.1.2.3',
      '::ffff:10.1.2.3',
      '::ffff:11:203',
      '::ffff:1201:203',
      '2001:db8::17',
      '17.1.2',
      '17.1.2.3.4',
      '',
    ])('not the IP %p', (ip) => {
      expect(classifyHit(hit({ ip, userAgent: CHROME_WINDOWS }))).toEqual({
        class: 'human',
        rule: 'browser',
      });
    });
  });

  describe('rule 4: early clicks', () => {
    function click(at: number, times: Partial<Hit>, userAgent = CHROME_WINDOWS): Hit {
      return { kind: 'click', method: 'GET', userAgent, at, ...times };
    }
    const EARLY = { class: 'scanner', rule: 'early-click' };
    const HUMAN = { class: 'human', rule: 'browser' };

    it.each([
      ['at push time', PUSHED_AT, EARLY],
      ['1 ms after push', PUSHED_AT + 1, EARLY],
      ['window - 1 ms after push', PUSHED_AT + WINDOW - 1, EARLY],
      ['exactly the window after push', PUSHED_AT + WINDOW, HUMAN],
      ['an hour after push', AN_HOUR_LATER, HUMAN],
      ['1 ms before push', PUSHED_AT - 1, HUMAN],
    ])('with only pushedAt: a click %s', (_name, at, expected) => {
      expect(classifyHit(click(at, { pushedAt: PUSHED_AT }))).toEqual(expected);
    });

    const DELIVERED_AT = PUSHED_AT + 60_000;
    it.each([
      ['at delivery', DELIVERED_AT, EARLY],
      ['window - 1 ms after delivery', DELIVERED_AT + WINDOW - 1, EARLY],
      ['exactly the window after delivery', DELIVERED_AT + WINDOW, HUMAN],
      ['1 ms before delivery', DELIVERED_AT - 1, HUMAN],
    ])('with only deliveredAt: a click %s', (_name, at, expected) => {
      expect(classifyHit(click(at, { deliveredAt: DELIVERED_AT }))).toEqual(expected);
    });

    it.each([
      ['soon after push, before delivery', PUSHED_AT + 5_000, EARLY],
      ['between the two windows', PUSHED_AT + 30_000, HUMAN],
      ['soon after delivery, long after push', DELIVERED_AT + 5_000, EARLY],
      ['after both windows', DELIVERED_AT + WINDOW, HUMAN],
    ])('with both times: a click %s', (_name, at, expected) => {
      expect(classifyHit(click(at, { pushedAt: PUSHED_AT, deliveredAt: DELIVERED_AT }))).toEqual(
        expected,
      );
    });

    it('needs a known time', () => {
      expect(classifyHit(click(PUSHED_AT, {}))).toEqual(HUMAN);
    });

    it('does not judge opens by time', () => {
      for (const at of [PUSHED_AT, PUSHED_AT + 1, PUSHED_AT + WINDOW - 1]) {
        const times = { pushedAt: PUSHED_AT, deliveredAt: PUSHED_AT };
        expect(classifyHit({ ...click(at, times), kind: 'open' })).toEqual(HUMAN);
        expect(classifyHit(click(at, times))).toEqual(EARLY);
      }
    });

    it('uses the given window', () => {
      const at = PUSHED_AT + 30_000;
      expect(classifyHit(click(at, { pushedAt: PUSHED_AT }))).toEqual(HUMAN);
      expect(classifyHit(click(at, { pushedAt: PUSHED_AT }), 60_000)).toEqual(EARLY);
      expect(classifyHit(click(PUSHED_AT + 59_999, { pushedAt: PUSHED_AT }), 60_000)).toEqual(
        EARLY,
      );
      expect(classifyHit(click(PUSHED_AT + 60_000, { pushedAt: PUSHED_AT }), 60_000)).toEqual(
        HUMAN,
      );
    });

    it('is off with a window of 0', () => {
      const times = { pushedAt: PUSHED_AT, deliveredAt: PUSHED_AT };
      expect(classifyHit(click(PUSHED_AT, times), 0)).toEqual(HUMAN);
      expect(classifyHit(click(PUSHED_AT, times))).toEqual(EARLY);
    });

    it('catches clicks with no or an unrecognised agent', () => {
      expect(classifyHit(click(PUSHED_AT, { pushedAt: PUSHED_AT }, ''))).toEqual(EARLY);
      expect(
        classifyHit({ kind: 'click', method: 'GET', at: PUSHED_AT, pushedAt: PUSHED_AT }),
      ).toEqual(EARLY);
      expect(classifyHit(click(PUSHED_AT, { pushedAt: PUSHED_AT }, 'okhttp/4.12.0'))).toEqual(
        EARLY,
      );
    });
  });

  describe('rule 5: people', () => {
    it.each([
      ['Chrome on Windows', CHROME_WINDOWS],
      ['Edge on Windows', EDGE_WINDOWS],
      ['Safari on iOS', SAFARI_IOS],
      ['Firefox on Linux', FIREFOX_LINUX],
      ['Apple Mail without MPP', APPLE_MAIL_MACOS],
      ['headless Chrome', HEADLESS_CHROME],
      ['an old Mozilla/4.0 agent', 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1)'],
      ['a lower-case agent', 'mozilla/5.0 (windows nt 10.0; win64; x64)'],
    ])('%s is a browser', (_name, userAgent) => {
      for (const kind of ['open', 'click'] as const) {
        expect(classifyAgent(userAgent, kind)).toEqual({ class: 'human', rule: 'browser' });
      }
    });

    it.each([
      ['Thunderbird', THUNDERBIRD],
      ['Outlook desktop', OUTLOOK_DESKTOP],
      ['Outlook for iOS', 'Outlook-iOS/709.2226530.prod.iphone (3.24.1)'],
      ['Outlook for Android', 'Outlook-Android/2.0'],
      ['Postbox', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:68.0) Postbox/7.0.60'],
      ['Evolution', 'Evolution/3.50.2'],
      ['Airmail', 'Airmail/5.6.7'],
      ['eM Client', 'eM Client/9.2.2157.0'],
      ['Mailbird', 'Mailbird/2.9.87.0'],
      ['Spark', 'Spark/3.12.4'],
      ['Thunderbird in upper case', 'THUNDERBIRD/115.6.0'],
    ])('%s is a mail client', (_name, userAgent) => {
      expect(classifyAgent(userAgent)).toEqual({ class: 'human', rule: 'mail-client' });
    });
  });

  describe('rule 6: unknown', () => {
    it.each([
      ['no', undefined],
      ['an empty', ''],
      ['a blank', ' \t '],
    ])('%s user agent', (_name, userAgent) => {
      for (const kind of ['open', 'click'] as const) {
        expect(classifyAgent(userAgent, kind)).toEqual({ class: 'unknown', rule: 'no-user-agent' });
      }
    });

    it.each(['okhttp/4.12.0', 'Amazon SES Mailbox Simulator', 'Opera/9.80 (Windows NT 6.1)', 'x'])(
      '%p is unrecognised',
      (userAgent) => {
        expect(classifyAgent(userAgent)).toEqual({ class: 'unknown', rule: 'unrecognised-agent' });
      },
    );
  });

  describe('rule order', () => {
    it('a HEAD beats a browser agent, an Apple IP and a proxy agent', () => {
      expect(
        classifyHit(hit({ method: 'HEAD', userAgent: CHROME_WINDOWS, ip: '17.1.2.3' })),
      ).toEqual({ class: 'scanner', rule: 'head-request' });
      expect(classifyHit(hit({ method: 'HEAD', userAgent: GMAIL_PROXY }))).toEqual({
        class: 'scanner',
        rule: 'head-request',
      });
    });

    it('a scanner agent beats an Apple IP', () => {
      expect(classifyHit(hit({ userAgent: CURL, ip: '17.1.2.3' }))).toEqual({
        class: 'scanner',
        rule: 'scanner-agent',
      });
      // Applebot crawls from Apple's own network.
      const applebot =
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)';
      expect(classifyHit(hit({ userAgent: applebot, ip: '17.58.101.178' }))).toEqual({
        class: 'scanner',
        rule: 'scanner-agent',
      });
    });

    it('a scanner agent on an early click is rule scanner-agent', () => {
      expect(classifyHit(hit({ kind: 'click', userAgent: GOOGLEBOT, at: PUSHED_AT + 1 }))).toEqual({
        class: 'scanner',
        rule: 'scanner-agent',
      });
    });

    it('a proxy beats an early click', () => {
      const early = { kind: 'click', at: PUSHED_AT + 1 } as const;
      expect(classifyHit(hit({ ...early, userAgent: YAHOO_PROXY }))).toEqual({
        class: 'proxy',
        rule: 'yahoo-proxy',
      });
      expect(
        classifyHit(hit({ ...early, userAgent: CHROME_WINDOWS, ip: '::ffff:17.1.2.3' })),
      ).toEqual({ class: 'proxy', rule: 'apple-mpp' });
    });

    it('a proxy agent beats the Apple IP rule', () => {
      expect(classifyHit(hit({ userAgent: GMAIL_PROXY, ip: '17.1.2.3' }))).toEqual({
        class: 'proxy',
        rule: 'google-image-proxy',
      });
    });

    it('an early click beats a browser or mail-client agent', () => {
      for (const userAgent of [CHROME_WINDOWS, THUNDERBIRD, OUTLOOK_DESKTOP]) {
        expect(classifyHit(hit({ kind: 'click', userAgent, at: PUSHED_AT }))).toEqual({
          class: 'scanner',
          rule: 'early-click',
        });
      }
    });

    it('a mail client is rule mail-client even though its agent looks like a browser', () => {
      expect(classifyAgent(THUNDERBIRD).rule).toBe('mail-client');
    });
  });

  describe('a long user agent', () => {
    // The classifier reads only the first 512 characters.
    const FILLER = 'Mozilla/5.0 (X11; Linux x86_64) ';

    it('is still classified by its start', () => {
      expect(classifyAgent(`${CHROME_WINDOWS} ${'x'.repeat(100_000)}`)).toEqual({
        class: 'human',
        rule: 'browser',
      });
      expect(classifyAgent(`${CURL} ${'x'.repeat(100_000)}`)).toEqual({
        class: 'scanner',
        rule: 'scanner-agent',
      });
    });

    it('is not searched past 512 characters', () => {
      // "curl/" starting at index 507 ends at the 512th character; one later, its "/" is cut off.
      const curlAt = (index: number) => `${FILLER.padEnd(index, 'x')}${CURL}`;
      expect(classifyAgent(curlAt(507))).toEqual({ class: 'scanner', rule: 'scanner-agent' });
      expect(classifyAgent(curlAt(508))).toEqual({ class: 'human', rule: 'browser' });
      expect(classifyAgent(`${FILLER.padEnd(10_000, 'x')} Googlebot/2.1`)).toEqual({
        class: 'human',
        rule: 'browser',
      });
    });
  });

  it('only ever answers a listed class', () => {
    const agents = [undefined, CHROME_WINDOWS, CURL, APPLE_MPP, GMAIL_PROXY, 'okhttp/4.12.0'];
    for (const userAgent of agents) {
      for (const kind of ['open', 'click'] as const) {
        for (const at of [PUSHED_AT, AN_HOUR_LATER]) {
          expect(HIT_CLASSES).toContain(classifyHit(hit({ kind, userAgent, at })).class);
        }
      }
    }
  });
});
