import { describe, expect, it } from 'vitest';
import {
  countKeyDocuments,
  engagementScore,
  engagementScoreDetail,
  isDocumentRead,
  maxScoreSeenAt,
  RECENCY_ZERO_AFTER_DAYS,
  SCORE_CAPS,
  type EngagementInput,
  type ScoreReasonCode,
} from '../../src/server/tracking/engagement-score';

const now = new Date('2026-11-22T10:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
const nothing: EngagementInput = {
  activeSeconds: 0,
  documentsRead: 0,
  documentsInRoom: 0,
  completedViews: 0,
  readers: 0,
  keyDocumentsRead: 0,
  downloads: 0,
  prints: 0,
  lastSeenAt: null,
};
const fresh = (input: Partial<EngagementInput>): EngagementInput => ({ ...nothing, lastSeenAt: now, ...input });
const points = (input: EngagementInput, code: ScoreReasonCode) => engagementScore(input, now).reasons.find((r) => r.code === code)!.points;

describe('engagement score', () => {
  it('is 0 with every reason at 0 for no reading', () => {
    const { score, reasons } = engagementScore(nothing, now);
    expect(score).toBe(0);
    expect(reasons.map((r) => [r.code, r.points, r.value])).toEqual([
      ['active_time', 0, 0],
      ['coverage', 0, 0],
      ['key_documents', 0, 0],
      ['readers', 0, 0],
      ['completions', 0, 0],
      ['downloads_prints', 0, 0],
      ['recency', 0, 0],
    ]);
    expect(engagementScore(fresh({ documentsInRoom: 8 }), now).score).toBe(0);
  });

  it('caps sum to 100, and a maximal fresh input scores exactly 100', () => {
    expect(Object.values(SCORE_CAPS).reduce((a, b) => a + b, 0)).toBe(100);
    const max = engagementScore(
      fresh({ activeSeconds: 10_000, documentsRead: 9, documentsInRoom: 9, completedViews: 50, readers: 12, keyDocumentsRead: 4, downloads: 5, prints: 5 }),
      now,
    );
    expect(max.score).toBe(100);
    for (const reason of max.reasons.filter((r) => r.code !== 'recency')) expect(reason.points).toBe(reason.max);
  });

  it('active time: concave, full at 30 minutes, capped after', () => {
    expect(points(fresh({ activeSeconds: 1 }), 'active_time')).toBe(0);
    expect(points(fresh({ activeSeconds: 60 }), 'active_time')).toBe(5);
    expect(points(fresh({ activeSeconds: 300 }), 'active_time')).toBe(13);
    expect(points(fresh({ activeSeconds: 1260 }), 'active_time')).toBe(23);
    expect(points(fresh({ activeSeconds: 1800 }), 'active_time')).toBe(25);
    expect(points(fresh({ activeSeconds: 86_400 }), 'active_time')).toBe(25);
    expect(engagementScore(fresh({ activeSeconds: 1260 }), now).reasons[0]).toEqual({ code: 'active_time', points: 23, max: 25, value: 1260 });
  });

  it('coverage: share of the room read, capped when more was read than the room offers now', () => {
    expect(engagementScore(fresh({ documentsRead: 2, documentsInRoom: 8 }), now).reasons[1]).toEqual({ code: 'coverage', points: 4, max: 15, value: 2, of: 8 });
    expect(points(fresh({ documentsRead: 8, documentsInRoom: 8 }), 'coverage')).toBe(15);
    expect(points(fresh({ documentsRead: 3, documentsInRoom: 0 }), 'coverage')).toBe(15);
    expect(points(fresh({ documentsRead: 5, documentsInRoom: 2 }), 'coverage')).toBe(15);
    expect(points(fresh({ documentsRead: 0, documentsInRoom: 0 }), 'coverage')).toBe(0);
  });

  it('key documents, readers, completions, downloads and prints: stepped, capped', () => {
    expect([0, 1, 2, 3, 4, 7].map((n) => points(fresh({ keyDocumentsRead: n }), 'key_documents'))).toEqual([0, 10, 16, 20, 20, 20]);
    expect([0, 1, 2, 3, 4, 9].map((n) => points(fresh({ readers: n }), 'readers'))).toEqual([0, 6, 12, 16, 20, 20]);
    expect([0, 1, 2, 3, 10].map((n) => points(fresh({ completedViews: n }), 'completions'))).toEqual([0, 5, 8, 10, 10]);
    expect(points(fresh({ downloads: 1 }), 'downloads_prints')).toBe(6);
    expect(points(fresh({ prints: 1 }), 'downloads_prints')).toBe(6);
    expect(engagementScore(fresh({ downloads: 1, prints: 2 }), now).reasons[5]).toEqual({ code: 'downloads_prints', points: 10, max: 10, value: 3 });
  });

  it('decays with a half-life of 7 days, and the recency reason carries exactly what was lost', () => {
    const input = { activeSeconds: 10_000, documentsRead: 4, documentsInRoom: 4, completedViews: 3, readers: 4, keyDocumentsRead: 3, downloads: 2, prints: 0 };
    expect(engagementScore({ ...input, lastSeenAt: now }, now).score).toBe(100);
    expect(engagementScore({ ...input, lastSeenAt: daysAgo(7) }, now).score).toBe(50);
    expect(engagementScore({ ...input, lastSeenAt: daysAgo(14) }, now).score).toBe(25);
    const detail = engagementScoreDetail({ ...input, lastSeenAt: daysAgo(3.5) }, now);
    expect(detail.decay).toBeCloseTo(Math.SQRT1_2, 10);
    expect(detail.score).toBe(71);
    expect(detail.reasons.at(-1)).toEqual({ code: 'recency', points: -29, max: 0, value: 3.5 });
    expect(detail.reasons.reduce((sum, r) => sum + r.points, 0)).toBe(detail.score);
    // Seen "in the future" (clock skew) does not inflate; never seen applies no decay.
    expect(engagementScore({ ...input, lastSeenAt: daysAgo(-2) }, now).score).toBe(100);
    expect(engagementScore({ ...input, lastSeenAt: null }, now).score).toBe(100);
  });

  it('reaches 0 after RECENCY_ZERO_AFTER_DAYS whatever was read, as the hottest list assumes', () => {
    const max = { ...nothing, activeSeconds: 10_000, documentsRead: 4, documentsInRoom: 4, completedViews: 3, readers: 4, keyDocumentsRead: 3, downloads: 2 };
    expect(RECENCY_ZERO_AFTER_DAYS).toBeCloseTo(53.5, 1);
    expect(engagementScore({ ...max, lastSeenAt: daysAgo(53) }, now).score).toBe(1);
    expect(engagementScore({ ...max, lastSeenAt: daysAgo(54) }, now).score).toBe(0);
    expect(maxScoreSeenAt(daysAgo(7), now)).toBe(50);
    expect(maxScoreSeenAt(daysAgo(54), now)).toBe(0);
  });

  it('treats negative, fractional and non-finite inputs as the counts they can be', () => {
    expect(engagementScore(fresh({ activeSeconds: -5, readers: Number.NaN, downloads: Number.POSITIVE_INFINITY }), now).score).toBe(0);
    expect(points(fresh({ readers: 2.9 }), 'readers')).toBe(12);
  });

  it('reasons always add up to the score', () => {
    const random = prng(7);
    for (let i = 0; i < 500; i++) {
      const input = randomInput(random);
      const { score, reasons } = engagementScore(input, now);
      expect(reasons.reduce((sum, r) => sum + r.points, 0)).toBe(score);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
  });

  it('counts a possible reader (another browser on a contact’s link) as half a reader', () => {
    // readers + possible readers → points: halfway between the whole counts around it.
    const table: [number, number, number][] = [
      [0, 1, 3],
      [1, 0, 6],
      [1, 1, 9],
      [2, 0, 12],
      [2, 2, 16],
      [2, 1, 14],
      [4, 3, 20],
    ];
    for (const [readers, possibleReaders, expected] of table) expect(points(fresh({ readers, possibleReaders }), 'readers')).toBe(expected);
    expect(engagementScoreDetail(fresh({ readers: 2, possibleReaders: 1 }), now).reasons.find((r) => r.code === 'readers')?.value).toBe(2.5);
    // The walk-through of issue 19: two contacts each opening their link on a second device are not four readers.
    expect(points(fresh({ readers: 2, possibleReaders: 2 }), 'readers')).toBeLessThan(points(fresh({ readers: 4 }), 'readers'));
  });

  it('is monotonic: more reading, more readers, more files or a later last-seen never lower it', () => {
    const random = prng(42);
    const grow: Array<(input: EngagementInput, k: number) => EngagementInput> = [
      (x, k) => ({ ...x, activeSeconds: x.activeSeconds + k * 17 }),
      (x, k) => ({ ...x, documentsRead: x.documentsRead + 1 + (k % 3) }),
      (x, k) => ({ ...x, completedViews: x.completedViews + 1 + (k % 2) }),
      (x) => ({ ...x, readers: x.readers + 1 }),
      (x) => ({ ...x, keyDocumentsRead: x.keyDocumentsRead + 1 }),
      (x) => ({ ...x, downloads: x.downloads + 1 }),
      (x) => ({ ...x, prints: x.prints + 1 }),
      (x, k) => ({ ...x, lastSeenAt: new Date(Math.min(now.getTime(), x.lastSeenAt!.getTime() + k * 3_600_000)) }),
      // A whole view: time, a document read, a completion, and now as the last seen.
      (x) => ({ ...x, activeSeconds: x.activeSeconds + 45, documentsRead: x.documentsRead + 1, completedViews: x.completedViews + 1, lastSeenAt: now }),
    ];
    for (let i = 0; i < 2000; i++) {
      const input = randomInput(random);
      const step = grow[i % grow.length]!;
      const more = step(input, 1 + Math.floor(random() * 100));
      expect(engagementScore(more, now).score, JSON.stringify({ input, more })).toBeGreaterThanOrEqual(engagementScore(input, now).score);
    }
  });

  it('helpers: what counts as read, and key documents by the caller-known categories', () => {
    expect(isDocumentRead(29, 0)).toBe(false);
    expect(isDocumentRead(30, 0)).toBe(true);
    expect(isDocumentRead(10, 1)).toBe(true);
    const catalog = new Map([
      ['pricing-2026', 'pricing'],
      ['security-sheet', 'security'],
      ['roi-model', 'roi'],
      ['ringi-form', 'approval-template'],
      ['case-acme', 'case-study'],
    ]);
    expect(countKeyDocuments(['pricing-2026', 'security-sheet', 'case-acme', 'unknown', 'pricing-2026'], catalog)).toBe(2);
    expect(countKeyDocuments(['roi-model', 'ringi-form'], Object.fromEntries(catalog))).toBe(2);
    expect(countKeyDocuments(['__proto__', 'toString'], {})).toBe(0);
  });
});

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomInput(random: () => number): EngagementInput {
  const int = (max: number) => Math.floor(random() * (max + 1));
  const inRoom = int(10);
  return {
    activeSeconds: int(4000),
    documentsRead: int(inRoom + 2),
    documentsInRoom: inRoom,
    completedViews: int(5),
    readers: int(6),
    keyDocumentsRead: int(4),
    downloads: int(3),
    prints: int(2),
    lastSeenAt: daysAgo(random() * 60),
  };
}
