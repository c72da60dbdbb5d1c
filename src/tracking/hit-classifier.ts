/**
 * Tells apart the tracking hits (open-pixel loads and tracked-link clicks) that a person made
 * from those made by mail image proxies and by link scanners, so that open and click figures can
 * be shown both raw and "human". Pure: no I/O, no clock; see {@link classifyHit} for the rules.
 */

/** Who (probably) made a tracking hit. */
export type HitClass = 'human' | 'proxy' | 'scanner' | 'unknown';

export const HIT_CLASSES: readonly HitClass[] = ['human', 'proxy', 'scanner', 'unknown'];

/** What the classifier looks at. Times are epoch milliseconds. */
export interface Hit {
  kind: 'open' | 'click';
  /** HTTP method of the request ('GET' for SES-reported events). */
  method: string;
  userAgent?: string;
  /** Client IP as seen by the service (IPv4, IPv6, or IPv4-mapped IPv6 like ::ffff:17.1.2.3). */
  ip?: string;
  at: number;
  /** When SES accepted the message (PUSHED), if known. */
  pushedAt?: number;
  /** When SES reported delivery, if known. */
  deliveredAt?: number;
}

export interface HitClassification {
  class: HitClass;
  /**
   * Short stable label of the rule that decided: 'head-request', 'non-get-request',
   * 'scanner-agent', 'apple-mpp', 'google-image-proxy', 'yahoo-proxy', 'early-click',
   * 'mail-client', 'browser', 'no-user-agent' or 'unrecognised-agent'.
   */
  rule: string;
}

/** Default: clicks within this long after push or delivery are link scanners. */
export const DEFAULT_SCANNER_WINDOW_MS = 10_000;

/** Only this many leading characters of a user agent are looked at. */
const MAX_INSPECTED_USER_AGENT_LENGTH = 512;

/** One user-agent pattern and the rule label it decides with. */
interface AgentPattern {
  readonly rule: string;
  readonly pattern: RegExp;
}

/**
 * Rule 2: user agents of link scanners, link-preview fetchers, HTTP libraries and bots. All are
 * case-insensitive and none is global (a `g` regex keeps state between calls).
 */
const SCANNER_AGENTS: readonly AgentPattern[] = [
  // Secure email gateways and web-security vendors that fetch links and images to vet them.
  { rule: 'scanner-agent', pattern: /barracuda/i },
  { rule: 'scanner-agent', pattern: /mimecast/i },
  { rule: 'scanner-agent', pattern: /proofpoint/i },
  { rule: 'scanner-agent', pattern: /trend ?micro/i },
  { rule: 'scanner-agent', pattern: /symantec/i },
  { rule: 'scanner-agent', pattern: /messagelabs/i },
  { rule: 'scanner-agent', pattern: /forcepoint/i },
  { rule: 'scanner-agent', pattern: /sophos/i },
  { rule: 'scanner-agent', pattern: /forti(?:net|guard)/i },
  { rule: 'scanner-agent', pattern: /ironport|\bcisco\b/i },
  { rule: 'scanner-agent', pattern: /zscaler/i },
  { rule: 'scanner-agent', pattern: /check ?point/i },
  { rule: 'scanner-agent', pattern: /bitdefender/i },
  // Microsoft Office probes a link (OPTIONS/HEAD, so usually rule 1 already) before handing it to
  // the browser, whose own GET is the person's click: counting the probe too would double-count.
  { rule: 'scanner-agent', pattern: /microsoft office (?:protocol|existence) discovery/i },
  // Link-preview fetchers of chat and social apps (Slack's are documented at api.slack.com/robots).
  {
    rule: 'scanner-agent',
    pattern:
      /facebookexternalhit|\bwhatsapp\/|skypeuripreview|slackbot|slack-imgproxy|telegrambot|discordbot|twitterbot|linkedinbot/i,
  },
  // HTTP libraries and command-line tools. Not okhttp: Android mail apps load images with it.
  // `node` alone is the default agent of Node's built-in fetch (checked on Node 20).
  {
    rule: 'scanner-agent',
    pattern:
      /curl\/|\bwget\b|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|\bjava\/\d|apache-httpclient|libwww-perl|node-fetch|\baxios\/|\bundici\b|^node$|postmanruntime/i,
  },
  // Generic bot words: Googlebot, bingbot, AhrefsBot, Baiduspider… A word ending in "bot", but not
  // the Cubot phone brand (Android agents name the device) nor words like "Bottle". HeadlessChrome
  // is deliberately absent: headless browsers (e.g. our own e2e tests) count as people.
  { rule: 'scanner-agent', pattern: /(?<!cu)bot\b|crawler|spider\b|scanner\b/i },
];

/** Rule 3: mail image proxies recognisable by user agent. */
const PROXY_AGENTS: readonly AgentPattern[] = [
  // Apple Mail Privacy Protection prefetches remote content with exactly this agent.
  { rule: 'apple-mpp', pattern: /^\s*mozilla\/5\.0\s*$/i },
  // Gmail: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com
  // GoogleImageProxy)", as logged by senders and listed by bot directories (e.g. darkvisitors.com).
  { rule: 'google-image-proxy', pattern: /googleimageproxy|ggpht\.com/i },
  // Yahoo/AOL Mail: "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
  // the agent string that Yahoo's help page names (as listed by bot directories).
  { rule: 'yahoo-proxy', pattern: /yahoomailproxy/i },
];

/**
 * Rule 3: Apple owns all of 17.0.0.0/8, which is where Mail Privacy Protection's relays fetch from.
 * Dotted IPv4, optionally IPv4-mapped (::ffff:17.1.2.3 or 0:0:0:0:0:ffff:17.1.2.3), or mapped in
 * hex form (::ffff:1101:203, whose first group 0x11xx starts with 17).
 */
const APPLE_IPV4 = /^(?:(?:(?:0{1,4}:){5}|::)ffff:)?17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i;
const APPLE_IPV4_MAPPED_HEX = /^(?:(?:0{1,4}:){5}|::)ffff:11[0-9a-f]{2}:[0-9a-f]{1,4}$/i;

/** Rule 5: people. Mail clients first, as Thunderbird's agent also looks like a browser's. */
const HUMAN_AGENTS: readonly AgentPattern[] = [
  {
    rule: 'mail-client',
    pattern:
      /thunderbird|microsoft outlook|microsoft office|outlook-(?:ios|android)|\bpostbox\b|\bevolution\b|\bairmail\b|\bem client\b|mailbird|\bspark\b/i,
  },
  // "Mozilla/<version> (<platform>; …)": every mainstream browser and webview.
  { rule: 'browser', pattern: /^\s*mozilla\/\d+(?:\.\d+)?\s*\(/i },
];

const GET_METHOD = /^get$/i;
const HEAD_METHOD = /^head$/i;
const NOT_BLANK = /\S/;

function firstMatch(table: readonly AgentPattern[], userAgent: string): string | undefined {
  for (const entry of table) {
    if (entry.pattern.test(userAgent)) {
      return entry.rule;
    }
  }
  return undefined;
}

function isAppleIp(ip: string | undefined): boolean {
  return ip !== undefined && (APPLE_IPV4.test(ip) || APPLE_IPV4_MAPPED_HEX.test(ip));
}

/** True when `at` is in [since, since + windowMs); false when `since` is unknown. */
function isWithin(at: number, since: number | undefined, windowMs: number): boolean {
  if (since === undefined) {
    return false;
  }
  const elapsed = at - since;
  return elapsed >= 0 && elapsed < windowMs;
}

/**
 * Classifies one tracking hit. The rules are tried in this order and the first that matches
 * decides; user-agent tokens are matched case-insensitively, against the first 512 characters.
 *
 * 1. **Not a GET → scanner.** A mail client or browser only ever GETs an image or a link, so any
 *    other method is a link checker: rule `head-request` for HEAD, `non-get-request` otherwise.
 * 2. **Scanner user agent → scanner**, rule `scanner-agent`. The agent contains:
 *    - a security vendor: `Barracuda`, `Mimecast`, `Proofpoint`, `Trend Micro`/`TrendMicro`,
 *      `Symantec`, `MessageLabs`, `Forcepoint`, `Sophos`, `Fortinet`, `FortiGuard`, `IronPort`,
 *      `Cisco`, `Zscaler`, `Check Point`/`CheckPoint`, `Bitdefender`, or Microsoft Office's link
 *      probes `Microsoft Office Protocol Discovery` and `Microsoft Office Existence Discovery`;
 *    - a link-preview fetcher: `facebookexternalhit`, `WhatsApp/`, `SkypeUriPreview`, `Slackbot`,
 *      `Slack-ImgProxy`, `TelegramBot`, `Discordbot`, `Twitterbot`, `LinkedInBot`;
 *    - an HTTP library or tool: `curl/`, `Wget`, `python-requests`, `Python-urllib`,
 *      `python-httpx`, `aiohttp`, `Go-http-client`, `Java/<version>`, `Apache-HttpClient`,
 *      `libwww-perl`, `node-fetch`, `axios/`, `undici`, `PostmanRuntime`, or is just `node`
 *      (Node's built-in fetch);
 *    - a bot word: a word ending in `bot` (`Googlebot`, `bingbot`, … but not the `Cubot` phone
 *      brand nor `Bottle`), `crawler`, `spider` or `scanner`.
 *
 *    Not scanners: `HeadlessChrome` (headless browsers are treated as people) and `okhttp`
 *    (Android mail apps use it).
 * 3. **Mail image proxy → proxy.**
 *    - rule `apple-mpp` (Apple Mail Privacy Protection): the agent is exactly `Mozilla/5.0`
 *      (surrounding spaces ignored), or the client IP is in Apple's 17.0.0.0/8, also as
 *      IPv4-mapped IPv6 (`::ffff:17.x.x.x`);
 *    - rule `google-image-proxy` (Gmail): the agent contains `GoogleImageProxy` or `ggpht.com`;
 *    - rule `yahoo-proxy` (Yahoo and AOL Mail): the agent contains `YahooMailProxy`.
 * 4. **Early click → scanner**, rule `early-click`: a click made less than `scannerWindowMs`
 *    after the message was pushed to SES or after it was delivered (`0 <= at - time < window`,
 *    for whichever of the two times is known). Opens are never judged by time, as a person may
 *    open a message at once. A window of 0 turns this rule off.
 * 5. **Person → human.** Rule `mail-client` when the agent contains `Thunderbird`,
 *    `Microsoft Outlook`, `Microsoft Office`, `Outlook-iOS`, `Outlook-Android`, `Postbox`,
 *    `Evolution`, `Airmail`, `eM Client`, `Mailbird` or `Spark`; rule `browser` when it starts
 *    with `Mozilla/<version> (`, as every mainstream browser's does.
 * 6. **Otherwise → unknown**: rule `no-user-agent` when the agent is missing or blank,
 *    `unrecognised-agent` for anything else.
 *
 * @param scannerWindowMs how long after push or delivery a click counts as a scanner's (rule 4).
 */
export function classifyHit(
  hit: Hit,
  scannerWindowMs: number = DEFAULT_SCANNER_WINDOW_MS,
): HitClassification {
  if (!GET_METHOD.test(hit.method)) {
    return {
      class: 'scanner',
      rule: HEAD_METHOD.test(hit.method) ? 'head-request' : 'non-get-request',
    };
  }

  const fullAgent = hit.userAgent ?? '';
  const userAgent =
    fullAgent.length > MAX_INSPECTED_USER_AGENT_LENGTH
      ? fullAgent.slice(0, MAX_INSPECTED_USER_AGENT_LENGTH)
      : fullAgent;

  const scannerRule = firstMatch(SCANNER_AGENTS, userAgent);
  if (scannerRule !== undefined) {
    return { class: 'scanner', rule: scannerRule };
  }

  const proxyRule = firstMatch(PROXY_AGENTS, userAgent);
  if (proxyRule !== undefined) {
    return { class: 'proxy', rule: proxyRule };
  }
  if (isAppleIp(hit.ip)) {
    return { class: 'proxy', rule: 'apple-mpp' };
  }

  if (
    hit.kind === 'click' &&
    (isWithin(hit.at, hit.pushedAt, scannerWindowMs) ||
      isWithin(hit.at, hit.deliveredAt, scannerWindowMs))
  ) {
    return { class: 'scanner', rule: 'early-click' };
  }

  const humanRule = firstMatch(HUMAN_AGENTS, userAgent);
  if (humanRule !== undefined) {
    return { class: 'human', rule: humanRule };
  }

  return {
    class: 'unknown',
    rule: NOT_BLANK.test(userAgent) ? 'unrecognised-agent' : 'no-user-agent',
  };
}
