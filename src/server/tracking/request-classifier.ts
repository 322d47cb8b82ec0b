// Who opened a prospect link: a person's browser, or one of the machines that open links on their
// own (email security scanners, chat link unfurlers, crawlers, scripts, speculative prefetches).
//
// This only labels the OBVIOUS automated opens. Anything that looks like an ordinary browser is
// 'browser', and even then nothing is counted as reading until the page script confirms a view:
// several scanners (Microsoft Safe Links above all) fetch with ordinary-looking browser user agents,
// and those are caught by the script-confirmation rule, not here.
//
// Pure and dependency-free; it runs on every prospect request, so it is one ordered pass over a small
// rule table with simple, linear-time regular expressions.

export type RequestClass =
  | { kind: 'browser' } // plausibly a person's browser
  | { kind: 'scanner'; agent: string } // email security scanners and mail proxies
  | { kind: 'preview'; agent: string } // link unfurlers and apps that fetch a link before opening it
  | { kind: 'crawler'; agent: string } // search engines, SEO and AI crawlers, other self-declared bots
  | { kind: 'tool'; agent: string } // HTTP libraries, command-line tools, non-GET/POST, no user agent
  | { kind: 'prefetch'; agent: string }; // speculative loads the browser made without the user asking

export interface RequestShape {
  method: string; // 'GET', 'HEAD', ...
  userAgent: string | null;
  headers: { get(name: string): string | null }; // e.g. a WHATWG Headers object
}

type RuleKind = 'scanner' | 'preview' | 'crawler' | 'tool';

export interface AgentRule {
  readonly pattern: RegExp;
  readonly kind: RuleKind;
  /** Short label shown to reps (stored with the automated open, at most 100 characters). */
  readonly agent: string;
}

const rule = (pattern: RegExp, kind: RuleKind, agent: string): AgentRule => Object.freeze({ pattern, kind, agent });

/**
 * THE place bot rules live. Ordered, first match wins, so the most specific rules come first:
 * previews whose user agents borrow other bots' names, then security scanners, Microsoft Office,
 * chat and social unfurlers, named crawlers, scripts and tools, and last the generic "bot" catch-alls.
 *
 * Rules are deliberately narrow where a human app shares a vendor's name:
 *  - LINE's in-app browser ("... Safari Line/14.9.0") is a person; only "line-poker" and "Linespider" are LINE's fetchers.
 *  - Slack's and Teams' desktop apps ("Slack/4.35", "Teams/1.6") are people; only Slackbot / Slack-ImgProxy,
 *    SkypeUriPreview and MicrosoftPreview are their unfurlers.
 *  - Outlook mobile ("Outlook-iOS/…", "Outlook-Android/…") and the Facebook, Instagram, WeChat and LinkedIn
 *    in-app browsers are people, so those app names are not matched.
 *  - Telegram and Viber in-app browsers are people; only "TelegramBot" is matched. (Viber's and Chatwork's or
 *    Cybozu's (kintone, Garoon) unfurlers publish no distinctive user agent we can rely on; if they announce
 *    themselves as a bot/crawler, the generic rules at the end catch them.)
 *
 * HeadlessChrome is deliberately NOT a rule here: a headless browser runs the page's script, which reports
 * the page as "opened by a security scanner (ran scripts)" (presence.ts), a more telling entry than a bare
 * fetch. Automation that hides its markers is stopped by the presence rule instead: without a trusted input
 * event no view starts (docs/adr/0004).
 */
export const AGENT_RULES: readonly AgentRule[] = Object.freeze([
  // ── Unfurlers that borrow other bots' names (must precede facebookexternalhit / Twitterbot) ──────────
  rule(/\bline-poker\b/i, 'preview', 'LINE link preview'), // "facebookexternalhit/1.1;line-poker/1.0"
  rule(/\bfacebookexternalhit\/[\d.]+ Facebot Twitterbot\b/i, 'preview', 'iMessage link preview'),
  rule(/\bTelegramBot\b/i, 'preview', 'Telegram link preview'), // "TelegramBot (like TwitterBot)"

  // ── Email security scanners and mail proxies ──────────────────────────────────────────────────────
  // Most gateways fetch with ordinary browser user agents; these catch the ones that name themselves.
  rule(/\bSafe ?Links\b|\bMicrosoft[- ]?(?:Defender|ATP)\b/i, 'scanner', 'Microsoft Safe Links'),
  rule(/\bProofpoint\b|\burldefense\b/i, 'scanner', 'Proofpoint URL Defense'),
  rule(/\bMimecast\b/i, 'scanner', 'Mimecast'),
  rule(/\bBarracuda\b/i, 'scanner', 'Barracuda'),
  rule(/\bIronPort\b|\bCisco[- ]?Secure[- ]?Email\b/i, 'scanner', 'Cisco Secure Email'),
  rule(/\bTrend ?Micro\b/i, 'scanner', 'Trend Micro'),
  rule(/\bSymantec\b|\bMessageLabs\b/i, 'scanner', 'Symantec'),
  rule(/\bSophos\b/i, 'scanner', 'Sophos'),
  rule(/\bFireEye\b|\bTrellix\b/i, 'scanner', 'Trellix (FireEye)'),
  rule(/\bForti(?:net|Mail|Guard)\b/i, 'scanner', 'Fortinet'),
  rule(/\bZscaler\b/i, 'scanner', 'Zscaler'),
  rule(/\bPalo ?Alto\b/i, 'scanner', 'Palo Alto Networks'),
  rule(/\bCheck ?Point\b|\bAvanan\b/i, 'scanner', 'Check Point'),
  rule(/\bForcepoint\b/i, 'scanner', 'Forcepoint'),
  rule(/\bSpamTitan\b/i, 'scanner', 'SpamTitan'),
  rule(/\bGoogleImageProxy\b/, 'scanner', 'Gmail image proxy'), // "... (via ggpht.com GoogleImageProxy)"
  rule(/\bGoogle-Safety\b/, 'scanner', 'Google Safe Browsing'),
  rule(/\bYahooMailProxy\b/, 'scanner', 'Yahoo Mail proxy'),

  // ── Microsoft Office and Outlook fetching a link before (or instead of) opening it in a browser ──────
  rule(/\bMicrosoftPreview\//, 'preview', 'Microsoft Teams/Outlook link preview'),
  rule(/\bSkypeUriPreview\b/i, 'preview', 'Microsoft Teams/Skype link preview'),
  rule(/\bBingPreview\b/i, 'preview', 'Microsoft BingPreview'),
  rule(/^Microsoft Office\/[\d.]+ \([^)]*\bMicrosoft Outlook\b/, 'preview', 'Outlook link preview'),
  // "Microsoft Office Existence Discovery", "… Protocol Discovery", "Microsoft Office/16.0 (… Word …)",
  // "Mozilla/4.0 (compatible; ms-office; MSOffice 16)": an Office app probing a clicked hyperlink.
  rule(/^Microsoft Office\b|\bms-?office\b/i, 'preview', 'Microsoft Office link check'),
  rule(/^Microsoft URL Control\b/, 'tool', 'Microsoft URL Control'),
  rule(/^Microsoft-WebDAV-MiniRedir\//, 'tool', 'Windows WebDAV client'),

  // ── Chat and social link unfurlers ────────────────────────────────────────────────────────────────
  rule(/\bSlackbot-LinkExpanding\b/i, 'preview', 'Slack link preview'),
  rule(/\bSlack-ImgProxy\b/i, 'preview', 'Slack image proxy'),
  rule(/\bSlackbot\b/i, 'preview', 'Slack link preview'),
  rule(/\bfacebookexternalhit\b|\bFacebot\b|\bmeta-externalfetcher\b/i, 'preview', 'Facebook link preview'),
  rule(/\bTwitterbot\b/i, 'preview', 'X (Twitter) link preview'),
  rule(/\bDiscordbot\b/i, 'preview', 'Discord link preview'),
  rule(/\bLinkedInBot\b/i, 'preview', 'LinkedIn link preview'),
  rule(/^WhatsApp(?:\/|$)/i, 'preview', 'WhatsApp link preview'), // "WhatsApp/2.23.20.0 A"
  rule(/\bGoogle-Chat\b/, 'preview', 'Google Chat link preview'),
  rule(/\bGoogle-PageRenderer\b|developers\.google\.com\/\+\/web\/snippet/, 'preview', 'Google link preview'),
  rule(/\bkakaotalk-scrap\b/i, 'preview', 'KakaoTalk link preview'),
  rule(/\bZoombot\b/i, 'preview', 'Zoom link preview'),
  rule(/\bSnap URL Preview\b/i, 'preview', 'Snapchat link preview'),
  rule(/\bPinterest(?:bot)?\/[\d.]/i, 'preview', 'Pinterest'),
  rule(/\bredditbot\b/i, 'preview', 'Reddit link preview'),
  rule(/\bBluesky Cardyb\b/i, 'preview', 'Bluesky link preview'),
  rule(/\bMastodon\/\d/i, 'preview', 'Mastodon link preview'),
  rule(/\bvkShare\b/i, 'preview', 'VK link preview'),
  rule(/\bYahoo Link Preview\b/i, 'preview', 'Yahoo link preview'),
  rule(/\bEmbedly\b/i, 'preview', 'Embedly link preview'),
  rule(/\bIframely\b/i, 'preview', 'Iframely link preview'),

  // ── Named crawlers ────────────────────────────────────────────────────────────────────────────────
  rule(/\bGooglebot\b/i, 'crawler', 'Googlebot'),
  rule(/\b(?:AdsBot-Google|Mediapartners-Google|FeedFetcher-Google|Storebot-Google|APIs-Google|DuplexWeb-Google|GoogleOther|GoogleProducer|Google-(?:InspectionTool|Read-Aloud|Site-Verification|Extended|CloudVertexBot))\b/i, 'crawler', 'Google crawler'),
  rule(/\bbingbot\b|\bmsnbot\b|\badidxbot\b/i, 'crawler', 'Bingbot'),
  rule(/\bApplebot\b/i, 'crawler', 'Applebot'),
  rule(/\bYandex\w*Bot\b|\bYandex(?:Images|Metrika|Direct)/i, 'crawler', 'YandexBot'),
  rule(/\bBaiduspider\b/i, 'crawler', 'Baiduspider'),
  rule(/\bDuckDuckBot\b|\bDuckAssistBot\b/i, 'crawler', 'DuckDuckBot'),
  rule(/\bSlurp\b/, 'crawler', 'Yahoo Slurp'),
  rule(/\bLinespider\b/i, 'crawler', 'LINE crawler'),
  rule(/\bAhrefs(?:Bot|SiteAudit)\b/i, 'crawler', 'AhrefsBot'),
  rule(/\bSemrushBot\b|\bSiteAuditBot\b/i, 'crawler', 'SemrushBot'),
  rule(/\bGPTBot\b|\bChatGPT-User\b|\bOAI-SearchBot\b/i, 'crawler', 'OpenAI (GPTBot)'),
  rule(/\bClaudeBot\b|\bClaude-(?:User|SearchBot|Web)\b|\banthropic-ai\b/i, 'crawler', 'Anthropic (ClaudeBot)'),
  rule(/\bPerplexity(?:Bot|-User)\b/i, 'crawler', 'PerplexityBot'),
  rule(/\bCCBot\b/, 'crawler', 'Common Crawl (CCBot)'),
  rule(/\bBytespider\b/i, 'crawler', 'Bytespider (ByteDance)'),
  rule(/\bAmazonbot\b/i, 'crawler', 'Amazonbot'),
  rule(/\bmeta-externalagent\b/i, 'crawler', 'Meta crawler'),

  // ── Scripts, HTTP libraries and command-line tools ────────────────────────────────────────────────
  rule(/\b(?:lib)?curl\/\d|\bPycURL\//i, 'tool', 'curl'),
  rule(/\bWget\/\d/i, 'tool', 'Wget'),
  rule(/\bpython-requests\//i, 'tool', 'python-requests'),
  rule(/\bPython-urllib\//i, 'tool', 'Python urllib'),
  rule(/\baiohttp\//i, 'tool', 'aiohttp'),
  rule(/\bpython-httpx\//i, 'tool', 'httpx'),
  rule(/\bScrapy\//i, 'crawler', 'Scrapy'),
  rule(/\bGo-http-client\//i, 'tool', 'Go http client'),
  rule(/\bApache-HttpClient\//i, 'tool', 'Apache HttpClient'),
  rule(/\bokhttp\//i, 'tool', 'OkHttp'),
  rule(/\bJava\/\d/, 'tool', 'Java'),
  rule(/\baxios\//i, 'tool', 'axios'),
  rule(/\bnode-fetch\b/i, 'tool', 'node-fetch'),
  rule(/^(?:undici|node)$/i, 'tool', 'Node.js fetch'),
  rule(/^got \(/, 'tool', 'got'),
  rule(/\blibwww-perl\b|^LWP::/i, 'tool', 'libwww-perl'),
  rule(/\bPostmanRuntime\//i, 'tool', 'Postman'),
  rule(/^insomnia\//i, 'tool', 'Insomnia'),
  rule(/^HTTPie\//i, 'tool', 'HTTPie'),
  rule(/\bGuzzleHttp\//i, 'tool', 'Guzzle (PHP)'),
  rule(/^Ruby$|^Faraday v\d|^rest-client\/|\bhttp\.rb\//, 'tool', 'Ruby HTTP client'),
  rule(/^Dart\/\d/, 'tool', 'Dart HTTP client'),
  rule(/^reqwest\//i, 'tool', 'reqwest (Rust)'),
  rule(/^(?:Deno|Bun)\/\d/, 'tool', 'Deno/Bun fetch'),
  rule(/\bGoogle-Apps-Script\b/, 'tool', 'Google Apps Script'),
  rule(/\bPhantomJS\b/i, 'tool', 'PhantomJS'),
  rule(/\bChrome-Lighthouse\b/i, 'tool', 'Lighthouse'),

  // ── Catch-alls, last ─────────────────────────────────────────────────────────────────────────────
  // "bot"/"bots" as a word or before "_" (Googlebot/2.1, MJ12bot, Pingdom.com_bot), but not the CUBOT
  // phone brand ("Android 12; CUBOT P60"); any crawler or spider.
  rule(/(?<!\bcu)bots?(?:\b|_)|crawl|spider/i, 'crawler', 'unidentified bot'),
  // "(compatible; Something/1.0; +http://example.com/bot.html)": the convention bots use to say who they are.
  rule(/\+https?:\/\//i, 'crawler', 'unidentified bot'),
  // A bare "Mozilla/5.0" is no browser; scanners and scripts send it.
  rule(/^Mozilla\/\d\.\d$/, 'tool', 'unidentified client'),
]);

/** A user agent longer than this is matched on its first part only, so a huge header costs nothing extra. */
const MAX_USER_AGENT_LENGTH = 1024;

export function classifyRequest(request: RequestShape): RequestClass {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    // HEAD is a link checker or an app probing the link; browsers never navigate with anything but GET/POST.
    const label = method.replace(/[^A-Z-]/g, '').slice(0, 16) || 'unknown';
    return { kind: 'tool', agent: `${label} request` };
  }

  const prefetch = prefetchAgent(request.headers);
  if (prefetch) return { kind: 'prefetch', agent: prefetch };

  const userAgent = (request.userAgent ?? '').trim().slice(0, MAX_USER_AGENT_LENGTH);
  if (userAgent === '') return { kind: 'tool', agent: 'no user agent' };
  for (const { pattern, kind, agent } of AGENT_RULES) {
    if (pattern.test(userAgent)) return { kind, agent };
  }
  return { kind: 'browser' };
}

/** Speculative loads: Chrome's Sec-Purpose (and its older Purpose), Firefox's X-Moz, Safari's X-Purpose. */
function prefetchAgent(headers: RequestShape['headers']): string | null {
  // Structured lists such as "prefetch", "prefetch;prerender", "prefetch;anonymous-client-ip".
  for (const name of ['sec-purpose', 'purpose', 'x-moz', 'x-purpose']) {
    const value = headers.get(name);
    if (!value) continue;
    if (/\bprerender\b/i.test(value)) return 'prerender';
    if (/\bprefetch\b/i.test(value)) return 'prefetch';
    if (/\bpreview\b/i.test(value)) return 'browser preview'; // Safari's Top Sites thumbnails: "X-Purpose: preview"
  }
  return null;
}

/** Everything but a plausible person's browser. */
export function isAutomated(c: RequestClass): boolean {
  return c.kind !== 'browser';
}

/** A short label for reps: 'Microsoft Safe Links', 'Slack link preview', 'Googlebot', 'curl', 'prefetch', 'browser'. */
export function describeAgent(c: RequestClass): string {
  return c.kind === 'browser' ? 'browser' : c.agent;
}
