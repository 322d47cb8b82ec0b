// Opportunities (商談): every rep sees all of them; reps edit only their own, admins all.
import crypto from 'node:crypto';
import { and, asc, count, desc, eq, gte, isNotNull, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { SelectedFields } from 'drizzle-orm/sqlite-core';
import {
  accessLinks,
  accounts,
  channels,
  opportunities,
  opportunityEngagement,
  pipelineStages,
  rooms,
  salesCycles,
  users,
} from '../db/tables';
import { canAssignOwner, canEditOpportunity } from '../auth/permissions';
import type { Queryable, RingiDb } from '../db/client';
import { rebuildOpportunityAggregates } from '../tracking/aggregates';
import {
  amountJpy,
  archiveFilters,
  fieldErrorsOf,
  forbidden,
  formEnum,
  formInteger,
  invalid,
  like,
  notFound,
  ok,
  oneOf,
  optionalDate,
  pageOf,
  requiredText,
  searchText,
  type Actor,
  type ArchiveFilter,
  type CrmResult,
  type FieldErrors,
  type Paged,
} from './common';
import { recordStageChange, type StageChangeReason } from './stage-history';
import { stageExists } from './stages';

export type Opportunity = typeof opportunities.$inferSelect;
export type Channel = (typeof channels)[number];
export type SalesCycle = (typeof salesCycles)[number];
export { channels, salesCycles };

const id = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string({ required_error: 'required', invalid_type_error: 'invalid' }).max(100, 'invalid'));

export const opportunityInput = z.object({
  name: requiredText(200),
  accountId: id,
  stage: formInteger('unknownStage'),
  amountJpy,
  expectedCloseDate: optionalDate,
  channel: formEnum(channels),
  /** Missing means the acting user (on create) or the current owner (on edit). */
  ownerUserId: id.optional(),
  salesCycle: formEnum(salesCycles),
  /** Long-cycle deals: who takes over when the buyer starts evaluating. Missing keeps it; blank clears it. */
  handOffOwnerUserId: z.preprocess((v) => (v === '' ? null : v), z.string({ invalid_type_error: 'invalid' }).max(100, 'invalid').nullable().optional()),
});
export type OpportunityField = keyof z.input<typeof opportunityInput>;
export type OpportunityInput = z.input<typeof opportunityInput>;

// --- Reading ---

/** Reading activity, from opportunity_engagement (last_seen_at) and the opportunity's room and links. */
export const activityFilters = ['read_7d', 'read_30d', 'quiet_30d', 'shared_unopened', 'room_unshared', 'no_room'] as const;
export type ActivityFilter = (typeof activityFilters)[number];

export const opportunitySorts = ['activity', 'close', 'amount', 'stage', 'name', 'created'] as const;
export type OpportunitySort = (typeof opportunitySorts)[number];

export interface OpportunityListQuery {
  q?: string;
  ownerUserId?: string;
  accountId?: string;
  stage?: number;
  channel?: Channel;
  activity?: ActivityFilter;
  status?: ArchiveFilter;
  sort?: OpportunitySort;
  limit?: number;
  offset?: number;
}

export interface OpportunityListRow {
  id: string;
  name: string;
  accountId: string;
  accountName: string;
  stage: number;
  stageLabelJa: string;
  stageLabelEn: string;
  stageOutcome: 'open' | 'won' | 'lost';
  amountJpy: number;
  expectedCloseDate: string | null;
  channel: Channel;
  salesCycle: SalesCycle;
  ownerUserId: string;
  ownerName: string;
  archivedAt: Date | null;
  createdAt: Date;
  /** Last reading by a contact (automated opens by scanners do not count). */
  lastSeenAt: Date | null;
  hasRoom: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function activityCondition(activity: ActivityFilter, now: Date): SQL {
  const lastSeen = opportunityEngagement.lastSeenAt;
  const hasLink = sql`exists (select 1 from ${accessLinks} where ${accessLinks.roomId} = ${rooms.id})`;
  switch (activity) {
    case 'read_7d':
      return gte(lastSeen, new Date(now.getTime() - 7 * DAY_MS));
    case 'read_30d':
      return gte(lastSeen, new Date(now.getTime() - 30 * DAY_MS));
    case 'quiet_30d':
      return lt(lastSeen, new Date(now.getTime() - 30 * DAY_MS));
    case 'shared_unopened':
      return and(isNotNull(rooms.id), hasLink, isNull(lastSeen))!;
    case 'room_unshared':
      return and(isNotNull(rooms.id), sql`not ${hasLink}`)!;
    case 'no_room':
      return isNull(rooms.id);
  }
}

function listConditions(query: OpportunityListQuery, now: Date): SQL | undefined {
  const q = searchText(query.q);
  const status = query.status ?? 'active';
  return and(
    status === 'active' ? isNull(opportunities.archivedAt) : status === 'archived' ? isNotNull(opportunities.archivedAt) : undefined,
    q ? or(like(opportunities.name, q), like(accounts.name, q)) : undefined,
    query.ownerUserId ? eq(opportunities.ownerUserId, query.ownerUserId) : undefined,
    query.accountId ? eq(opportunities.accountId, query.accountId) : undefined,
    query.stage !== undefined ? eq(opportunities.stage, query.stage) : undefined,
    query.channel ? eq(opportunities.channel, query.channel) : undefined,
    query.activity ? activityCondition(query.activity, now) : undefined,
  );
}

function orderOf(sort: OpportunitySort): SQL[] {
  const tieBreak = [desc(opportunities.createdAt), asc(opportunities.id)];
  switch (sort) {
    case 'close':
      return [sql`${opportunities.expectedCloseDate} asc nulls last`, ...tieBreak];
    case 'amount':
      return [desc(opportunities.amountJpy), ...tieBreak];
    case 'stage':
      return [asc(opportunities.stage), ...tieBreak];
    case 'name':
      return [asc(opportunities.name), asc(opportunities.id)];
    case 'created':
      return tieBreak;
    case 'activity':
      return [sql`${opportunityEngagement.lastSeenAt} desc nulls last`, ...tieBreak];
  }
}

/**
 * The join of opportunities with their account, owner and stage (every opportunity has all three):
 * `columns` may name any of these tables; callers join on what else they show.
 */
export function selectOpportunities<C extends SelectedFields>(db: Queryable, columns: C) {
  return db
    .select(columns as C & SelectedFields) // the intersection lets drizzle see a selection, so the joins type-check
    .from(opportunities)
    .innerJoin(accounts, eq(accounts.id, opportunities.accountId))
    .innerJoin(users, eq(users.id, opportunities.ownerUserId))
    .innerJoin(pipelineStages, eq(pipelineStages.number, opportunities.stage));
}

/** Opportunities matching a search and filters, a page of them and how many match in all. */
export async function listOpportunities(db: Queryable, query: OpportunityListQuery = {}, now = new Date()): Promise<Paged<OpportunityListRow>> {
  const { limit, offset } = pageOf(query);
  const where = listConditions(query, now);
  // Rows and count from one query shape, so the count always counts what the pages list.
  const matching = <C extends SelectedFields>(columns: C) =>
    selectOpportunities(db, columns)
      .leftJoin(opportunityEngagement, eq(opportunityEngagement.opportunityId, opportunities.id))
      .leftJoin(rooms, eq(rooms.opportunityId, opportunities.id))
      .where(where);
  const rows = await matching({
    id: opportunities.id,
    name: opportunities.name,
    accountId: opportunities.accountId,
    accountName: accounts.name,
    stage: opportunities.stage,
    stageLabelJa: pipelineStages.labelJa,
    stageLabelEn: pipelineStages.labelEn,
    stageOutcome: pipelineStages.outcome,
    amountJpy: opportunities.amountJpy,
    expectedCloseDate: opportunities.expectedCloseDate,
    channel: opportunities.channel,
    salesCycle: opportunities.salesCycle,
    ownerUserId: opportunities.ownerUserId,
    ownerName: users.displayName,
    archivedAt: opportunities.archivedAt,
    createdAt: opportunities.createdAt,
    lastSeenAt: opportunityEngagement.lastSeenAt,
    roomId: rooms.id,
  })
    .orderBy(...orderOf(query.sort ?? 'activity'))
    .limit(limit)
    .offset(offset);
  const total = (await matching({ n: count() }).limit(1))[0]?.n ?? 0;
  return {
    rows: rows.map(({ roomId, ...row }) => ({ ...row, hasRoom: roomId !== null })),
    total,
    limit,
    offset,
  };
}

/**
 * A list query from a page's query string (?q=&owner=&stage=&channel=&activity=&status=&sort=&page=).
 * Junk values are ignored rather than refused: a filter link should never error. owner=me is the actor.
 */
export function opportunityListQueryFromParams(params: URLSearchParams, actor: Actor, pageSize: number): OpportunityListQuery & { page: number } {
  const owner = params.get('owner') ?? '';
  const stageParam = params.get('stage') ?? '';
  const pageParam = params.get('page') ?? '';
  const page = /^\d{1,6}$/.test(pageParam) && Number(pageParam) >= 1 ? Number(pageParam) : 1;
  const channel = params.get('channel');
  const activity = params.get('activity');
  return {
    q: searchText(params.get('q') ?? ''),
    ownerUserId: owner === 'me' ? actor.id : owner.length > 0 && owner.length <= 100 ? owner : undefined,
    stage: /^\d{1,6}$/.test(stageParam) ? Number(stageParam) : undefined,
    channel: channel && (channels as readonly string[]).includes(channel) ? (channel as Channel) : undefined,
    activity: activity && (activityFilters as readonly string[]).includes(activity) ? (activity as ActivityFilter) : undefined,
    status: oneOf(archiveFilters, params.get('status'), 'active'),
    sort: oneOf(opportunitySorts, params.get('sort'), 'activity'),
    limit: pageSize,
    offset: (page - 1) * pageSize,
    page,
  };
}

export interface OpportunityDetail extends Opportunity {
  accountName: string;
  accountArchivedAt: Date | null;
  ownerName: string;
  ownerEmail: string;
  stageLabelJa: string;
  stageLabelEn: string;
  stageOutcome: 'open' | 'won' | 'lost';
}

export async function getOpportunity(db: Queryable, opportunityId: string): Promise<OpportunityDetail | null> {
  const [row] = await selectOpportunities(db, {
    opportunity: opportunities,
    accountName: accounts.name,
    accountArchivedAt: accounts.archivedAt,
    ownerName: users.displayName,
    ownerEmail: users.email,
    stageLabelJa: pipelineStages.labelJa,
    stageLabelEn: pipelineStages.labelEn,
    stageOutcome: pipelineStages.outcome,
  })
    .where(eq(opportunities.id, opportunityId)).limit(1);
  if (!row) return null;
  const { opportunity, ...rest } = row;
  return { ...opportunity, ...rest };
}

/** Users who may own a deal: active reps and admins (not content editors), by name. */
export async function ownerChoices(db: Queryable): Promise<{ id: string; displayName: string; role: 'admin' | 'rep' | 'content' }[]> {
  return await db
    .select({ id: users.id, displayName: users.displayName, role: users.role })
    .from(users)
    .where(and(isNull(users.deactivatedAt), ne(users.role, 'content')))
    .orderBy(asc(users.displayName), asc(users.id));
}

// --- Writing ---

type Parsed = z.output<typeof opportunityInput>;
type References = { stage?: number; accountId?: string; ownerUserId?: string; handOffOwnerUserId?: string | null };

/** Active reps and admins: who may own a deal or take one over. */
async function isPossibleOwner(db: Queryable, userId: string): Promise<boolean> {
  return (await db.select({ id: users.id }).from(users).where(and(eq(users.id, userId), isNull(users.deactivatedAt), ne(users.role, 'content'))).limit(1))[0] !== undefined;
}

/** Checks against the database, on top of the schema: stage, account and owner must exist and fit. */
async function referenceErrors(db: Queryable, actor: Actor, data: References, existing: Opportunity | null): Promise<FieldErrors<OpportunityField>> {
  const errors: FieldErrors<OpportunityField> = {};
  if (data.stage !== undefined && !(await stageExists(db, data.stage))) errors.stage = 'unknownStage';

  if (data.accountId !== undefined && (!existing || existing.accountId !== data.accountId)) {
    const [account] = await db.select({ archivedAt: accounts.archivedAt }).from(accounts).where(eq(accounts.id, data.accountId)).limit(1);
    if (!account) errors.accountId = 'unknownAccount';
    else if (account.archivedAt) errors.accountId = 'accountArchived';
  }

  const owner = data.ownerUserId;
  if (owner !== undefined && owner !== (existing?.ownerUserId ?? actor.id)) {
    // Reps keep what they create and cannot hand deals over: that would lock themselves out.
    if (!canAssignOwner(actor)) errors.ownerUserId = 'ownerNotAllowed';
    else if (!(await isPossibleOwner(db, owner))) errors.ownerUserId = 'unknownOwner';
  }
  const handOff = data.handOffOwnerUserId;
  if (handOff && handOff !== existing?.handOffOwnerUserId && !(await isPossibleOwner(db, handOff))) errors.handOffOwnerUserId = 'unknownOwner';
  return errors;
}

async function validate(db: Queryable, actor: Actor, input: unknown, existing: Opportunity | null): Promise<{ data: Parsed } | { errors: FieldErrors<OpportunityField> }> {
  const parsed = opportunityInput.safeParse(input);
  if (parsed.success) {
    const errors = await referenceErrors(db, actor, parsed.data, existing);
    return Object.keys(errors).length ? { errors } : { data: parsed.data };
  }
  // Check the references that did parse too, so the rep sees every problem at once.
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const shape = opportunityInput.shape;
  const stage = shape.stage.safeParse(raw.stage);
  const accountId = shape.accountId.safeParse(raw.accountId);
  const ownerUserId = shape.ownerUserId.safeParse(raw.ownerUserId);
  const handOffOwnerUserId = shape.handOffOwnerUserId.safeParse(raw.handOffOwnerUserId);
  const references = await referenceErrors(
    db,
    actor,
    {
      stage: stage.success ? stage.data : undefined,
      accountId: accountId.success ? accountId.data : undefined,
      ownerUserId: ownerUserId.success ? ownerUserId.data : undefined,
      handOffOwnerUserId: handOffOwnerUserId.success ? handOffOwnerUserId.data : undefined,
    },
    existing,
  );
  return { errors: { ...references, ...fieldErrorsOf<OpportunityField>(parsed.error) } };
}

/** `external`: the CRM's id, set through the API (src/server/api/crm-sync.ts), never by the forms. */
export async function createOpportunity(db: RingiDb, actor: Actor, input: unknown, external: { externalId?: string | null } = {}): Promise<CrmResult<Opportunity, OpportunityField>> {
  const result = await validate(db, actor, input, null);
  if ('errors' in result) return invalid(result.errors);
  const { ownerUserId, ...data } = result.data;
  return await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(opportunities)
      .values({ id: crypto.randomUUID(), ...data, ownerUserId: ownerUserId ?? actor.id, ...external })
      .returning();
    await recordStageChange(tx, { opportunityId: row!.id, fromStage: null, toStage: row!.stage, reason: 'created', byUserId: actor.id, at: row!.createdAt });
    await rebuildOpportunityAggregates(tx, row!.id);
    return ok(row!);
  });
}

/** Why a stage changed, for the stage history: a rep's edit, a CRM sync, or an accepted approval suggestion (its key). */
export interface UpdateOptions {
  via?: Exclude<StageChangeReason, 'created'>;
  suggestionKey?: string;
  now?: Date;
}

/** Refuses (forbidden) before looking at the input when the actor may not edit this deal. */
export async function updateOpportunity(db: RingiDb, actor: Actor, opportunityId: string, input: unknown, options: UpdateOptions = {}): Promise<CrmResult<Opportunity, OpportunityField>> {
  const [existing] = await db.select().from(opportunities).where(eq(opportunities.id, opportunityId)).limit(1);
  if (!existing) return notFound();
  if (!canEditOpportunity(actor, existing)) return forbidden();
  const result = await validate(db, actor, input, existing);
  if ('errors' in result) return invalid(result.errors);
  const { ownerUserId, ...data } = result.data;
  return await db.transaction(async (tx) => {
    const [row] = await tx
      .update(opportunities)
      .set({ ...data, ownerUserId: ownerUserId ?? existing.ownerUserId })
      // The owner is part of the condition: a concurrent hand-over cannot be overwritten by its old owner.
      .where(and(eq(opportunities.id, opportunityId), eq(opportunities.ownerUserId, existing.ownerUserId)))
      .returning();
    if (!row) return forbidden();
    await recordStageChange(tx, { opportunityId, fromStage: existing.stage, toStage: row.stage, reason: options.via ?? 'manual', byUserId: actor.id, at: options.now ?? new Date(), suggestionKey: options.suggestionKey });
    // Stage, channel and owner are the dashboard's filters: its aggregates move with them (ADR 0020).
    await rebuildOpportunityAggregates(tx, opportunityId);
    return ok(row);
  });
}

/** Archived deals leave the lists and dashboards; their rooms and history stay. Same rule as editing. */
export async function setOpportunityArchived(db: RingiDb, actor: Actor, opportunityId: string, archived: boolean, now = new Date()): Promise<CrmResult<Opportunity>> {
  const [existing] = await db.select().from(opportunities).where(eq(opportunities.id, opportunityId)).limit(1);
  if (!existing) return notFound();
  if (!canEditOpportunity(actor, existing)) return forbidden();
  if ((existing.archivedAt !== null) === archived) return ok(existing);
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(opportunities)
      .set({ archivedAt: archived ? now : null })
      .where(eq(opportunities.id, opportunityId))
      .returning();
    await rebuildOpportunityAggregates(tx, opportunityId);
    return updated;
  });
  return ok(row!);
}

/** Per-opportunity Slack mute (issue: reps choose fewer messages). Same rule as editing. */
export async function setOpportunityAlertsMuted(db: RingiDb, actor: Actor, opportunityId: string, muted: boolean): Promise<CrmResult<Opportunity>> {
  const [existing] = await db.select().from(opportunities).where(eq(opportunities.id, opportunityId)).limit(1);
  if (!existing) return notFound();
  if (!canEditOpportunity(actor, existing)) return forbidden();
  const [row] = await db.update(opportunities).set({ alertsMuted: muted }).where(eq(opportunities.id, opportunityId)).returning();
  return ok(row!);
}

export { canEditOpportunity };
