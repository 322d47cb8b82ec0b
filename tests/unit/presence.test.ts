// The presence rule (a view starts only on a person's input, never under automation) and the limits
// on view starts per link and per network.
import { describe, expect, it } from 'vitest';
import { viewStartPayload } from '../../src/server/tracking/beacon-payloads';
import { downloadKind, headerAutomationMarkers, judgeViewStart } from '../../src/server/tracking/presence';
import { VIEW_STARTS_PER_LINK, VIEW_STARTS_PER_NETWORK, ViewStartLimits } from '../../src/server/tracking/view-start-limits';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36';
const headers = (h: Record<string, string>) => new Headers(h);

describe('presence rule', () => {
  it('starts a view only with an input event and no automation marker', () => {
    expect(judgeViewStart({ headerMarkers: [], pageMarkers: [], input: 'wheel' })).toEqual({ kind: 'person', input: 'wheel' });
    for (const input of ['touch', 'key', 'pointer', 'click'] as const) {
      expect(judgeViewStart({ headerMarkers: [], pageMarkers: [], input }).kind, input).toBe('person');
    }
    // A visible tab with no input (a sandbox waiting out its seconds) is no one.
    expect(judgeViewStart({ headerMarkers: [], pageMarkers: [], input: null })).toEqual({ kind: 'no-presence' });
  });

  it('makes any automation marker a scanner, even with input (sandboxes synthesise clicks)', () => {
    expect(judgeViewStart({ headerMarkers: [], pageMarkers: ['webdriver'], input: null })).toEqual({ kind: 'scanner', markers: ['webdriver'] });
    expect(judgeViewStart({ headerMarkers: ['headless-user-agent'], pageMarkers: ['webdriver', 'headless-user-agent'], input: 'click' })).toEqual({
      kind: 'scanner',
      markers: ['headless-user-agent', 'webdriver'],
    });
    expect(judgeViewStart({ headerMarkers: ['headless-client-hints'], pageMarkers: [], input: 'pointer' }).kind).toBe('scanner');
  });

  it('reads HeadlessChrome from the user agent and from the Sec-CH-UA client hints, and nothing from a normal browser', () => {
    expect(headerAutomationMarkers(headers({ 'user-agent': CHROME, 'sec-ch-ua': '"Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24"' }))).toEqual([]);
    expect(headerAutomationMarkers(headers({ 'user-agent': HEADLESS }))).toEqual(['headless-user-agent']);
    // A sandbox that rewrote its user agent but not its client hints.
    expect(headerAutomationMarkers(headers({ 'user-agent': CHROME, 'sec-ch-ua': '"HeadlessChrome";v="131", "Chromium";v="131"' }))).toEqual(['headless-client-hints']);
    expect(headerAutomationMarkers(headers({}))).toEqual([]);
  });

  it('accepts only known inputs and markers in a view start', () => {
    expect(viewStartPayload.safeParse({ slug: 'pricing', input: 'wheel' }).success).toBe(true);
    expect(viewStartPayload.safeParse({ slug: 'pricing', automation: ['webdriver', 'headless-user-agent'] }).success).toBe(true);
    expect(viewStartPayload.safeParse({ slug: 'pricing', input: 'visible' }).success).toBe(false);
    expect(viewStartPayload.safeParse({ slug: 'pricing', automation: ['tired'] }).success).toBe(false);
  });
});

describe('download rule', () => {
  it('counts a download only from a browser that showed a person on the link', () => {
    expect(downloadKind(true)).toBe('download');
    expect(downloadKind(false)).toBe('unconfirmed_download');
  });
});

describe('view start limits', () => {
  const t0 = Date.parse('2026-11-22T00:00:00Z');

  it('refuse a burst on one link past its budget with a retry time, leaving other links alone', () => {
    const limits = new ViewStartLimits();
    for (let i = 0; i < VIEW_STARTS_PER_LINK.burst; i++) expect(limits.takeLink('link-a', t0).allowed, `start ${i + 1}`).toBe(true);
    const refused = limits.takeLink('link-a', t0);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 3 }); // 20 a minute: one every 3 s
    expect(limits.takeLink('link-b', t0).allowed).toBe(true);
    // The budget refills: one more start 3 s later, not two.
    expect(limits.takeLink('link-a', t0 + 3000).allowed).toBe(true);
    expect(limits.takeLink('link-a', t0 + 3000).allowed).toBe(false);
  });

  it('refuse a burst from one network across links, and never limit an unknown network', () => {
    const limits = new ViewStartLimits();
    for (let i = 0; i < VIEW_STARTS_PER_NETWORK.burst; i++) expect(limits.takeNetwork('office', t0).allowed).toBe(true);
    expect(limits.takeNetwork('office', t0)).toMatchObject({ allowed: false });
    expect(limits.takeNetwork('home', t0).allowed).toBe(true);
    expect(limits.takeNetwork(null, t0).allowed).toBe(true);
  });
});
