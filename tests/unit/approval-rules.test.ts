// The approval rules (src/server/approval/approval-rules.ts), one table per rule: the reading in,
// the suggestion or evaluation signal out. docs/approval-rules.md lists the same rules.
import { describe, expect, it } from 'vitest';
import {
  approvalSuggestions,
  evaluationSignals,
  returnAfterSilence,
  type ApprovalFacts,
  type BuyingRole,
  type Reader,
} from '../../src/server/approval/approval-rules';
import { describeEvidence } from '../../src/server/approval/approval-messages';
import { escapeMrkdwn } from '../../src/server/slack/mrkdwn';

const now = new Date('2026-12-03T09:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY);

const CATEGORY: Record<string, string> = { security: 'security', pricing: 'pricing', template: 'approval-template', roi: 'roi', overview: 'overview' };
const TITLE: Record<string, string> = { security: 'セキュリティチェックシート', pricing: '料金表', template: '稟議書テンプレート', roi: 'ROI試算', overview: '製品概要' };

/** A reader: `reads` is document → active seconds. */
function reader(name: string, role: BuyingRole, firstDaysAgo: number, reads: Record<string, number> = {}, possible = false): Reader {
  return {
    key: `${possible ? 'browser' : 'contact'}:${name}`,
    contactName: name,
    role,
    possible,
    firstSeenAt: daysAgo(firstDaysAgo),
    documents: Object.entries(reads).map(([doc, seconds]) => ({ slug: doc, title: TITLE[doc]!, category: CATEGORY[doc]!, activeSeconds: seconds })),
  };
}

function facts(readers: Reader[], over: Partial<ApprovalFacts> = {}): ApprovalFacts {
  return { now, stage: 3, stageOutcome: 'open', salesCycle: 'long', readers, visits: [], ...over };
}

// The champion who got the link first, 30 days ago.
const champion = reader('山田', 'champion', 30, { overview: 300, pricing: 200 });

const rulesOf = (f: ApprovalFacts) => approvalSuggestions(f).map((s) => ({ rule: s.rule, stage: s.stage }));

describe('approval suggestions', () => {
  const cases: { name: string; facts: ApprovalFacts; expected: { rule: string; stage: number | null }[] }[] = [
    { name: 'nothing read: nothing suggested', facts: facts([]), expected: [] },
    { name: 'the champion alone reading everything: nothing', facts: facts([reader('山田', 'champion', 30, { security: 900, pricing: 600, template: 600 })]), expected: [] },
    // IT review
    { name: 'a new reader spends 2 minutes on security → IT review', facts: facts([champion, reader('鈴木', 'unknown', 3, { security: 120 })]), expected: [{ rule: 'it-review', stage: null }] },
    { name: 'a new reader glancing at security (119 s): nothing', facts: facts([champion, reader('鈴木', 'unknown', 3, { security: 119 })]), expected: [] },
    { name: 'a reader who came 20 days ago is not new', facts: facts([champion, reader('鈴木', 'unknown', 20, { security: 600 })]), expected: [] },
    { name: 'another browser on a link reading security → IT review', facts: facts([champion, reader('山田', 'unknown', 1, { security: 300 }, true)]), expected: [{ rule: 'it-review', stage: null }] },
    { name: 'someone from IT reading security, new or not → IT review', facts: facts([champion, reader('鈴木', 'it-security', 29, { security: 400 })]), expected: [{ rule: 'it-review', stage: null }] },
    { name: 'pricing is not a security review', facts: facts([champion, reader('鈴木', 'unknown', 3, { pricing: 600 })]), expected: [] },
    // 稟議 being drafted
    {
      name: 'pricing and the approval template read by two people → stage 4',
      facts: facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('高橋', 'manager', 25, { pricing: 30, template: 45 })]),
      expected: [{ rule: 'ringi-drafting', stage: 4 }],
    },
    {
      name: 'template read by one person only: nothing',
      facts: facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('高橋', 'manager', 25, { pricing: 60 })]),
      expected: [],
    },
    {
      name: 'a possible reader (another browser) does not make two people',
      facts: facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('山田', 'unknown', 25, { pricing: 60, template: 60 }, true)]),
      expected: [],
    },
    {
      name: 'reads under 30 s do not count',
      facts: facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('高橋', 'manager', 25, { pricing: 29, template: 60 })]),
      expected: [],
    },
    {
      name: 'already at stage 4: nothing (never the same stage or backwards)',
      facts: facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('高橋', 'manager', 25, { pricing: 60, template: 60 })], { stage: 4 }),
      expected: [],
    },
    // Final approval
    { name: 'the decision maker opened the room at stage 3 → stage 4', facts: facts([champion, reader('佐藤', 'decision-maker', 1)]), expected: [{ rule: 'final-approval', stage: 4 }] },
    { name: 'the decision maker at stage 5 → a next step, no stage', facts: facts([champion, reader('佐藤', 'decision-maker', 1)], { stage: 5 }), expected: [{ rule: 'final-approval', stage: null }] },
    { name: 'a manager opening the room is not final approval', facts: facts([champion, reader('佐藤', 'manager', 1)]), expected: [] },
    // Closed deals
    { name: 'won deals get no suggestions', facts: facts([champion, reader('佐藤', 'decision-maker', 1)], { stage: 7, stageOutcome: 'won' }), expected: [] },
    { name: 'lost deals get no suggestions', facts: facts([champion, reader('鈴木', 'it-security', 1, { security: 600 })], { stage: 8, stageOutcome: 'lost' }), expected: [] },
  ];
  it.each(cases)('$name', ({ facts: f, expected }) => {
    expect(rulesOf(f)).toEqual(expected);
  });

  it('keys follow the evidence: the same readers give the same key, another reader a new one', () => {
    const two = facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('高橋', 'manager', 25, { pricing: 60, template: 60 })]);
    const again = facts([reader('山田', 'champion', 30, { pricing: 90, template: 70 }), reader('高橋', 'manager', 25, { pricing: 60, template: 60 })]);
    const three = facts([...two.readers, reader('中村', 'finance-purchasing', 2, { pricing: 60, template: 60 })]);
    const key = (f: ApprovalFacts) => approvalSuggestions(f).find((s) => s.rule === 'ringi-drafting')!.key;
    expect(key(again)).toBe(key(two));
    expect(key(three)).not.toBe(key(two));
    expect(key(two)).toMatch(/^ringi-drafting:stage-4:[A-Za-z0-9_-]{16}$/);
  });
});

describe('evaluation signals (hand-off)', () => {
  const signals = (f: ApprovalFacts) => evaluationSignals(f).map((e) => e.rule);
  const visit = (startDaysAgo: number, lengthMinutes = 20) => ({ startedAt: daysAgo(startDaysAgo), lastActivityAt: new Date(daysAgo(startDaysAgo).getTime() + lengthMinutes * 60_000) });
  const cases: { name: string; facts: ApprovalFacts; expected: string[] }[] = [
    { name: 'one reader: nothing', facts: facts([champion]), expected: [] },
    { name: 'a key document read by two people', facts: facts([champion, reader('高橋', 'unknown', 25, { pricing: 45 })]), expected: ['key-document-readers'] },
    { name: 'an overview read by two people is not evaluation', facts: facts([champion, reader('高橋', 'unknown', 25, { overview: 600 })]), expected: [] },
    { name: 'a new reader from finance', facts: facts([champion, reader('中村', 'finance-purchasing', 2)]), expected: ['signing-new-reader'] },
    { name: 'a new end user is not a signing function', facts: facts([champion, reader('中村', 'end-user', 2)]), expected: [] },
    { name: 'a finance reader from a month ago is not new', facts: facts([champion, reader('中村', 'finance-purchasing', 28)]), expected: [] },
    { name: 'a return after four weeks of silence', facts: facts([champion], { visits: [visit(60), visit(30), visit(1)] }), expected: ['return-after-silence'] },
    { name: 'steady reading is no return', facts: facts([champion], { visits: [visit(30), visit(20), visit(10), visit(1)] }), expected: [] },
    { name: 'a silence broken two weeks ago is no longer news', facts: facts([champion], { visits: [visit(60), visit(14)] }), expected: [] },
    { name: 'short-cycle deals: never', facts: facts([champion, reader('中村', 'finance-purchasing', 2, { pricing: 60 })], { salesCycle: 'short' }), expected: [] },
    { name: 'closed deals: never', facts: facts([champion, reader('中村', 'finance-purchasing', 2, { pricing: 60 })], { stage: 7, stageOutcome: 'won' }), expected: [] },
    {
      name: 'several signals at once, in rule order',
      facts: facts([champion, reader('中村', 'legal', 2, { pricing: 60 })], { visits: [visit(40), visit(2)] }),
      expected: ['key-document-readers', 'signing-new-reader', 'return-after-silence'],
    },
  ];
  it.each(cases)('$name', ({ facts: f, expected }) => {
    expect(signals(f)).toEqual(expected);
  });

  it('measures the silence from the end of the last visit before it', () => {
    expect(returnAfterSilence({ now, visits: [{ startedAt: daysAgo(40), lastActivityAt: daysAgo(30) }, { startedAt: daysAgo(2), lastActivityAt: daysAgo(2) }] })).toEqual({ silentDays: 28, at: daysAgo(2) });
  });
});

describe('evidence in plain words', () => {
  const [itReview] = approvalSuggestions(facts([champion, reader('山田', 'unknown', 1, { security: 300 }, true)]));
  const [drafting] = approvalSuggestions(facts([reader('山田', 'champion', 30, { pricing: 60, template: 60 }), reader('高橋', 'manager', 25, { pricing: 60, template: 60 })]));
  it.each([
    ['ja', itReview!.evidence, '新しい閲覧者、山田 様のリンクを開いた別のブラウザ（未確認）が「セキュリティチェックシート」を合計 5分 閲覧しました。'],
    ['en', itReview!.evidence, 'A new reader, another browser on 山田’s link (a possible new reader), spent 5 min on “セキュリティチェックシート”.'],
    ['ja', drafting!.evidence, '料金表を 2 人（山田、高橋）、稟議書テンプレートを 2 人（山田、高橋）が閲覧しました。'],
    ['en', drafting!.evidence, 'Pricing was read by 2 people (山田, 高橋) and the approval template by 2 (山田, 高橋).'],
  ] as const)('%s: %s', (locale, evidence, text) => {
    expect(describeEvidence(locale, evidence)).toBe(text);
  });

  it('wraps every name and title for Slack', () => {
    const [signal] = evaluationSignals(facts([reader('<!channel> *x*', 'champion', 30, { pricing: 60 }), reader('高橋', 'unknown', 25, { pricing: 60 })]));
    const text = describeEvidence('en', signal!, escapeMrkdwn);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('*x*');
    expect(text).toContain('&lt;!channel&gt;');
  });
});
