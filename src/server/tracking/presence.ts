// Evidence of a person. Mail security sandboxes (Defender Safe Links detonation, Proofpoint, Mimecast)
// open links in real browsers that run the page's scripts for seconds without any input, so a visible
// tab proves nothing: a view starts only after a trusted input event (docs/adr/0004). Pages and
// requests that show automation markers are scanners that ran scripts, recorded apart.

/** The input the page script saw first (trusted events only: `event.isTrusted`). */
export const presenceInputs = ['wheel', 'touch', 'key', 'pointer', 'click'] as const;
export type PresenceInput = (typeof presenceInputs)[number];

/**
 * Automation markers the page script may report. `webdriver`: navigator.webdriver, set by every
 * WebDriver/CDP-driven Chromium, Firefox and Safari unless hidden on purpose. `headless-user-agent` /
 * `headless-client-hints`: "HeadlessChrome" in navigator.userAgent or userAgentData brands.
 * Nothing vaguer (plugin counts, window sizes): those misfire on real phones and kiosks.
 */
export const automationMarkers = ['webdriver', 'headless-user-agent', 'headless-client-hints'] as const;
export type AutomationMarker = (typeof automationMarkers)[number];

/** What reps see for a page that ran our script under automation. */
export const SCRIPT_SCANNER_LABEL = 'Security scanner (ran scripts)';

const HEADLESS = /\bHeadlessChrome\b/i;

/** Automation markers in a request's own headers: HeadlessChrome in the user agent or in the Sec-CH-UA client hints. */
export function headerAutomationMarkers(headers: { get(name: string): string | null }): AutomationMarker[] {
  const markers: AutomationMarker[] = [];
  if (HEADLESS.test(headers.get('user-agent') ?? '')) markers.push('headless-user-agent');
  if (HEADLESS.test(headers.get('sec-ch-ua') ?? '') || HEADLESS.test(headers.get('sec-ch-ua-full-version-list') ?? '')) markers.push('headless-client-hints');
  return markers;
}

export type ViewStartJudgement = { kind: 'person'; input: PresenceInput } | { kind: 'scanner'; markers: AutomationMarker[] } | { kind: 'no-presence' };

/**
 * Pure: whether a view start is a person. Any automation marker, from the page or the request, makes
 * it a scanner even with input (sandboxes that synthesise clicks still carry their markers); without
 * markers, only a reported input event makes it a person.
 */
export function judgeViewStart(start: { headerMarkers: readonly AutomationMarker[]; pageMarkers: readonly AutomationMarker[]; input: PresenceInput | null }): ViewStartJudgement {
  const markers = [...new Set([...start.headerMarkers, ...start.pageMarkers])];
  if (markers.length > 0) return { kind: 'scanner', markers };
  if (start.input === null) return { kind: 'no-presence' };
  return { kind: 'person', input: start.input };
}

/**
 * Pure: an attachment fetch counts as a download only from a browser (device cookie) that showed a
 * person on the same link, i.e. started a view there. Anything else (a scanner following links, a
 * fetch without cookies) is an unconfirmed download: listed for reps, never counted.
 */
export function downloadKind(presenceOnLink: boolean): 'download' | 'unconfirmed_download' {
  return presenceOnLink ? 'download' : 'unconfirmed_download';
}
