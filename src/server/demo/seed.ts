// A realistic demo: a Japanese SaaS vendor's reps, their accounts, opportunities (open, won, lost),
// rooms, links and weeks of reading (history.ts).
// Idempotent: fixed ids and "insert or ignore", so re-running neither duplicates nor destroys.
import { and, eq, isNull } from 'drizzle-orm';
import { hashPassword } from '../auth/passwords';
import { accessLinks, accounts, contacts, opportunities, roomDocuments, rooms, users, workspaceSettings } from '../db/tables';
import { createAccessLink, revealAccessToken } from '../access-links/access-links';
import type { RingiDb } from '../db/client';
import type { SecretKey } from '../security/secret-box';
import type { LinkScope } from '../tracking/link-scope';
import { rebuildRoomAggregates } from '../tracking/aggregates';
import type { DemoCatalog } from './content';
import { seedReadingHistory } from './history';

export const demoAdmin = { email: 'admin@ringi.example', password: 'ringi-demo-2026' } as const;
/** The vendor the demo content speaks for (content/*.md): prospects see its name atop their room. */
export const demoVendorName = '株式会社ミライクラウド';

const day = 24 * 60 * 60 * 1000;

const demoUsers = [
  { id: 'demo-user-admin', email: demoAdmin.email, displayName: '管理者 花子', role: 'admin', jobTitle: '営業企画部', phone: '03-1234-0000' },
  { id: 'demo-user-sato', email: 'sato@ringi.example', displayName: '佐藤 健太', role: 'rep', jobTitle: 'フィールドセールス', phone: '03-1234-5678' },
  { id: 'demo-user-tanaka', email: 'tanaka@ringi.example', displayName: '田中 美咲', role: 'rep', jobTitle: 'インサイドセールス', phone: '03-1234-5679' },
  { id: 'demo-user-lee', email: 'lee@ringi.example', displayName: 'Alex Lee', role: 'rep', jobTitle: 'Account Executive', phone: '+81-3-1234-5680', locale: 'en' },
] as const;

const demoAccounts = [
  { id: 'demo-account-sakura', name: '株式会社さくら製作所', industry: '製造業', website: 'https://sakura-mfg.example' },
  { id: 'demo-account-aozora', name: '青空物流株式会社', industry: '物流', website: 'https://aozora-logi.example' },
  { id: 'demo-account-northwind', name: 'Northwind Trading K.K.', industry: 'Trading', website: 'https://northwind.example' },
  { id: 'demo-account-toto', name: '東都メディカル株式会社', industry: '医療機器', website: 'https://toto-medical.example' },
  { id: 'demo-account-minato', name: 'みなと食品株式会社', industry: '食品', website: 'https://minato-foods.example' },
  { id: 'demo-account-hokusei', name: '北星建設株式会社', industry: '建設', website: 'https://hokusei-kensetsu.example' },
  { id: 'demo-account-pacific', name: 'Pacific Bridge Partners G.K.', industry: 'Consulting', website: 'https://pacificbridge.example' },
  { id: 'demo-account-hayate', name: '株式会社はやて電機', industry: '電機', website: 'https://hayate-denki.example' },
] as const;

const demoContacts = [
  { id: 'demo-contact-yamada', accountId: 'demo-account-sakura', name: '山田 太郎', email: 'yamada@sakura-mfg.example', department: '経理部', jobTitle: '部長', buyingRole: 'champion' as const },
  { id: 'demo-contact-suzuki', accountId: 'demo-account-sakura', name: '鈴木 一郎', email: 'suzuki@sakura-mfg.example', department: '情報システム部', jobTitle: '課長', buyingRole: 'it-security' as const },
  { id: 'demo-contact-kobayashi', accountId: 'demo-account-aozora', name: '小林 恵', email: 'kobayashi@aozora-logi.example', department: '総務部', jobTitle: '主任', buyingRole: 'champion' as const },
  { id: 'demo-contact-smith', accountId: 'demo-account-northwind', name: 'Jordan Smith', email: 'jordan.smith@northwind.example', department: 'Finance', jobTitle: 'CFO', buyingRole: 'decision-maker' as const },
  { id: 'demo-contact-takahashi', accountId: 'demo-account-toto', name: '高橋 由美', email: 'takahashi@toto-medical.example', department: '経理部', jobTitle: '課長', buyingRole: 'finance-purchasing' as const },
  { id: 'demo-contact-nakamura', accountId: 'demo-account-toto', name: '中村 大輔', email: 'nakamura@toto-medical.example', department: '情報システム部', jobTitle: '係長', buyingRole: 'it-security' as const },
  { id: 'demo-contact-matsumoto', accountId: 'demo-account-minato', name: '松本 直樹', email: 'matsumoto@minato-foods.example', department: '総務部', jobTitle: '部長', buyingRole: 'decision-maker' as const },
  { id: 'demo-contact-inoue', accountId: 'demo-account-hokusei', name: '井上 智子', email: 'inoue@hokusei-kensetsu.example', department: '管理本部', jobTitle: '経理課長', buyingRole: 'finance-purchasing' as const },
  { id: 'demo-contact-chen', accountId: 'demo-account-pacific', name: 'Emily Chen', email: 'emily.chen@pacificbridge.example', department: 'Operations', jobTitle: 'Operations Director', buyingRole: 'champion' as const },
  { id: 'demo-contact-kimura', accountId: 'demo-account-hayate', name: '木村 翔', email: 'kimura@hayate-denki.example', department: '経営企画部', jobTitle: '主任', buyingRole: 'end-user' as const },
] as const;

// What each demo room offers, in the rep's order (documents missing from content/ are left out).
export const demoRoomDocuments: Readonly<Record<string, readonly string[]>> = {
  'demo-room-sakura': ['product-overview', 'pricing', 'security-check-sheet', 'case-study-manufacturing', 'roi-model', 'implementation-plan', 'approval-request-template'],
  'demo-room-aozora': ['product-overview', 'case-study-manufacturing', 'implementation-plan'],
  'demo-room-northwind': ['product-overview-en', 'case-study-logistics-en', 'pricing', 'roi-model'],
  'demo-room-toto': ['product-overview', 'pricing', 'security-check-sheet', 'roi-model', 'approval-request-template'],
  'demo-room-minato': ['product-overview', 'pricing', 'case-study-manufacturing', 'implementation-plan'],
  'demo-room-hokusei': ['product-overview', 'pricing', 'case-study-manufacturing'],
  'demo-room-pacific': ['product-overview-en', 'case-study-logistics-en', 'pricing'],
  'demo-room-hayate': ['product-overview', 'case-study-manufacturing'],
};

const demoLinks: { roomId: string; contactId: string }[] = [
  { roomId: 'demo-room-sakura', contactId: 'demo-contact-yamada' },
  { roomId: 'demo-room-sakura', contactId: 'demo-contact-suzuki' },
  { roomId: 'demo-room-aozora', contactId: 'demo-contact-kobayashi' },
  { roomId: 'demo-room-northwind', contactId: 'demo-contact-smith' },
  { roomId: 'demo-room-toto', contactId: 'demo-contact-takahashi' },
  { roomId: 'demo-room-toto', contactId: 'demo-contact-nakamura' },
  { roomId: 'demo-room-minato', contactId: 'demo-contact-matsumoto' },
  { roomId: 'demo-room-hokusei', contactId: 'demo-contact-inoue' },
  { roomId: 'demo-room-pacific', contactId: 'demo-contact-chen' },
  { roomId: 'demo-room-hayate', contactId: 'demo-contact-kimura' },
];

export interface DemoLink {
  roomId: string;
  accountName: string;
  contactName: string;
  state: 'active' | 'revoked' | 'expired';
  path: string;
}

export interface DemoSeedResult {
  /** The prospect links, re-revealed on later runs, never duplicated. */
  links: DemoLink[];
  /** Opportunities whose reading history this run added (none once it is there). */
  historySeeded: string[];
}

/** Seeds the demo: everything missing is added, nothing present is changed or added twice. */
export async function seedDemo(
  db: RingiDb,
  key: SecretKey,
  catalog: DemoCatalog,
  now = new Date(),
  documentsByRoom: Readonly<Record<string, readonly string[]>> = demoRoomDocuments,
): Promise<DemoSeedResult> {
  const passwordHash = await hashPassword(demoAdmin.password);
  // Closed deals carry their close date in expectedCloseDate, in the past.
  const demoOpportunities = [
    { id: 'demo-opp-sakura', accountId: 'demo-account-sakura', name: '経費精算システム刷新（全社 800 名）', stage: 4, amountJpy: 9_600_000, expectedCloseDate: isoDate(now, 45), channel: 'event', ownerUserId: 'demo-user-sato', salesCycle: 'short' },
    { id: 'demo-opp-aozora', accountId: 'demo-account-aozora', name: '稟議ワークフロー導入（本社・物流センター）', stage: 3, amountJpy: 4_200_000, expectedCloseDate: isoDate(now, 90), channel: 'organic', ownerUserId: 'demo-user-tanaka', salesCycle: 'long' },
    { id: 'demo-opp-northwind', accountId: 'demo-account-northwind', name: 'Expense platform for Japan subsidiary', stage: 2, amountJpy: 2_400_000, expectedCloseDate: isoDate(now, 120), channel: 'referral', ownerUserId: 'demo-user-lee', salesCycle: 'short' },
    { id: 'demo-opp-toto', accountId: 'demo-account-toto', name: '経費精算・稟議の統合（グループ 3 社 1,500 名）', stage: 7, amountJpy: 14_400_000, expectedCloseDate: isoDate(now, -10), channel: 'ads', ownerUserId: 'demo-user-sato', salesCycle: 'long' },
    { id: 'demo-opp-minato', accountId: 'demo-account-minato', name: '経費精算クラウド導入（本社 300 名）', stage: 7, amountJpy: 3_600_000, expectedCloseDate: isoDate(now, -25), channel: 'email', ownerUserId: 'demo-user-tanaka', salesCycle: 'short' },
    { id: 'demo-opp-hokusei', accountId: 'demo-account-hokusei', name: '現場経費のモバイル精算（作業所 40 拠点）', stage: 8, amountJpy: 7_200_000, expectedCloseDate: isoDate(now, -7), channel: 'social', ownerUserId: 'demo-user-sato', salesCycle: 'short' },
    { id: 'demo-opp-pacific', accountId: 'demo-account-pacific', name: 'Expense management for Tokyo office', stage: 8, amountJpy: 1_800_000, expectedCloseDate: isoDate(now, -18), channel: 'partner', ownerUserId: 'demo-user-lee', salesCycle: 'short' },
    { id: 'demo-opp-hayate', accountId: 'demo-account-hayate', name: '電子帳簿保存法対応（経理部門）', stage: 1, amountJpy: 5_400_000, expectedCloseDate: isoDate(now, 150), channel: 'outbound', ownerUserId: 'demo-user-tanaka', salesCycle: 'long' },
  ] as const;
  const demoRooms = [
    { id: 'demo-room-sakura', opportunityId: 'demo-opp-sakura', locale: 'ja',
      message: '山田様\n\n先日はお打ち合わせのお時間をいただき、ありがとうございました。\n社内稟議にお使いいただける資料をまとめました。料金表とセキュリティチェックシートの回答もこちらからご確認いただけます。\n\nご不明点があれば、お気軽にご連絡ください。' },
    { id: 'demo-room-aozora', opportunityId: 'demo-opp-aozora', locale: 'ja',
      message: '小林様\n\n導入事例と導入スケジュールの資料をお送りします。ご検討の参考になれば幸いです。' },
    { id: 'demo-room-northwind', opportunityId: 'demo-opp-northwind', locale: 'en',
      message: 'Hi Jordan,\n\nThanks for your time last week. Here is the material for your internal approval, including our pricing and an ROI model you can adapt.' },
    { id: 'demo-room-toto', opportunityId: 'demo-opp-toto', locale: 'ja',
      message: '高橋様、中村様\n\nグループ 3 社での導入に向けた稟議資料一式です。セキュリティチェックシートの回答と ROI 試算もご用意しました。' },
    { id: 'demo-room-minato', opportunityId: 'demo-opp-minato', locale: 'ja',
      message: '松本様\n\n本社 300 名でのご利用を想定したお見積りと導入スケジュールです。' },
    { id: 'demo-room-hokusei', opportunityId: 'demo-opp-hokusei', locale: 'ja',
      message: '井上様\n\n展示会ではありがとうございました。作業所からのモバイル精算について資料をお送りします。' },
    { id: 'demo-room-pacific', opportunityId: 'demo-opp-pacific', locale: 'en',
      message: 'Hi Emily,\n\nAs introduced by our partner, here is an overview of Mirai Keihi and our pricing for your Tokyo office.' },
    { id: 'demo-room-hayate', opportunityId: 'demo-opp-hayate', locale: 'ja',
      message: '木村様\n\n電子帳簿保存法への対応について、製品概要と製造業の導入事例をお送りします。' },
  ] as const;

  await db.transaction(async (tx) => {
    await tx.insert(workspaceSettings).values({ key: 'organisationName', value: JSON.stringify(demoVendorName), updatedAt: now }).onConflictDoNothing();
    for (const user of demoUsers) await tx.insert(users).values({ ...user, passwordHash: user.role === 'admin' ? passwordHash : null }).onConflictDoNothing();
    for (const account of demoAccounts) await tx.insert(accounts).values(account).onConflictDoNothing();
    for (const contact of demoContacts) await tx.insert(contacts).values(contact).onConflictDoNothing();
    for (const opportunity of demoOpportunities) await tx.insert(opportunities).values(opportunity).onConflictDoNothing();
    for (const room of demoRooms) {
      const inserted = await tx.insert(rooms).values(room).onConflictDoNothing().returning({ id: rooms.id });
      if (inserted.length === 0) continue; // the rep may have curated it since: leave it alone
      const documents = (documentsByRoom[room.id] ?? []).filter((slug) => catalog.has(slug));
      for (const [position, documentSlug] of documents.entries()) await tx.insert(roomDocuments).values({ roomId: room.id, documentSlug, position });
      await rebuildRoomAggregates(tx, room.id);
    }
  });

  const links: DemoLink[] = [];
  const scopes = new Map<string, LinkScope>();
  for (const want of demoLinks) {
    const [existing] = await db
      .select()
      .from(accessLinks)
      .where(and(eq(accessLinks.roomId, want.roomId), eq(accessLinks.contactId, want.contactId), isNull(accessLinks.revokedAt))).limit(1);
    const created = existing ? null : await createAccessLink(db, key, { roomId: want.roomId, contactId: want.contactId, createdByUserId: 'demo-user-admin' });
    const token = existing ? revealAccessToken(key, existing) : created!.token;
    const contact = demoContacts.find((c) => c.id === want.contactId)!;
    const account = demoAccounts.find((a) => a.id === contact.accountId)!;
    const room = demoRooms.find((r) => r.id === want.roomId)!;
    scopes.set(want.contactId, { accessLinkId: existing?.id ?? created!.id, roomId: want.roomId, contactId: want.contactId, opportunityId: room.opportunityId, accountId: account.id });
    if (token) links.push({ roomId: want.roomId, accountName: account.name, contactName: contact.name, state: 'active', path: `/r/${token}` });
  }
  const historySeeded = await seedReadingHistory(db, key, catalog, scopes, now);
  return { links, historySeeded };
}

function isoDate(from: Date, plusDays: number): string {
  return new Date(from.getTime() + plusDays * day).toISOString().slice(0, 10);
}
