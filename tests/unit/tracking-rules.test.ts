import { describe, expect, it } from 'vitest';
import { heartbeatPayload, viewStartPayload } from '../../src/server/tracking/beacon-payloads';
import { deviceLabel, isCompleted, mergeHeartbeat, truncateIp, type StoredView } from '../../src/server/tracking/rules';

const startedAt = new Date('2026-11-22T10:00:00Z');
const at = (seconds: number) => new Date(startedAt.getTime() + seconds * 1000);
const view = (over: Partial<StoredView> = {}): StoredView => ({
  startedAt,
  activeSeconds: 0,
  maxScrollPercent: 0,
  sectionSeconds: { overview: 0, pricing: 0 },
  lastSequence: 0,
  ...over,
});
const beacon = (over: Record<string, unknown> = {}) =>
  heartbeatPayload.parse({ seq: 1, activeSeconds: 10, maxScrollPercent: 20, sections: {}, ...over });

describe('mergeHeartbeat', () => {
  it('applies a first beacon', () => {
    expect(mergeHeartbeat(view(), beacon({ sections: { overview: 8 } }), at(12))).toEqual({
      kind: 'apply',
      activeSeconds: 10,
      activeDelta: 10,
      maxScrollPercent: 20,
      sectionSeconds: { overview: 8, pricing: 0 },
      sequence: 1,
    });
  });

  it('ignores replays and older beacons', () => {
    expect(mergeHeartbeat(view({ lastSequence: 3 }), beacon({ seq: 3 }), at(60))).toEqual({ kind: 'replay' });
    expect(mergeHeartbeat(view({ lastSequence: 3 }), beacon({ seq: 2 }), at(60))).toEqual({ kind: 'replay' });
  });

  it('never lowers cumulative values, so a late smaller beacon counts nothing twice or negative', () => {
    const merged = mergeHeartbeat(view({ activeSeconds: 40, maxScrollPercent: 80, sectionSeconds: { overview: 30, pricing: 5 }, lastSequence: 4 }), beacon({ seq: 5, activeSeconds: 20, maxScrollPercent: 10, sections: { overview: 3 } }), at(100));
    expect(merged).toMatchObject({ kind: 'apply', activeSeconds: 40, activeDelta: 0, maxScrollPercent: 80, sectionSeconds: { overview: 30, pricing: 5 } });
  });

  it('clamps active time to the wall-clock time since the view started (plus 5 s slack)', () => {
    expect(mergeHeartbeat(view(), beacon({ activeSeconds: 3600 }), at(30))).toMatchObject({ activeSeconds: 35, activeDelta: 35 });
  });

  it('clamps a section to the active time of the view', () => {
    expect(mergeHeartbeat(view(), beacon({ activeSeconds: 10, sections: { pricing: 500 } }), at(60))).toMatchObject({ sectionSeconds: { overview: 0, pricing: 10 } });
  });

  it('rejects sections the document does not have', () => {
    expect(mergeHeartbeat(view(), beacon({ sections: { 'not-a-heading': 1 } }), at(60))).toEqual({ kind: 'unknown-section', section: 'not-a-heading' });
    expect(mergeHeartbeat(view(), beacon({ sections: { constructor: 1 } }), at(60))).toEqual({ kind: 'unknown-section', section: 'constructor' });
  });

  it('cannot be used to pollute prototypes through a heading called __proto__', () => {
    const stored = view({ sectionSeconds: JSON.parse('{"__proto__": 0}') as Record<string, number> });
    const merged = mergeHeartbeat(stored, beacon({ sections: JSON.parse('{"__proto__": 4}') }), at(60));
    expect(merged.kind).toBe('apply');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (merged.kind === 'apply') expect(Object.keys(merged.sectionSeconds)).toEqual(['__proto__']);
  });
});

describe('beacon payloads', () => {
  it('reject negative, fractional, oversized and unknown fields', () => {
    for (const bad of [
      { seq: 1, activeSeconds: -1, maxScrollPercent: 0 },
      { seq: 1, activeSeconds: 1.5, maxScrollPercent: 0 },
      { seq: 1, activeSeconds: 1, maxScrollPercent: 101 },
      { seq: 0, activeSeconds: 1, maxScrollPercent: 0 },
      { seq: 1, activeSeconds: 90_000, maxScrollPercent: 0 },
      { seq: 1, activeSeconds: 1, maxScrollPercent: 0, extra: true },
      { seq: 1, activeSeconds: 1, maxScrollPercent: 0, sections: { a: -1 } },
      { seq: 1, activeSeconds: 1, maxScrollPercent: 0, sections: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`s${i}`, 1])) },
      { seq: '1', activeSeconds: 1, maxScrollPercent: 0 },
    ]) {
      expect(heartbeatPayload.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
    }
  });
  it('accept a normal beacon', () => {
    expect(heartbeatPayload.safeParse({ seq: 3, activeSeconds: 42, maxScrollPercent: 65, sections: { '料金プラン': 12 }, printed: true }).success).toBe(true);
  });
  it('start payloads name only a slug', () => {
    expect(viewStartPayload.safeParse({ slug: 'pricing' }).success).toBe(true);
    expect(viewStartPayload.safeParse({ slug: 'pricing', viewId: 'x' }).success).toBe(false);
    expect(viewStartPayload.safeParse({ slug: '' }).success).toBe(false);
  });
});

describe('isCompleted', () => {
  it('needs the end of the document and 30 seconds', () => {
    expect(isCompleted(30, 90)).toBe(true);
    expect(isCompleted(29, 100)).toBe(false);
    expect(isCompleted(600, 89)).toBe(false);
  });
});

describe('truncateIp', () => {
  it('keeps the /24 of IPv4 and the /48 of IPv6', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateIp('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(truncateIp('2001:db8:abcd:12:1:2:3:4')).toBe('2001:db8:abcd::/48');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(truncateIp('::1')).toBe('0:0:0::/48');
    expect(truncateIp('nonsense')).toBe('unknown');
  });
});

describe('deviceLabel', () => {
  it('names browser and platform only', () => {
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0')).toBe('Edge / Windows');
    expect(deviceLabel('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1')).toBe('Safari / iPhone');
    expect(deviceLabel('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36')).toBe('Chrome / Android');
    expect(deviceLabel(null)).toBe('Browser / Other');
  });
});
