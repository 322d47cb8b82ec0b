import { describe, expect, it } from 'vitest';
import { buildApprovalMap, cellKey, rolesForCategory, ROLES_BY_CATEGORY, servedRoles, type MapReading } from '../../src/server/approval/approval-map';
import { buyingRoles } from '../../src/server/db/tables';

const when = new Date('2026-12-03T09:00:00Z');
const reading = (overrides: Partial<MapReading>): MapReading => ({
  readerKey: 'c-1',
  readerName: '山田 太郎',
  unknownOnLinkOf: null,
  role: 'champion',
  documentSlug: 'pricing',
  views: 1,
  activeSeconds: 120,
  completedViews: 0,
  lastSeenAt: when,
  ...overrides,
});
const documents = [
  { slug: 'overview', title: '製品概要', category: 'overview' },
  { slug: 'pricing', title: '料金表', category: 'pricing' },
  { slug: 'security-check-sheet', title: 'セキュリティチェックシート', category: 'security' },
  { slug: 'approval-request-template', title: '稟議書テンプレート', category: 'approval-template' },
];

describe('which roles a document category is for', () => {
  it.each([
    ['security', ['it-security']],
    ['pricing', ['finance-purchasing', 'decision-maker']],
    ['roi', ['finance-purchasing', 'decision-maker']],
    ['approval-template', ['manager', 'decision-maker']],
    ['implementation', ['it-security', 'end-user']],
    ['overview', []],
    ['case-study', []],
    ['whitepaper', []],
    ['toString', []],
  ])('%s → %j', (category, roles) => {
    expect(rolesForCategory(category)).toEqual(roles);
  });

  it('only names real roles, never "unknown"', () => {
    for (const roles of Object.values(ROLES_BY_CATEGORY)) for (const role of roles) expect(buyingRoles.filter((r) => r !== 'unknown')).toContain(role);
    expect(rolesForCategory(null)).toEqual([]);
  });

  it('serves the roles of the contacts with links and those the documents are for, in role order', () => {
    expect(servedRoles(['legal', 'unknown', 'champion'], ['security', 'overview'])).toEqual(['champion', 'it-security', 'legal']);
    expect(servedRoles([], [])).toEqual([]);
  });
});

describe('the approval map', () => {
  it('puts each reading under its role and document, most time first, and tells read from opened', () => {
    const map = buildApprovalMap({
      documents,
      linkContactRoles: ['champion'],
      readings: [
        reading({}),
        reading({ readerKey: 'c-2', readerName: '鈴木 一郎', role: 'finance-purchasing', activeSeconds: 10 }),
        reading({ readerKey: 'c-3', readerName: '高橋 由美', role: 'finance-purchasing', activeSeconds: 400 }),
        reading({ readerKey: 'browser:l/d', readerName: '', unknownOnLinkOf: '山田 太郎', role: 'unknown', documentSlug: 'security-check-sheet', activeSeconds: 5, completedViews: 1 }),
      ],
    });
    expect(map.roles).toEqual(['champion', 'manager', 'decision-maker', 'it-security', 'finance-purchasing', 'unknown']);
    expect(map.cells.get(cellKey('finance-purchasing', 'pricing'))!.map((r) => [r.readerName, r.read])).toEqual([
      ['高橋 由美', true],
      ['鈴木 一郎', false],
    ]);
    expect(map.cells.get(cellKey('unknown', 'security-check-sheet'))!.map((r) => [r.unknownOnLinkOf, r.read])).toEqual([['山田 太郎', true]]);
  });

  it('highlights each document a served role has not read: an unknown reader does not count for IT', () => {
    const map = buildApprovalMap({
      documents,
      linkContactRoles: ['champion', 'legal'],
      readings: [
        reading({ role: 'finance-purchasing', documentSlug: 'pricing' }),
        reading({ role: 'decision-maker', documentSlug: 'pricing', activeSeconds: 5 }),
        reading({ role: 'unknown', documentSlug: 'security-check-sheet', activeSeconds: 600 }),
        reading({ role: 'manager', documentSlug: 'approval-request-template', completedViews: 1, activeSeconds: 20 }),
      ],
    });
    // The manager read the template to the end; five seconds of pricing is no read.
    expect(map.gaps).toEqual([
      { role: 'decision-maker', slug: 'pricing' },
      { role: 'decision-maker', slug: 'approval-request-template' },
      { role: 'it-security', slug: 'security-check-sheet' },
    ]);
    // The champion and legal have links but no document meant for them in the room, and read nothing.
    expect(map.silentRoles).toEqual(['champion', 'legal']);
  });

  it('closes the IT gap once someone with the IT role reads the security sheet', () => {
    const before = buildApprovalMap({ documents, linkContactRoles: [], readings: [] });
    expect(before.gaps.filter((g) => g.role === 'it-security')).toEqual([{ role: 'it-security', slug: 'security-check-sheet' }]);
    const after = buildApprovalMap({ documents, linkContactRoles: [], readings: [reading({ role: 'it-security', documentSlug: 'security-check-sheet', activeSeconds: 30 })] });
    expect(after.gaps.filter((g) => g.role === 'it-security')).toEqual([]);
  });
});
