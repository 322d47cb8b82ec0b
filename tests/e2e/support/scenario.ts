// The fixed world the end-to-end tests run against. Plain data: the seed step inserts it, the tests
// read it to know what each page must show. Only the link tokens are random (see fixtures.json).

export const reps = {
  sato: {
    id: 'e2e-user-sato',
    email: 'sato@vendor.example',
    displayName: '佐藤 健太',
    jobTitle: 'フィールドセールス',
    phone: '03-1234-5678',
    locale: 'ja',
  },
  tanaka: {
    id: 'e2e-user-tanaka',
    email: 'tanaka@vendor.example',
    displayName: '田中 美咲',
    jobTitle: 'インサイドセールス',
    phone: '03-1234-5679',
    locale: 'ja',
  },
  lee: {
    id: 'e2e-user-lee',
    email: 'alex.lee@vendor.example',
    displayName: 'Alex Lee',
    jobTitle: 'Account Executive',
    phone: '+81-3-1234-5680',
    locale: 'en',
  },
} as const;

export const accountsById = {
  sakura: { id: 'e2e-account-sakura', name: '株式会社さくら製作所' },
  aozora: { id: 'e2e-account-aozora', name: '青空物流株式会社' },
  northwind: { id: 'e2e-account-northwind', name: 'Northwind Trading K.K.' },
} as const;

export const contactsById = {
  yamada: { id: 'e2e-contact-yamada', accountId: accountsById.sakura.id, name: '山田 太郎' },
  suzuki: { id: 'e2e-contact-suzuki', accountId: accountsById.sakura.id, name: '鈴木 一郎' },
  kobayashi: { id: 'e2e-contact-kobayashi', accountId: accountsById.aozora.id, name: '小林 恵' },
  smith: { id: 'e2e-contact-smith', accountId: accountsById.northwind.id, name: 'Jordan Smith' },
} as const;

/** A slug a room still lists although its Markdown file is gone: the room skips it, its URL is 404. */
export const REMOVED_SLUG = 'retired-whitepaper-2019';

export const rooms = {
  /** Japanese room; two case studies that are not adjacent, to show grouping keeps the rep's order. */
  ja: {
    id: 'e2e-room-sakura',
    opportunityId: 'e2e-opp-sakura',
    opportunityName: '経費精算システム刷新（全社 800 名）',
    account: accountsById.sakura,
    rep: reps.sato,
    locale: 'ja',
    message: '山田様\n\n先日はお打ち合わせのお時間をいただき、ありがとうございました。\n社内稟議にお使いいただける資料をまとめました。\n\nご不明点があれば、お気軽にご連絡ください。',
    documents: ['pricing', 'case-study-manufacturing', 'security-check-sheet', REMOVED_SLUG, 'case-study-logistics-en'],
  },
  /** English room, offering a Japanese document too (it is labelled "Japanese"). */
  en: {
    id: 'e2e-room-northwind',
    opportunityId: 'e2e-opp-northwind',
    opportunityName: 'Expense platform for Japan subsidiary',
    account: accountsById.northwind,
    rep: reps.lee,
    locale: 'en',
    message: 'Hi Jordan,\n\nThanks for your time last week. Here is the material for your internal approval.',
    documents: ['product-overview-en', 'pricing'],
  },
  /** A room whose own expiry has passed: every link into it answers 410. */
  expired: {
    id: 'e2e-room-aozora',
    opportunityId: 'e2e-opp-aozora',
    opportunityName: '稟議ワークフロー導入',
    account: accountsById.aozora,
    rep: reps.tanaka,
    locale: 'ja',
    message: '小林様\n\n導入事例をお送りします。',
    documents: ['case-study-manufacturing'],
  },
} as const;

/** Documents that must exist in content/ for the scenario (checked before any test runs). */
export const requiredDocuments = {
  'pricing': { attachments: ['pricing-2026.pdf'] },
  'security-check-sheet': { attachments: ['security-check-sheet.csv'] },
  'case-study-manufacturing': { attachments: [] },
  'case-study-logistics-en': { attachments: [] },
  'product-overview-en': { attachments: [] },
  /** In content/, but in none of the rooms above: must never be reachable through them. */
  'roi-model': { attachments: [] },
} as const satisfies Record<string, { attachments: readonly string[] }>;

/** The links the seed creates; each name becomes a token in fixtures.json. */
export const linkNames = ['jaActive', 'jaFutureExpiry', 'jaRevoked', 'jaExpired', 'expiredRoom', 'enActive', 'enRevoked'] as const;
export type LinkName = (typeof linkNames)[number];

export interface E2eFixtures {
  /** When the seed ran (ISO). */
  seededAt: string;
  baseURL: string;
  tokens: Record<LinkName, string>;
  /** The links of tracking.spec.ts (see `tracking`). */
  tracking?: TrackingFixtures;
}

/**
 * The world of tracking.spec.ts: its own account, rooms and one link per case, so the views, visits
 * and link events it reads back from the database are never touched by another spec.
 */
export const tracking = {
  rep: reps.tanaka,
  account: { id: 'e2e-account-hoshino', name: '星野精機株式会社' },
  contacts: {
    reader: { id: 'e2e-contact-hoshino-reader', name: '星野 彩' },
    leaver: { id: 'e2e-contact-hoshino-leaver', name: '高橋 直子' },
    retry: { id: 'e2e-contact-hoshino-retry', name: '井上 誠' },
    scanned: { id: 'e2e-contact-hoshino-scanned', name: '森 和也' },
    noScript: { id: 'e2e-contact-hoshino-noscript', name: '加藤 里美' },
    previewed: { id: 'e2e-contact-hoshino-previewed', name: '松本 大輔' },
    forgeOwner: { id: 'e2e-contact-hoshino-forge-owner', name: '清水 玲奈' },
    forgeOther: { id: 'e2e-contact-hoshino-forge-other', name: '石井 拓海' },
    idle: { id: 'e2e-contact-hoshino-idle', name: '山口 翼' },
    downloader: { id: 'e2e-contact-hoshino-downloader', name: '林 美咲' },
    printer: { id: 'e2e-contact-hoshino-printer', name: '小池 真央' },
    headless: { id: 'e2e-contact-hoshino-headless', name: '前田 陽介' },
    flood: { id: 'e2e-contact-hoshino-flood', name: '岡田 悠' },
  },
  rooms: {
    reading: {
      id: 'e2e-room-hoshino-reading',
      opportunityId: 'e2e-opp-hoshino-reading',
      opportunityName: '購買承認フロー電子化（閲覧計測）',
      documents: ['pricing', 'case-study-manufacturing'],
    },
    /** Separate opportunity, so the forged-beacon check can compare its totals before and after. */
    forge: {
      id: 'e2e-room-hoshino-forge',
      opportunityId: 'e2e-opp-hoshino-forge',
      opportunityName: '購買承認フロー電子化（改ざん検証）',
      documents: ['security-check-sheet'],
    },
  },
  links: {
    reader: { room: 'reading', contact: 'reader' },
    leaver: { room: 'reading', contact: 'leaver' },
    retry: { room: 'reading', contact: 'retry' },
    scanned: { room: 'reading', contact: 'scanned' },
    noScript: { room: 'reading', contact: 'noScript' },
    previewed: { room: 'reading', contact: 'previewed' },
    forgeOwner: { room: 'forge', contact: 'forgeOwner' },
    forgeOther: { room: 'forge', contact: 'forgeOther' },
    idle: { room: 'reading', contact: 'idle' },
    downloader: { room: 'reading', contact: 'downloader' },
    printer: { room: 'reading', contact: 'printer' },
    /** slack.spec.ts (its own server): a mail sandbox's headless browser, and a flood of view starts. */
    headless: { room: 'reading', contact: 'headless' },
    flood: { room: 'forge', contact: 'flood' },
  },
} as const;
export type TrackingLinkName = keyof typeof tracking.links;

/** fixtures.json `tracking`: the token and access_links.id of each tracking link. */
export type TrackingFixtures = Record<TrackingLinkName, { token: string; linkId: string }>;
