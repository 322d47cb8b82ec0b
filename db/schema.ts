// The one schema of Ringi. Migrations in db/migrations/ are generated from it by drizzle-kit
// (`npm run db:generate`) and applied by the app on start.
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// The time comes from the application (`$defaultFn`), so inserts need no engine-specific SQL; the
// column default only serves rows written by hand.
const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`)
    .$defaultFn(() => new Date());

/** content: publishes documents and sees their performance, nothing about deals or contacts (issue 18). */
export const userRoles = ['admin', 'rep', 'content'] as const;
export const locales = ['ja', 'en'] as const;
export const channels = ['organic', 'referral', 'social', 'email', 'ads', 'event', 'partner', 'outbound'] as const;
export const salesCycles = ['short', 'long'] as const;
export const stageOutcomes = ['open', 'won', 'lost'] as const;
export const slackAlertModes = ['instant', 'digest', 'off'] as const;
/**
 * The functions that sign off a 稟議 (issue 19): champion, their manager, the decision maker (決裁者),
 * IT/security (情報システム), finance and purchasing (経理・購買), legal (法務), the people who will use it (現場).
 */
export const buyingRoles = ['champion', 'manager', 'decision-maker', 'it-security', 'finance-purchasing', 'legal', 'end-user', 'unknown'] as const;

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
  /** instant: an alert per visit; digest: one daily summary; off: nothing. */
  slackAlerts: text('slack_alerts', { enum: slackAlertModes }).notNull().default('instant'),
  deactivatedAt: integer('deactivated_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

/** A buying company (取引先). */
export const accounts = sqliteTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    industry: text('industry'),
    website: text('website'),
    /** The CRM's id of this record (e.g. a Salesforce Account Id), set through the API: unique, for lookups and upserts. */
    externalId: text('external_id'),
    archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('accounts_external_id_idx').on(t.externalId)],
);

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
    /** Which function this person signs off for in the buyer's approval: the approval map's rows. */
    buyingRole: text('buying_role', { enum: buyingRoles }).notNull().default('unknown'),
    /** The CRM's id of this person (e.g. a Salesforce Contact Id): unique, for lookups and upserts. */
    externalId: text('external_id'),
    archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('contacts_account_idx').on(t.accountId), uniqueIndex('contacts_external_id_idx').on(t.externalId)],
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
    /** The owner muted Slack alerts for this deal. */
    alertsMuted: integer('alerts_muted', { mode: 'boolean' }).notNull().default(false),
    /** The CRM's id of this deal (e.g. a Salesforce Opportunity Id): unique, for lookups and upserts. */
    externalId: text('external_id'),
    /**
     * Long-cycle deals (issue 19): who takes the deal over (field sales) when the buyer starts evaluating.
     * They get one Slack alert with the evidence; accepting makes them the owner and records the hand-off.
     */
    handOffOwnerUserId: text('hand_off_owner_user_id').references(() => users.id),
    handedOffAt: integer('handed_off_at', { mode: 'timestamp_ms' }),
    handedOffByUserId: text('handed_off_by_user_id').references(() => users.id),
    /** JSON: the evaluation evidence the hand-off was accepted on (src/server/approval/approval-rules.ts). */
    handOffReason: text('hand_off_reason'),
    archivedAt: integer('archived_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('opportunities_account_idx').on(t.accountId),
    index('opportunities_owner_idx').on(t.ownerUserId),
    uniqueIndex('opportunities_external_id_idx').on(t.externalId),
  ],
);

export const stageChangeReasons = ['created', 'manual', 'suggestion', 'api'] as const;

/**
 * Every stage an opportunity has been in (issue 19): its first stage ('created'), then each change with
 * who and why (a form, an accepted approval suggestion, the API). Written only by crm/stage-history.ts.
 */
export const opportunityStageChanges = sqliteTable(
  'opportunity_stage_changes',
  {
    id: text('id').primaryKey(),
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    /** Null for the first stage. */
    fromStage: integer('from_stage'),
    toStage: integer('to_stage').notNull(),
    /** When the deal entered fromStage: the reading done at that stage lies in [fromStageSince, changedAt). */
    fromStageSince: integer('from_stage_since', { mode: 'timestamp_ms' }),
    reason: text('reason', { enum: stageChangeReasons }).notNull(),
    changedByUserId: text('changed_by_user_id').references(() => users.id),
    /** For an accepted suggestion: which rule and evidence (approval_decisions.suggestion_key). */
    suggestionKey: text('suggestion_key'),
    changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('opportunity_stage_changes_opportunity_idx').on(t.opportunityId, t.changedAt)],
);

export const suggestionDecisions = ['accepted', 'dismissed'] as const;

/**
 * The rep's answers to inferred approval suggestions. Suggestions are computed when the opportunity is
 * read; only the decisions are stored, per rule and evidence, so a dismissed one stays dismissed until
 * the evidence changes.
 */
export const approvalSuggestionDecisions = sqliteTable(
  // Short: PostgreSQL cuts identifiers at 63 bytes, and the foreign keys' names start with it.
  'approval_decisions',
  {
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    suggestionKey: text('suggestion_key').notNull(),
    decision: text('decision', { enum: suggestionDecisions }).notNull(),
    decidedByUserId: text('decided_by_user_id').references(() => users.id),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.opportunityId, t.suggestionKey] })],
);

/** The curated set of documents for one opportunity: what a prospect sees. */
export const rooms = sqliteTable(
  'rooms',
  {
    id: text('id').primaryKey(),
    opportunityId: text('opportunity_id')
      .notNull()
      .unique()
      .references(() => opportunities.id),
    /** What the buyer sees as the room's heading; null: "<account> 様向け資料" in the room's language. Never the opportunity name. */
    title: text('title'),
    message: text('message').notNull().default(''),
    locale: text('locale', { enum: locales }).notNull().default('ja'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  // The dashboard's unopened list counts the deals whose room expired.
  (t) => [index('rooms_expires_idx').on(t.expiresAt)],
);

// --- Documents: published versions with their sanitised HTML, from the studio or from content/ (ADR 0018). ---

export const documentSources = ['git', 'studio'] as const;
export const documentVersionStatuses = ['draft', 'published', 'withdrawn'] as const;

/** A document (its slug is its URL) and the version prospects get now; null until one is published or after all are withdrawn. */
export const documents = sqliteTable('documents', {
  slug: text('slug').primaryKey(),
  currentVersionId: text('current_version_id'),
  createdAt: createdAt(),
});

/**
 * One version of a document: the Markdown as submitted and the HTML rendered (and sanitised) once,
 * when it was submitted. Published versions are never changed, only withdrawn.
 */
export const documentVersions = sqliteTable(
  'document_versions',
  {
    id: text('id').primaryKey(),
    documentSlug: text('document_slug')
      .notNull()
      .references(() => documents.slug),
    /** 1, 2, 3… in publishing order; null while a draft. */
    number: integer('number'),
    status: text('status', { enum: documentVersionStatuses }).notNull().default('draft'),
    source: text('source', { enum: documentSources }).notNull(),
    /** content/<slug>.md, or the uploaded file's name. */
    sourceName: text('source_name').notNull(),
    /** SHA-256 of the Markdown and the attachments: a sync publishes a file again only when it changed. */
    contentHash: text('content_hash').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    category: text('category').notNull(),
    language: text('language', { enum: locales }).notNull(),
    /** The frontmatter's `version` (e.g. "2.1"), as the authors name it. */
    versionLabel: text('version_label').notNull(),
    /** What changed, shown to readers of an older version. */
    note: text('note').notNull().default(''),
    updatedOn: integer('updated_on', { mode: 'timestamp_ms' }).notNull(),
    markdown: text('markdown').notNull(),
    html: text('html').notNull(),
    /** JSON: [{ depth, slug, text }]. */
    headings: text('headings').notNull(),
    readingMinutes: integer('reading_minutes').notNull(),
    /** JSON: [{ file, label }] in the frontmatter's order. */
    attachments: text('attachments').notNull(),
    createdByUserId: text('created_by_user_id').references(() => users.id),
    createdAt: createdAt(),
    publishedAt: integer('published_at', { mode: 'timestamp_ms' }),
    withdrawnAt: integer('withdrawn_at', { mode: 'timestamp_ms' }),
    withdrawnByUserId: text('withdrawn_by_user_id').references(() => users.id),
  },
  (t) => [uniqueIndex('document_versions_number_idx').on(t.documentSlug, t.number)],
);

/** Attachment bytes per version, checked by content when submitted. */
export const documentFiles = sqliteTable(
  'document_files',
  {
    versionId: text('version_id')
      .notNull()
      .references(() => documentVersions.id, { onDelete: 'cascade' }),
    file: text('file').notNull(),
    bytes: blob('bytes', { mode: 'buffer' }).notNull(),
    size: integer('size').notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.file] })],
);

/** Which documents (slugs) a room offers, in the rep's order. */
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
  (t) => [
    index('access_links_room_idx').on(t.roomId),
    index('access_links_contact_idx').on(t.contactId),
    // The dashboard's unopened list walks shares newest first, and counts those whose link expired.
    index('access_links_created_idx').on(t.createdAt),
    index('access_links_expires_idx').on(t.expiresAt),
  ],
);


// --- View tracking. Rows carry the opportunity and account too, so the read model needs no joins. ---

const trackedScope = () => ({
  accessLinkId: text('access_link_id')
    .notNull()
    .references(() => accessLinks.id),
  roomId: text('room_id').notNull(),
  contactId: text('contact_id').notNull(),
  opportunityId: text('opportunity_id').notNull(),
  accountId: text('account_id').notNull(),
});

/** One continuous session of one browser on one link: activity with gaps under 30 minutes. */
export const visits = sqliteTable(
  'visits',
  {
    id: text('id').primaryKey(),
    ...trackedScope(),
    /** Random id kept in a first-party cookie: tells forwarded links (new readers) apart. */
    deviceId: text('device_id').notNull(),
    /** First visit of a browser on a link that other browsers opened before: possibly a new reader. */
    newDevice: integer('new_device', { mode: 'boolean' }).notNull().default(false),
    deviceLabel: text('device_label').notNull().default(''),
    /** HMAC of the truncated IP (/24 or /48) under the server key: never the raw address. */
    networkHash: text('network_hash'),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    lastActivityAt: integer('last_activity_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('visits_link_device_idx').on(t.accessLinkId, t.deviceId, t.lastActivityAt),
    index('visits_opportunity_idx').on(t.opportunityId, t.startedAt),
    index('visits_started_idx').on(t.startedAt),
    // The dashboard's recent-visits feed: newest activity first, within a time window.
    index('visits_last_activity_idx').on(t.lastActivityAt),
  ],
);

/** A contact reading one document within a visit, confirmed by the page's script. */
export const documentViews = sqliteTable(
  'document_views',
  {
    /** Server-issued, 128-bit random: a beacon must present it together with its link's token. */
    id: text('id').primaryKey(),
    visitId: text('visit_id')
      .notNull()
      .references(() => visits.id, { onDelete: 'cascade' }),
    ...trackedScope(),
    documentSlug: text('document_slug').notNull(),
    /** The version read (null for views recorded before versions existed). */
    documentVersionId: text('document_version_id'),
    /** The document's category when the view started (e.g. pricing): alert rules need it on the fast path. */
    documentCategory: text('document_category'),
    /** The title as the reader saw it, for alerts written outside the content layer. */
    documentTitle: text('document_title'),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    lastBeaconAt: integer('last_beacon_at', { mode: 'timestamp_ms' }).notNull(),
    activeSeconds: integer('active_seconds').notNull().default(0),
    maxScrollPercent: integer('max_scroll_percent').notNull().default(0),
    /** JSON object: heading id → active seconds while that section was on screen. */
    sectionSeconds: text('section_seconds').notNull().default('{}'),
    /** Highest beacon sequence applied: replays and reordered beacons change nothing. */
    lastSequence: integer('last_sequence').notNull().default(0),
  },
  (t) => [
    index('document_views_opportunity_idx').on(t.opportunityId, t.startedAt),
    index('document_views_visit_idx').on(t.visitId),
    index('document_views_started_idx').on(t.startedAt),
    // The dashboard's "reading now" feed: views with a beacon in the last few minutes.
    index('document_views_last_beacon_idx').on(t.lastBeaconAt),
    // "Updated since you last read": a contact's latest view of each document.
    index('document_views_contact_idx').on(t.contactId, t.documentSlug, t.startedAt),
  ],
);

export const linkEventKinds = ['download', 'print', 'automated_open', 'unconfirmed_download'] as const;

/**
 * Things that happen on a link besides reading: downloads, prints, opens by scanners or previews, and
 * unconfirmed downloads (a browser that never showed a person on the link; never counted).
 */
export const linkEvents = sqliteTable(
  'link_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ...trackedScope(),
    kind: text('kind', { enum: linkEventKinds }).notNull(),
    visitId: text('visit_id'),
    viewId: text('view_id'),
    documentSlug: text('document_slug'),
    /** Attachment file name, or for automated opens the agent's label (e.g. "Microsoft Safe Links"). */
    detail: text('detail'),
    occurredAt: integer('occurred_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('link_events_opportunity_idx').on(t.opportunityId, t.occurredAt), index('link_events_occurred_idx').on(t.occurredAt)],
);

/**
 * A browser on a link other than the link's first (issue 19): a possible reader (the same person on
 * another device, or a forwarded link) until the rep says who it is, or a reader of its own when its
 * reading clearly differs (src/server/tracking/readers.ts). Naming it moves its history to that contact.
 */
export const linkBrowsers = sqliteTable(
  'link_browsers',
  {
    accessLinkId: text('access_link_id')
      .notNull()
      .references(() => accessLinks.id),
    deviceId: text('device_id').notNull(),
    opportunityId: text('opportunity_id').notNull(),
    /** Who the rep said this browser is (maybe the link's own contact); null while unnamed. */
    contactId: text('contact_id').references(() => contacts.id),
    /** Its reading clearly differs from the link's contact: counted as a reader, not a possible one. */
    distinctReader: integer('distinct_reader', { mode: 'boolean' }).notNull().default(false),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }).notNull(),
    namedByUserId: text('named_by_user_id').references(() => users.id),
    namedAt: integer('named_at', { mode: 'timestamp_ms' }),
  },
  (t) => [primaryKey({ columns: [t.accessLinkId, t.deviceId] }), index('link_browsers_opportunity_idx').on(t.opportunityId)],
);

/**
 * Running totals per opportunity, contact and document, updated with every beacon. They survive the
 * retention purge of raw visits and views, and keep the dashboards fast at millions of views.
 */
export const readingTotals = sqliteTable(
  'reading_totals',
  {
    opportunityId: text('opportunity_id').notNull(),
    accountId: text('account_id').notNull(),
    contactId: text('contact_id').notNull(),
    documentSlug: text('document_slug').notNull(),
    views: integer('views').notNull().default(0),
    activeSeconds: integer('active_seconds').notNull().default(0),
    maxScrollPercent: integer('max_scroll_percent').notNull().default(0),
    completedViews: integer('completed_views').notNull().default(0),
    downloads: integer('downloads').notNull().default(0),
    prints: integer('prints').notNull().default(0),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }).notNull(),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.opportunityId, t.contactId, t.documentSlug] }),
    index('reading_totals_account_idx').on(t.accountId),
    index('reading_totals_last_seen_idx').on(t.lastSeenAt),
    // Dashboard document performance: per opportunity and document, read from the index alone.
    index('reading_totals_document_idx').on(t.opportunityId, t.documentSlug, t.views, t.activeSeconds, t.completedViews),
  ],
);

/**
 * Per-opportunity roll-up of visits and readers (visits are not per document), and the engagement
 * score's inputs with the opportunity's filter columns, maintained with every beacon and every change
 * of the opportunity, its room or its links (docs/adr/0020-incrementally-maintained-aggregates.md).
 */
export const opportunityEngagement = sqliteTable(
  'opportunity_engagement',
  {
    opportunityId: text('opportunity_id').primaryKey(),
    accountId: text('account_id').notNull(),
    visits: integer('visits').notNull().default(0),
    devices: integer('devices').notNull().default(0),
    newDevices: integer('new_devices').notNull().default(0),
    automatedOpens: integer('automated_opens').notNull().default(0),
    activeSeconds: integer('active_seconds').notNull().default(0),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }),
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }),
    // Copies of the opportunity, so the dashboard's filters need no join (ADR 0020).
    stage: integer('stage'),
    channel: text('channel', { enum: channels }),
    ownerUserId: text('owner_user_id'),
    archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
    // The engagement score's inputs (src/server/tracking/engagement-score.ts).
    contactsReading: integer('contacts_reading').notNull().default(0),
    // Unnamed other browsers on its links (link_browsers, tracking/readers.ts): readers of their own, possible readers.
    browserReaders: integer('browser_readers').notNull().default(0),
    possibleReaders: integer('possible_readers').notNull().default(0),
    documentsRead: integer('documents_read').notNull().default(0),
    keyDocumentsRead: integer('key_documents_read').notNull().default(0),
    documentsInRoom: integer('documents_in_room').notNull().default(0),
    completedViews: integer('completed_views').notNull().default(0),
    downloads: integer('downloads').notNull().default(0),
    prints: integer('prints').notNull().default(0),
    /** The score before the recency decay (0-100). */
    scoreBase: integer('score_base').notNull().default(0),
    /** last_seen_at + one half-life × log2(score_base), in ms; null when the score is 0. Orders by score at any moment. */
    hotKey: real('hot_key'),
    /** The oldest share (a link not revoked) after the last reading: the unopened list's candidates. */
    unreadShareAt: integer('unread_share_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('opportunity_engagement_account_idx').on(t.accountId),
    index('opportunity_engagement_last_seen_idx').on(t.lastSeenAt),
    index('opportunity_engagement_hot_idx').on(t.hotKey),
    index('opportunity_engagement_channel_hot_idx').on(t.channel, t.hotKey),
    index('opportunity_engagement_stage_hot_idx').on(t.stage, t.hotKey),
    index('opportunity_engagement_owner_hot_idx').on(t.ownerUserId, t.hotKey),
    // Covers the unopened list's count: the filters it applies come with the share date.
    index('opportunity_engagement_unread_share_idx').on(t.unreadShareAt, t.archived, t.stage, t.channel, t.ownerUserId),
  ],
);

/** Per opportunity and document it was given (its room offers it, or it was read): what it adds to document_performance. */
export const opportunityDocuments = sqliteTable(
  'opportunity_documents',
  {
    opportunityId: text('opportunity_id').notNull(),
    documentSlug: text('document_slug').notNull(),
    views: integer('views').notNull().default(0),
    activeSeconds: integer('active_seconds').notNull().default(0),
    completedViews: integer('completed_views').notNull().default(0),
    /** The room offers it now. */
    offered: integer('offered', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.opportunityId, t.documentSlug] })],
);

/** The dashboard's document table, summed per document and the dashboard's filters (won / lost come from the stage). */
export const documentPerformance = sqliteTable(
  'document_performance',
  {
    documentSlug: text('document_slug').notNull(),
    stage: integer('stage').notNull(),
    channel: text('channel', { enum: channels }).notNull(),
    ownerUserId: text('owner_user_id').notNull(),
    views: integer('views').notNull().default(0),
    activeSeconds: integer('active_seconds').notNull().default(0),
    completedViews: integer('completed_views').notNull().default(0),
    /** Opportunities given the document. */
    rooms: integer('rooms').notNull().default(0),
    /** Of those, the ones that read it (isDocumentRead over all their views). */
    roomsRead: integer('rooms_read').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.documentSlug, t.stage, t.channel, t.ownerUserId] })],
);

// --- Sign-in (Lucia's reference design: id.secret tokens, only a SHA-256 of the secret stored). ---

export const authSessions = sqliteTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
    lastVerifiedAt: integer('last_verified_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

/** Failed sign-ins per key (account × network, network, account, account × known device), for throttling. */
export const signInThrottle = sqliteTable('sign_in_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStartedAt: integer('window_started_at', { mode: 'timestamp_ms' }).notNull(),
  /** The next attempt waits a delay counted from here (src/server/auth/throttle.ts). */
  lastFailureAt: integer('last_failure_at', { mode: 'timestamp_ms' }).notNull().default(sql`0`),
});

// --- Workspace settings: one row per key, the value JSON validated by src/server/settings. ---

export const workspaceSettings = sqliteTable('workspace_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedByUserId: text('updated_by_user_id').references(() => users.id),
});

// --- Slack alerts: a transactional outbox, sent by a worker in the server process. ---

export const slackAlertKinds = ['visit', 'return', 'hot', 'digest', 'handoff'] as const;
export const outboxStatuses = ['pending', 'sending', 'sent', 'failed', 'skipped'] as const;

export const slackOutbox = sqliteTable(
  'slack_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** One alert per cause (e.g. `visit:<visitId>`): enqueueing twice is a no-op, sending is tracked per row. */
    idempotencyKey: text('idempotency_key').notNull().unique(),
    kind: text('kind', { enum: slackAlertKinds }).notNull(),
    opportunityId: text('opportunity_id'),
    visitId: text('visit_id'),
    /** The rep the alert is for (owner of the opportunity, or the digest's reader). */
    recipientUserId: text('recipient_user_id').references(() => users.id),
    /** JSON detail of why (hot alerts: which threshold). */
    detail: text('detail'),
    status: text('status', { enum: outboxStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Not before: the coalescing delay, or the next retry. */
    dueAt: integer('due_at', { mode: 'timestamp_ms' }).notNull(),
    /** While a worker holds the row; a crashed worker's lease runs out and the row is retried. */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    /** When the current run of transient failures began: retries go on for a day from then (ADR 0008). */
    firstFailedAt: integer('first_failed_at', { mode: 'timestamp_ms' }),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('slack_outbox_due_idx').on(t.status, t.dueAt)],
);

// --- Background jobs that several server instances on one database must run once per interval. ---

/** One row per job (e.g. the daily retention purge): whoever moves `nextRunAt` on runs it (src/server/db/job-leases.ts). */
export const jobLeases = sqliteTable('job_leases', {
  name: text('name').primaryKey(),
  /** No instance starts the job again before this time. */
  nextRunAt: integer('next_run_at', { mode: 'timestamp_ms' }).notNull(),
  /** The last claim, and which instance made it (host and process), for operators. */
  claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }),
  claimedBy: text('claimed_by'),
});
// --- The REST API (/api/v1) and outgoing webhooks (docs/adr/0017-api-tokens-and-webhooks.md). ---

export const apiTokenScopes = ['read', 'write'] as const;

/** Workspace API tokens: `<id>.<secret>` like access links, only a SHA-256 of the secret stored. */
export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  secretHash: blob('secret_hash', { mode: 'buffer' }).notNull(),
  scope: text('scope', { enum: apiTokenScopes }).notNull().default('read'),
  /** The admin who created it: the token acts as them, and stops working when they are deactivated or no longer admin. */
  createdByUserId: text('created_by_user_id')
    .notNull()
    .references(() => users.id),
  lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

/** POST answers kept for 24 hours per token and Idempotency-Key, so a CRM's retry gets the same answer. */
export const apiIdempotency = sqliteTable(
  'api_idempotency',
  {
    tokenId: text('token_id')
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** SHA-256 (hex) of method, path and body: the same key with another request is refused. */
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index('api_idempotency_created_idx').on(t.createdAt)],
);

export const webhookEventTypes = ['visit.started', 'document.read', 'link.new_reader', 'opportunity.hot', 'download.confirmed'] as const;

/** Where outgoing webhooks go. The signing secret is sealed with the server key (never stored in clear). */
export const webhookEndpoints = sqliteTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /** JSON array of event types (webhookEventTypes). */
  events: text('events').notNull(),
  sealedSecret: text('sealed_secret').notNull(),
  createdByUserId: text('created_by_user_id').references(() => users.id),
  disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
  createdAt: createdAt(),
});

/**
 * The webhook outbox: one row per event and endpoint, unique on (endpoint, event key), so an event is
 * queued once per endpoint however often the dispatcher sees it, and sent by the worker with a lease.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** The cause, e.g. `visit.started:<visitId>`. */
    eventKey: text('event_key').notNull(),
    /** The Standard Webhooks `webhook-id`: the same on every attempt, so receivers can deduplicate. */
    messageId: text('message_id').notNull().unique(),
    eventType: text('event_type', { enum: webhookEventTypes }).notNull(),
    /** The JSON body, fixed when queued: every attempt signs and sends the same bytes. */
    payload: text('payload').notNull(),
    status: text('status', { enum: outboxStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    dueAt: integer('due_at', { mode: 'timestamp_ms' }).notNull(),
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    lastStatus: integer('last_status'),
    firstFailedAt: integer('first_failed_at', { mode: 'timestamp_ms' }),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('webhook_deliveries_event_idx').on(t.endpointId, t.eventKey), index('webhook_deliveries_due_idx').on(t.status, t.dueAt)],
);
