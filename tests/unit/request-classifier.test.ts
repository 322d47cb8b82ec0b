import { describe, expect, it } from 'vitest';
import { AGENT_RULES, classifyRequest, describeAgent, isAutomated, type RequestClass } from '../../src/server/tracking/request-classifier';

const get = (userAgent: string | null, headers: Record<string, string> = {}, method = 'GET') => {
  const all = new Headers(headers);
  if (userAgent !== null) all.set('user-agent', userAgent);
  return classifyRequest({ method, userAgent, headers: all });
};

type Kind = RequestClass['kind'];

// User agents as they arrive in the wild, with what the classifier must make of them.
const cases: Array<[string, Kind, string?]> = [
  // ── People: desktop and mobile browsers ──────────────────────────────────────────────────────────
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'browser'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0', 'browser'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'browser'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', 'browser'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'browser'],
  ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'browser'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0', 'browser'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1', 'browser'],
  ['Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/311.0.618812044 Mobile/15E148 Safari/604.1', 'browser'],
  ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', 'browser'],
  ['Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'browser'],
  ['Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'browser'],
  ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.0.0 Mobile DuckDuckGo/5 Safari/537.36', 'browser'],
  // CUBOT is a phone brand, not a bot.
  ['Mozilla/5.0 (Linux; Android 12; CUBOT P60) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36', 'browser'],
  // Lynx is a text browser a person drives; its "libwww-FM" is not libwww-perl.
  ['Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1 GNUTLS/3.7.8', 'browser'],

  // ── People: in-app browsers and desktop apps' webviews (a person tapped the link) ─────────────────
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0', 'browser'],
  ['Mozilla/5.0 (Linux; Android 13; SO-51C Build/64.1.C.0.180; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 Line/13.21.0/IAB', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/444.0.0.32.118;FBBV/551453893;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.1.2;FBSS/3;FBID/phone;FBLC/ja_JP;FBOP/5]', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 309.1.1.28.108 (iPhone15,3; iOS 17_1; ja_JP; ja; scale=3.00; 1290x2796; 537288532)', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.43(0x18002b2d) NetType/WIFI Language/zh_CN', 'browser'],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.6917', 'browser'],
  // A bare WKWebView (e.g. Outlook or Gmail on iOS opening the link in-app).
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', 'browser'],
  ['Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36', 'browser'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.35.126 Chrome/118.0.5993.159 Electron/27.0.2 Safari/537.36 Sonic Slack_SSB/4.35.126', 'browser'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Teams/1.6.00.4472 Chrome/102.0.5005.197 Electron/19.1.8 Safari/537.36', 'browser'],
  // Headless Chromium (our own end-to-end tests drive Debian Chromium in headless mode) counts as a person:
  // automation that runs the page script is handled by the script-confirmation rule, not by the user agent.
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.118 Safari/537.36', 'browser'],

  // ── Chat and social link unfurlers ────────────────────────────────────────────────────────────────
  ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'preview', 'Slack link preview'],
  ['Slackbot 1.0 (+https://api.slack.com/robots)', 'preview', 'Slack link preview'],
  ['Slack-ImgProxy (+https://api.slack.com/robots)', 'preview', 'Slack image proxy'],
  ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'preview', 'Facebook link preview'],
  ['facebookexternalhit/1.1;line-poker/1.0', 'preview', 'LINE link preview'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0', 'preview', 'iMessage link preview'],
  ['Twitterbot/1.0', 'preview', 'X (Twitter) link preview'],
  ['Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'preview', 'Discord link preview'],
  ['LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)', 'preview', 'LinkedIn link preview'],
  ['WhatsApp/2.23.20.0 A', 'preview', 'WhatsApp link preview'],
  ['TelegramBot (like TwitterBot)', 'preview', 'Telegram link preview'],
  ['Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5', 'preview', 'Microsoft Teams/Skype link preview'],
  ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview) Chrome/116.0.1938.76 Safari/537.36', 'preview', 'Microsoft Teams/Outlook link preview'],
  ['Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b', 'preview', 'Microsoft BingPreview'],
  ['Iframely/1.3.1 (+https://iframely.com/docs/about) Atlassian', 'preview', 'Iframely link preview'],
  ['Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)', 'preview', 'Embedly link preview'],
  ['Pinterest/0.2 (+https://www.pinterest.com/bot.html)', 'preview', 'Pinterest'],
  ['http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/)', 'preview', 'Mastodon link preview'],

  // ── Microsoft Office / Outlook fetching a link itself ─────────────────────────────────────────────
  ['Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)', 'preview', 'Outlook link preview'],
  ['Mozilla/4.0 (compatible; ms-office; MSOffice 16)', 'preview', 'Microsoft Office link check'],
  ['Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; .NET CLR 3.0.30729; .NET CLR 3.5.30729; ms-office; MSOffice 16)', 'preview', 'Microsoft Office link check'],
  ['Microsoft Office Existence Discovery', 'preview', 'Microsoft Office link check'],
  ['Microsoft Office Protocol Discovery', 'preview', 'Microsoft Office link check'],
  ['Microsoft Office/16.0 (Windows NT 10.0; Microsoft Word 16.0.17126; Pro)', 'preview', 'Microsoft Office link check'],
  ['Microsoft URL Control - 6.01.9782', 'tool', 'Microsoft URL Control'],
  ['Microsoft-WebDAV-MiniRedir/10.0.19045', 'tool', 'Windows WebDAV client'],

  // ── Mail proxies and security scanners ────────────────────────────────────────────────────────────
  ['Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', 'scanner', 'Gmail image proxy'],
  ['YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html', 'scanner', 'Yahoo Mail proxy'],
  // Most gateways fetch with ordinary browser user agents (those are left to script confirmation); these
  // vendor-token cases check that a gateway which does name itself is labelled.
  ['Mozilla/5.0 (compatible; Proofpoint URL Defense)', 'scanner', 'Proofpoint URL Defense'],
  ['Mozilla/5.0 (compatible; Mimecast URL Protect)', 'scanner', 'Mimecast'],
  ['Mozilla/5.0 (compatible; Barracuda Link Protection)', 'scanner', 'Barracuda'],
  ['Mozilla/5.0 (compatible; CiscoSecureEmail)', 'scanner', 'Cisco Secure Email'],
  ['Mozilla/5.0 (compatible; Trend Micro Email Security)', 'scanner', 'Trend Micro'],
  ['Mozilla/5.0 (compatible; FortiMail)', 'scanner', 'Fortinet'],

  // ── Crawlers ──────────────────────────────────────────────────────────────────────────────────────
  ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'crawler', 'Googlebot'],
  ['Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'crawler', 'Googlebot'],
  ['AdsBot-Google (+http://www.google.com/adsbot.html)', 'crawler', 'Google crawler'],
  ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'crawler', 'Bingbot'],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)', 'crawler', 'Applebot'],
  ['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', 'crawler', 'YandexBot'],
  ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', 'crawler', 'Baiduspider'],
  ['DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', 'crawler', 'DuckDuckBot'],
  ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'crawler', 'AhrefsBot'],
  ['Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', 'crawler', 'SemrushBot'],
  ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)', 'crawler', 'OpenAI (GPTBot)'],
  ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)', 'crawler', 'Anthropic (ClaudeBot)'],
  ['CCBot/2.0 (https://commoncrawl.org/faq/)', 'crawler', 'Common Crawl (CCBot)'],
  ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)', 'crawler', 'PerplexityBot'],
  ['Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)', 'crawler', 'Bytespider (ByteDance)'],
  ['Mozilla/5.0 (compatible; Linespider/1.1; +https://lin.ee/4dwXkTH)', 'crawler', 'LINE crawler'],
  ['Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)', 'crawler', 'unidentified bot'],
  ['Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', 'crawler', 'unidentified bot'],
  ['Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)', 'crawler', 'unidentified bot'],

  // ── Scripts and tools ─────────────────────────────────────────────────────────────────────────────
  ['curl/8.5.0', 'tool', 'curl'],
  ['Wget/1.21.4', 'tool', 'Wget'],
  ['python-requests/2.31.0', 'tool', 'python-requests'],
  ['Python-urllib/3.11', 'tool', 'Python urllib'],
  ['Python/3.11 aiohttp/3.9.1', 'tool', 'aiohttp'],
  ['python-httpx/0.27.0', 'tool', 'httpx'],
  ['Go-http-client/1.1', 'tool', 'Go http client'],
  ['Go-http-client/2.0', 'tool', 'Go http client'],
  ['Java/17.0.9', 'tool', 'Java'],
  ['Apache-HttpClient/4.5.14 (Java/17.0.9)', 'tool', 'Apache HttpClient'],
  ['okhttp/4.12.0', 'tool', 'OkHttp'],
  ['axios/1.6.8', 'tool', 'axios'],
  ['node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'tool', 'node-fetch'],
  ['undici', 'tool', 'Node.js fetch'],
  ['node', 'tool', 'Node.js fetch'],
  ['libwww-perl/6.72', 'tool', 'libwww-perl'],
  ['PostmanRuntime/7.37.3', 'tool', 'Postman'],
  ['Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1', 'tool', 'PhantomJS'],
  ['Mozilla/5.0', 'tool', 'unidentified client'],
];

describe('classifyRequest: user agents from the wild', () => {
  it('has a table worth the name', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter(([, kind]) => kind === 'browser').length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s → %s', (userAgent, kind, agent) => {
    const result = get(userAgent);
    expect(result.kind).toBe(kind);
    if (agent !== undefined) expect(describeAgent(result)).toBe(agent);
    expect(isAutomated(result)).toBe(kind !== 'browser');
  });
});

describe('classifyRequest: request shape', () => {
  const chrome = cases[0]![0];

  it('treats HEAD with a browser user agent as automated', () => {
    const result = get(chrome, {}, 'HEAD');
    expect(result).toEqual({ kind: 'tool', agent: 'HEAD request' });
    expect(isAutomated(result)).toBe(true);
  });

  it('treats any method other than GET and POST as a tool, whatever the user agent says', () => {
    expect(get(chrome, {}, 'OPTIONS')).toEqual({ kind: 'tool', agent: 'OPTIONS request' });
    expect(get('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', {}, 'HEAD')).toEqual({ kind: 'tool', agent: 'HEAD request' });
    expect(get(chrome, {}, 'get').kind).toBe('browser'); // method case does not matter
    expect(get(chrome, {}, 'POST').kind).toBe('browser');
  });

  it('keeps a strange method label short and plain', () => {
    expect(describeAgent(get(chrome, {}, 'PROPFIND<script>'.repeat(4)))).toBe('PROPFINDSCRIPTPR request');
    expect(describeAgent(get(chrome, {}, '!!!'))).toBe('unknown request');
  });

  it('labels speculative loads as prefetch, before looking at the user agent', () => {
    expect(get(chrome, { 'Sec-Purpose': 'prefetch;prerender' })).toEqual({ kind: 'prefetch', agent: 'prerender' });
    expect(get(chrome, { 'Sec-Purpose': 'prefetch' })).toEqual({ kind: 'prefetch', agent: 'prefetch' });
    expect(get(chrome, { 'Sec-Purpose': 'prefetch;anonymous-client-ip' })).toEqual({ kind: 'prefetch', agent: 'prefetch' });
    expect(get(chrome, { Purpose: 'prefetch' })).toEqual({ kind: 'prefetch', agent: 'prefetch' });
    expect(get(chrome, { 'X-Moz': 'prefetch' })).toEqual({ kind: 'prefetch', agent: 'prefetch' });
    expect(get(chrome, { 'X-Purpose': 'preview' })).toEqual({ kind: 'prefetch', agent: 'browser preview' });
    expect(get('curl/8.5.0', { Purpose: 'prefetch' }).kind).toBe('prefetch');
    expect(isAutomated(get(chrome, { 'Sec-Purpose': 'prefetch' }))).toBe(true);
  });

  it('ignores purpose headers that are not speculative', () => {
    expect(get(chrome, { 'Sec-Purpose': '' }).kind).toBe('browser');
    expect(get(chrome, { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' }).kind).toBe('browser');
  });

  it('treats a missing or empty user agent as a tool', () => {
    expect(get(null)).toEqual({ kind: 'tool', agent: 'no user agent' });
    expect(get('')).toEqual({ kind: 'tool', agent: 'no user agent' });
    expect(get('   ')).toEqual({ kind: 'tool', agent: 'no user agent' });
  });

  it('counts HeadlessChrome as a browser (our e2e tests drive headless Chromium; the page script decides)', () => {
    expect(get('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.204 Safari/537.36')).toEqual({ kind: 'browser' });
  });

  it('matches a huge user agent quickly on its first part only', () => {
    const huge = `${chrome} ${'x'.repeat(100_000)} Googlebot/2.1`;
    const started = performance.now();
    expect(get(huge).kind).toBe('browser');
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('describeAgent and isAutomated', () => {
  it('gives reps short labels', () => {
    expect(describeAgent({ kind: 'browser' })).toBe('browser');
    expect(describeAgent({ kind: 'scanner', agent: 'Microsoft Safe Links' })).toBe('Microsoft Safe Links');
    expect(describeAgent(get('Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'))).toBe('Slack link preview');
    expect(describeAgent(get('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'))).toBe('Googlebot');
    expect(describeAgent(get('curl/8.5.0'))).toBe('curl');
    expect(describeAgent(get(cases[0]![0], { Purpose: 'prefetch' }))).toBe('prefetch');
    expect(describeAgent(get('Mozilla/5.0 (compatible; SafeLinks)'))).toBe('Microsoft Safe Links');
  });

  it('is automated for everything but a browser', () => {
    expect(isAutomated({ kind: 'browser' })).toBe(false);
    for (const kind of ['scanner', 'preview', 'crawler', 'tool', 'prefetch'] as const) {
      expect(isAutomated({ kind, agent: 'x' })).toBe(true);
    }
  });
});

describe('AGENT_RULES', () => {
  it('never labels a rule a browser, and keeps labels short enough to store', () => {
    for (const rule of AGENT_RULES) {
      expect(['scanner', 'preview', 'crawler', 'tool']).toContain(rule.kind);
      expect(rule.agent.length).toBeGreaterThan(0);
      expect(rule.agent.length).toBeLessThanOrEqual(100);
      expect(rule.pattern.global || rule.pattern.sticky).toBe(false); // stateful regexes would make test() alternate
    }
  });

  it('has no duplicate patterns', () => {
    const sources = AGENT_RULES.map((rule) => `${rule.pattern.source}/${rule.pattern.flags}`);
    expect(new Set(sources).size).toBe(sources.length);
  });

  it('does not include HeadlessChrome (see the comment on AGENT_RULES)', () => {
    expect(AGENT_RULES.some((rule) => rule.pattern.test('HeadlessChrome/124.0.0.0'))).toBe(false);
  });
});
