// A realistic demo: a Japanese SaaS vendor's reps, their accounts, opportunities and rooms.
// Idempotent: fixed ids and "insert or ignore", so re-running neither duplicates nor destroys.
import { and, eq, isNull } from 'drizzle-orm';
import { hashPassword } from '../auth/passwords';
import { accessLinks, accounts, contacts, opportunities, roomDocuments, rooms, users, workspaceSettings } from '../../../db/schema';
import { createAccessLink, revealAccessToken } from '../access-links/access-links';
import type { RingiDb } from '../db/client';
import type { SecretKey } from '../security/secret-box';

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
] as const;

const demoContacts = [
  { id: 'demo-contact-yamada', accountId: 'demo-account-sakura', name: '山田 太郎', email: 'yamada@sakura-mfg.example', department: '経理部', jobTitle: '部長' },
  { id: 'demo-contact-suzuki', accountId: 'demo-account-sakura', name: '鈴木 一郎', email: 'suzuki@sakura-mfg.example', department: '情報システム部', jobTitle: '課長' },
  { id: 'demo-contact-kobayashi', accountId: 'demo-account-aozora', name: '小林 恵', email: 'kobayashi@aozora-logi.example', department: '総務部', jobTitle: '主任' },
  { id: 'demo-contact-smith', accountId: 'demo-account-northwind', name: 'Jordan Smith', email: 'jordan.smith@northwind.example', department: 'Finance', jobTitle: 'CFO' },
] as const;

export interface DemoLink {
  accountName: string;
  contactName: string;
  state: 'active' | 'revoked' | 'expired';
  path: string;
}

/** Seeds the demo and returns the prospect links (re-revealed on later runs, never duplicated). */
export async function seedDemo(db: RingiDb, key: SecretKey, documentSlugs: DemoDocumentSlugs, now = new Date()): Promise<DemoLink[]> {
  const passwordHash = await hashPassword(demoAdmin.password);
  const demoOpportunities = [
    { id: 'demo-opp-sakura', accountId: 'demo-account-sakura', name: '経費精算システム刷新（全社 800 名）', stage: 4, amountJpy: 9_600_000, expectedCloseDate: isoDate(now, 45), channel: 'event', ownerUserId: 'demo-user-sato', salesCycle: 'short' },
    { id: 'demo-opp-aozora', accountId: 'demo-account-aozora', name: '稟議ワークフロー導入（本社・物流センター）', stage: 3, amountJpy: 4_200_000, expectedCloseDate: isoDate(now, 90), channel: 'organic', ownerUserId: 'demo-user-tanaka', salesCycle: 'long' },
    { id: 'demo-opp-northwind', accountId: 'demo-account-northwind', name: 'Expense platform for Japan subsidiary', stage: 2, amountJpy: 2_400_000, expectedCloseDate: isoDate(now, 120), channel: 'referral', ownerUserId: 'demo-user-lee', salesCycle: 'short' },
  ] as const;
  const demoRooms = [
    { id: 'demo-room-sakura', opportunityId: 'demo-opp-sakura', locale: 'ja', documents: documentSlugs.sakura,
      message: '山田様\n\n先日はお打ち合わせのお時間をいただき、ありがとうございました。\n社内稟議にお使いいただける資料をまとめました。料金表とセキュリティチェックシートの回答もこちらからご確認いただけます。\n\nご不明点があれば、お気軽にご連絡ください。' },
    { id: 'demo-room-aozora', opportunityId: 'demo-opp-aozora', locale: 'ja', documents: documentSlugs.aozora,
      message: '小林様\n\n導入事例と導入スケジュールの資料をお送りします。ご検討の参考になれば幸いです。' },
    { id: 'demo-room-northwind', opportunityId: 'demo-opp-northwind', locale: 'en', documents: documentSlugs.northwind,
      message: 'Hi Jordan,\n\nThanks for your time last week. Here is the material for your internal approval, including our pricing and an ROI model you can adapt.' },
  ] as const;

  db.transaction((tx) => {
    tx.insert(workspaceSettings).values({ key: 'organisationName', value: JSON.stringify(demoVendorName), updatedAt: now }).onConflictDoNothing().run();
    for (const user of demoUsers) tx.insert(users).values({ ...user, passwordHash: user.role === 'admin' ? passwordHash : null }).onConflictDoNothing().run();
    for (const account of demoAccounts) tx.insert(accounts).values(account).onConflictDoNothing().run();
    for (const contact of demoContacts) tx.insert(contacts).values(contact).onConflictDoNothing().run();
    for (const opportunity of demoOpportunities) tx.insert(opportunities).values(opportunity).onConflictDoNothing().run();
    for (const { documents, ...room } of demoRooms) {
      const inserted = tx.insert(rooms).values(room).onConflictDoNothing().run();
      if (inserted.changes === 0) continue; // the rep may have curated it since: leave it alone
      documents.forEach((documentSlug, position) => tx.insert(roomDocuments).values({ roomId: room.id, documentSlug, position }).run());
    }
  });

  const wanted: { roomId: string; contactId: string; state: DemoLink['state'] }[] = [
    { roomId: 'demo-room-sakura', contactId: 'demo-contact-yamada', state: 'active' },
    { roomId: 'demo-room-sakura', contactId: 'demo-contact-suzuki', state: 'active' },
    { roomId: 'demo-room-aozora', contactId: 'demo-contact-kobayashi', state: 'active' },
    { roomId: 'demo-room-northwind', contactId: 'demo-contact-smith', state: 'active' },
  ];
  const links: DemoLink[] = [];
  for (const want of wanted) {
    const existing = db
      .select()
      .from(accessLinks)
      .where(and(eq(accessLinks.roomId, want.roomId), eq(accessLinks.contactId, want.contactId), isNull(accessLinks.revokedAt)))
      .get();
    const token = existing ? revealAccessToken(key, existing) : createAccessLink(db, key, { roomId: want.roomId, contactId: want.contactId, createdByUserId: 'demo-user-admin' }).token;
    const contact = demoContacts.find((c) => c.id === want.contactId)!;
    const account = demoAccounts.find((a) => a.id === contact.accountId)!;
    if (token) links.push({ accountName: account.name, contactName: contact.name, state: want.state, path: `/r/${token}` });
  }
  return links;
}

export interface DemoDocumentSlugs {
  sakura: readonly string[];
  aozora: readonly string[];
  northwind: readonly string[];
}

function isoDate(from: Date, plusDays: number): string {
  return new Date(from.getTime() + plusDays * day).toISOString().slice(0, 10);
}
