// The one schema of Ringi. Migrations in db/migrations/ are generated from it by drizzle-kit
// (`npm run db:generate`) and applied by the app on start.
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

export const userRoles = ['admin', 'rep'] as const;
export const locales = ['ja', 'en'] as const;
export const channels = ['organic', 'referral', 'social', 'email', 'ads', 'event', 'partner', 'outbound'] as const;
export const salesCycles = ['short', 'long'] as const;
export const stageOutcomes = ['open', 'won', 'lost'] as const;

/** Reps and admins. Password and sessions arrive with sign-in; the rep's contact details show on rooms. */
export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  displayName: text('display_name').notNull(),
  role: text('role', { enum: userRoles }).notNull().default('rep'),
  locale: text('locale', { enum: locales }).notNull().default('ja'),
  passwordHash: text('password_hash'),
  jobTitle: text('job_title'),
  phone: text('phone'),
  slackUserId: text('slack_user_id'),
  deactivatedAt: integer('deactivated_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

/** A buying company (取引先). */
export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  industry: text('industry'),
  website: text('website'),
  archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

/** A person at an account (取引先責任者); each gets their own access link. */
export const contacts = sqliteTable(
  'contacts',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    email: text('email'),
    department: text('department'),
    jobTitle: text('job_title'),
    archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('contacts_account_idx').on(t.accountId)],
);

/** Numbered pipeline stages (フェーズ), Salesforce-style; labels are configurable per language. */
export const pipelineStages = sqliteTable('pipeline_stages', {
  number: integer('number').primaryKey(),
  labelJa: text('label_ja').notNull(),
  labelEn: text('label_en').notNull(),
  outcome: text('outcome', { enum: stageOutcomes }).notNull().default('open'),
});

/** A deal with an account (商談). Amounts are whole yen. */
export const opportunities = sqliteTable(
  'opportunities',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    stage: integer('stage')
      .notNull()
      .references(() => pipelineStages.number),
    amountJpy: integer('amount_jpy').notNull().default(0),
    expectedCloseDate: text('expected_close_date'), // YYYY-MM-DD, a calendar date with no time zone
    channel: text('channel', { enum: channels }).notNull(),
    ownerUserId: text('owner_user_id')
      .notNull()
      .references(() => users.id),
    salesCycle: text('sales_cycle', { enum: salesCycles }).notNull().default('short'),
    archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('opportunities_account_idx').on(t.accountId), index('opportunities_owner_idx').on(t.ownerUserId)],
);

/** The curated set of documents for one opportunity: what a prospect sees. */
export const rooms = sqliteTable('rooms', {
  id: text('id').primaryKey(),
  opportunityId: text('opportunity_id')
    .notNull()
    .unique()
    .references(() => opportunities.id),
  message: text('message').notNull().default(''),
  locale: text('locale', { enum: locales }).notNull().default('ja'),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

/** Which documents (content/ slugs) a room offers, in the rep's order. */
export const roomDocuments = sqliteTable(
  'room_documents',
  {
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    documentSlug: text('document_slug').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.documentSlug] })],
);

/**
 * A private, revocable, per-contact URL into a room. The token is `<id>.<secret>`; only a SHA-256
 * of the secret is used for checking, plus the secret sealed with the server key so a rep can copy
 * the link again (docs/adr/0002-access-link-tokens.md).
 */
export const accessLinks = sqliteTable(
  'access_links',
  {
    id: text('id').primaryKey(),
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id),
    secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
    sealedSecret: text('sealed_secret').notNull(),
    createdByUserId: text('created_by_user_id').references(() => users.id),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('access_links_room_idx').on(t.roomId), index('access_links_contact_idx').on(t.contactId)],
);

// Visits and views (view tracking) hang off access_links.id, contacts.id and rooms.id.
