// The routes of /api/v1: each parses with its schemas (schemas.ts), calls the domain functions the
// admin pages use, and maps their results to JSON. Nothing here knows HTTP beyond status codes.
import { accessLinkUrl, createLinkForContact, defaultLinkExpiry, listLinksForOpportunity, revokeLink, type LinkFailureReason } from '../access-links/link-management';
import { createAccount, type Account } from '../crm/accounts';
import type { CrmResult } from '../crm/common';
import { createContact, type Contact } from '../crm/contacts';
import { createOpportunity, type Opportunity } from '../crm/opportunities';
import type { RingiDb } from '../db/client';
import { lastValidDay } from '../i18n/calendar';
import { expiryFromDate, getRoomForOpportunity, opportunityAccess, saveRoom } from '../rooms/room-builder';
import { listUsers } from '../settings/users';
import { opportunityEngagementSummary, opportunityTimeline, formatTimelineCursor, parseTimelineCursor } from '../tracking/read-model';
import { createWebhookEndpoint, disableWebhookEndpoint, listWebhookEndpoints, type WebhookEndpoint } from '../webhooks/endpoints';
import {
  decodeCursor,
  encodeCursor,
  getAccountRow,
  getContactRow,
  getOpportunityRow,
  isUniqueViolation,
  pageAccounts,
  pageContacts,
  pageOpportunities,
  pageViews,
  upsertAccount,
  upsertContact,
  upsertOpportunity,
  type KeysetCursor,
  type Upserted,
} from './crm-sync';
import { ApiProblem, route, type ApiAnswer, type ApiServices, type RouteDefinition } from './router';
import * as s from './schemas';

const DEFAULT_LIMIT = 50;
const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const db = (services: ApiServices) => services.db as RingiDb;

// --- Representations ---

const accountJson = (a: Account) => ({ id: a.id, externalId: a.externalId, name: a.name, industry: a.industry, website: a.website, archived: a.archivedAt !== null, createdAt: a.createdAt.toISOString() });
const contactJson = (c: Contact) => ({
  id: c.id,
  externalId: c.externalId,
  accountId: c.accountId,
  name: c.name,
  email: c.email,
  department: c.department,
  jobTitle: c.jobTitle,
  buyingRole: c.buyingRole,
  archived: c.archivedAt !== null,
  createdAt: c.createdAt.toISOString(),
});
const opportunityJson = (o: Opportunity) => ({
  id: o.id,
  externalId: o.externalId,
  accountId: o.accountId,
  name: o.name,
  stage: o.stage,
  amountJpy: o.amountJpy,
  expectedCloseDate: o.expectedCloseDate,
  channel: o.channel,
  salesCycle: o.salesCycle,
  ownerUserId: o.ownerUserId,
  handOffOwnerUserId: o.handOffOwnerUserId,
  handedOffAt: o.handedOffAt?.toISOString() ?? null,
  archived: o.archivedAt !== null,
  createdAt: o.createdAt.toISOString(),
});
const endpointJson = (e: WebhookEndpoint) => ({ id: e.id, url: e.url, events: e.events, createdAt: e.createdAt.toISOString() });

/** JSON null clears a field; the domain's form-friendly schemas read an empty value as "not given". */
function blankNulls<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, value === null ? '' : value])) as T;
}

// --- Results to answers ---

function cursorOf(text: string | undefined): KeysetCursor | null {
  if (text === undefined) return null;
  const cursor = decodeCursor(text);
  if (!cursor) throw new ApiProblem(400, 'bad_request', 'cursor: not a cursor this API returned.');
  return cursor;
}

/** A domain result as an answer: field codes become one readable 422 message. */
function crmAnswer<T>(result: CrmResult<T>, toJson: (value: T) => unknown, status = 200): ApiAnswer {
  if (result.ok) return { status, body: toJson(result.value) };
  if (result.reason === 'not_found') throw new ApiProblem(404, 'not_found', 'No such record.');
  if (result.reason === 'forbidden') throw new ApiProblem(403, 'forbidden', 'The token’s admin may not change this record (archived account?).');
  throw new ApiProblem(422, 'invalid_payload', fieldMessage(result.fieldErrors));
}

function fieldMessage(fieldErrors: Record<string, string | undefined>): string {
  return Object.entries(fieldErrors)
    .map(([field, code]) => `${field}: ${code}`)
    .join('; ');
}

function upsertAnswer<T>(upserted: Upserted<T>, toJson: (value: T) => unknown): ApiAnswer {
  if ('conflict' in upserted) throw new ApiProblem(409, 'conflict', upserted.conflict);
  return crmAnswer(upserted.result, toJson, upserted.created ? 201 : 200);
}

/** Creating with an externalId another record has is a conflict, not a server error. */
async function creating<T>(create: () => Promise<CrmResult<T>>, toJson: (value: T) => unknown): Promise<ApiAnswer> {
  try {
    return crmAnswer(await create(), toJson, 201);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiProblem(409, 'conflict', 'Another record has this externalId: look it up, or upsert with PUT …/by-external-id/{externalId}.');
    throw error;
  }
}

const linkProblems: Record<LinkFailureReason, [404 | 409 | 422, string]> = {
  not_found: [404, 'No such opportunity, contact or link.'],
  forbidden: [404, 'No such opportunity.'],
  otherAccount: [422, 'contactId: the contact belongs to another account than the opportunity’s.'],
  contactArchived: [422, 'contactId: the contact is archived.'],
  activeLinkExists: [409, 'The contact already has an active link into this room: revoke it first to issue a new one.'],
  revoked: [409, 'The link is revoked.'],
  invalidDays: [422, 'expiresOn: not a valid number of days.'],
  invalidDate: [422, 'expiresOn: not a valid date.'],
  pastDate: [422, 'expiresOn: the day has passed.'],
  tooFarDate: [422, 'expiresOn: more than three years ahead.'],
};

function linkProblem(reason: LinkFailureReason): never {
  const [status, message] = linkProblems[reason];
  throw new ApiProblem(status, status === 404 ? 'not_found' : status === 409 ? 'conflict' : 'invalid_payload', message);
}

async function requireOpportunity(services: ApiServices, id: string) {
  const opportunity = await opportunityAccess(db(services), id);
  if (!opportunity) throw new ApiProblem(404, 'not_found', 'No such opportunity.');
  return opportunity;
}

const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description:
          { 400: 'Bad request (query, cursor, JSON)', 401: 'Missing, invalid or revoked token', 403: 'The token’s scope does not allow this', 404: 'Not found', 409: 'Conflict', 422: 'Validation failed', 429: 'Rate limited (see Retry-After)' }[status] ?? 'Error',
        schema: s.errorResponse,
      },
    ]),
  );
const readProblems = problemResponses(400, 401, 404, 429);
const writeProblems = problemResponses(400, 401, 403, 404, 409, 422, 429);

// --- Routes ---

export const apiRoutes: RouteDefinition[] = [
  route({
    method: 'GET',
    path: '/token',
    operationId: 'getToken',
    summary: 'The calling token: its id and scope',
    tag: 'Tokens',
    scope: 'read',
    responses: { 200: { description: 'The token', schema: s.tokenInfo }, ...readProblems },
    handler: async ({ tokenId, scope }) => ({ status: 200, body: { id: tokenId, scope } }),
  }),

  // Accounts
  route({
    method: 'GET',
    path: '/accounts',
    operationId: 'listAccounts',
    summary: 'Accounts in created order; filter by externalId to look one up',
    tag: 'Accounts',
    scope: 'read',
    query: s.externalIdQuery,
    responses: { 200: { description: 'A page of accounts', schema: s.accountPage }, ...readProblems },
    handler: async ({ query, services }) => {
      const page = await pageAccounts(services.db, { externalId: query.externalId, limit: query.limit ?? DEFAULT_LIMIT, cursor: cursorOf(query.cursor) });
      return { status: 200, body: { data: page.rows.map(accountJson), nextCursor: page.next && encodeCursor(page.next) } };
    },
  }),
  route({
    method: 'POST',
    path: '/accounts',
    operationId: 'createAccount',
    summary: 'Create an account',
    tag: 'Accounts',
    scope: 'write',
    body: s.accountCreate,
    responses: { 201: { description: 'Created', schema: s.account }, ...writeProblems },
    handler: async ({ body, actor, services }) => {
      const { externalId, ...fields } = body;
      return creating(async () => createAccount(db(services), actor, blankNulls(fields), { externalId: externalId ?? null }), accountJson);
    },
  }),
  route({
    method: 'GET',
    path: '/accounts/{id}',
    operationId: 'getAccount',
    summary: 'One account',
    tag: 'Accounts',
    scope: 'read',
    params: s.pathIds.id,
    responses: { 200: { description: 'The account', schema: s.account }, ...readProblems },
    handler: async ({ params, services }) => {
      const row = await getAccountRow(services.db, params.id);
      if (!row) throw new ApiProblem(404, 'not_found', 'No such account.');
      return { status: 200, body: accountJson(row) };
    },
  }),
  route({
    method: 'PUT',
    path: '/accounts/by-external-id/{externalId}',
    operationId: 'upsertAccount',
    summary: 'Create or update the account with this external id',
    tag: 'Accounts',
    scope: 'write',
    params: s.pathIds.externalId,
    body: s.accountWrite,
    responses: { 200: { description: 'Updated', schema: s.account }, 201: { description: 'Created', schema: s.account }, ...writeProblems },
    handler: async ({ params, body, actor, services }) => upsertAnswer(await upsertAccount(db(services), actor, params.externalId, blankNulls(body)), accountJson),
  }),

  // Contacts
  route({
    method: 'GET',
    path: '/contacts',
    operationId: 'listContacts',
    summary: 'Contacts in created order; filter by account or externalId',
    tag: 'Contacts',
    scope: 'read',
    query: s.contactListQuery,
    responses: { 200: { description: 'A page of contacts', schema: s.contactPage }, ...readProblems },
    handler: async ({ query, services }) => {
      const page = await pageContacts(services.db, { externalId: query.externalId, accountId: query.accountId, limit: query.limit ?? DEFAULT_LIMIT, cursor: cursorOf(query.cursor) });
      return { status: 200, body: { data: page.rows.map(contactJson), nextCursor: page.next && encodeCursor(page.next) } };
    },
  }),
  route({
    method: 'POST',
    path: '/contacts',
    operationId: 'createContact',
    summary: 'Create a contact at an account',
    tag: 'Contacts',
    scope: 'write',
    body: s.contactCreate,
    responses: { 201: { description: 'Created', schema: s.contact }, ...writeProblems },
    handler: async ({ body, actor, services }) => {
      const { externalId, accountId, ...fields } = body;
      return creating(async () => {
        const result = await createContact(db(services), actor, accountId, blankNulls(fields), { externalId: externalId ?? null });
        if (!result.ok && result.reason === 'not_found') throw new ApiProblem(422, 'invalid_payload', 'accountId: no such account.');
        return result;
      }, contactJson);
    },
  }),
  route({
    method: 'GET',
    path: '/contacts/{id}',
    operationId: 'getContact',
    summary: 'One contact',
    tag: 'Contacts',
    scope: 'read',
    params: s.pathIds.id,
    responses: { 200: { description: 'The contact', schema: s.contact }, ...readProblems },
    handler: async ({ params, services }) => {
      const row = await getContactRow(services.db, params.id);
      if (!row) throw new ApiProblem(404, 'not_found', 'No such contact.');
      return { status: 200, body: contactJson(row) };
    },
  }),
  route({
    method: 'PUT',
    path: '/contacts/by-external-id/{externalId}',
    operationId: 'upsertContact',
    summary: 'Create or update the contact with this external id',
    tag: 'Contacts',
    scope: 'write',
    params: s.pathIds.externalId,
    body: s.contactWrite,
    responses: { 200: { description: 'Updated', schema: s.contact }, 201: { description: 'Created', schema: s.contact }, ...writeProblems },
    handler: async ({ params, body, actor, services }) => {
      if (!(await getAccountRow(services.db, body.accountId))) throw new ApiProblem(422, 'invalid_payload', 'accountId: no such account.');
      return upsertAnswer(await upsertContact(db(services), actor, params.externalId, blankNulls(body)), contactJson);
    },
  }),

  // Opportunities
  route({
    method: 'GET',
    path: '/opportunities',
    operationId: 'listOpportunities',
    summary: 'Opportunities in created order; filter by account or externalId',
    tag: 'Opportunities',
    scope: 'read',
    query: s.opportunityListQuery,
    responses: { 200: { description: 'A page of opportunities', schema: s.opportunityPage }, ...readProblems },
    handler: async ({ query, services }) => {
      const page = await pageOpportunities(services.db, { externalId: query.externalId, accountId: query.accountId, limit: query.limit ?? DEFAULT_LIMIT, cursor: cursorOf(query.cursor) });
      return { status: 200, body: { data: page.rows.map(opportunityJson), nextCursor: page.next && encodeCursor(page.next) } };
    },
  }),
  route({
    method: 'POST',
    path: '/opportunities',
    operationId: 'createOpportunity',
    summary: 'Create an opportunity',
    tag: 'Opportunities',
    scope: 'write',
    body: s.opportunityCreate,
    responses: { 201: { description: 'Created', schema: s.opportunity }, ...writeProblems },
    handler: async ({ body, actor, services }) => {
      const { externalId, ...fields } = body;
      return creating(async () => createOpportunity(db(services), actor, blankNulls({ salesCycle: 'short', ...fields }), { externalId: externalId ?? null }), opportunityJson);
    },
  }),
  route({
    method: 'GET',
    path: '/opportunities/{id}',
    operationId: 'getOpportunity',
    summary: 'One opportunity',
    tag: 'Opportunities',
    scope: 'read',
    params: s.pathIds.id,
    responses: { 200: { description: 'The opportunity', schema: s.opportunity }, ...readProblems },
    handler: async ({ params, services }) => {
      const row = await getOpportunityRow(services.db, params.id);
      if (!row) throw new ApiProblem(404, 'not_found', 'No such opportunity.');
      return { status: 200, body: opportunityJson(row) };
    },
  }),
  route({
    method: 'PUT',
    path: '/opportunities/by-external-id/{externalId}',
    operationId: 'upsertOpportunity',
    summary: 'Create or update the opportunity with this external id',
    tag: 'Opportunities',
    scope: 'write',
    params: s.pathIds.externalId,
    body: s.opportunityWrite,
    responses: { 200: { description: 'Updated', schema: s.opportunity }, 201: { description: 'Created', schema: s.opportunity }, ...writeProblems },
    handler: async ({ params, body, actor, services }) => {
      const existing = await pageOpportunities(services.db, { externalId: params.externalId, limit: 1, cursor: null });
      const input = blankNulls({ ...body, salesCycle: body.salesCycle ?? existing.rows[0]?.salesCycle ?? 'short' });
      return upsertAnswer(await upsertOpportunity(db(services), actor, params.externalId, input), opportunityJson);
    },
  }),

  // Users
  route({
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    summary: 'Reps and admins (opportunity owners)',
    tag: 'Users',
    scope: 'read',
    responses: { 200: { description: 'Every user', schema: s.userList }, ...readProblems },
    handler: async ({ services }) => ({
      status: 200,
      body: { data: (await listUsers(services.db)).map((u) => ({ id: u.id, email: u.email, displayName: u.displayName, role: u.role, active: u.deactivatedAt === null })) },
    }),
  }),

  // Documents and rooms
  route({
    method: 'GET',
    path: '/documents',
    operationId: 'listDocuments',
    summary: 'The document catalog a room can offer',
    tag: 'Rooms',
    scope: 'read',
    responses: { 200: { description: 'Every document', schema: s.documentList }, ...readProblems },
    handler: async ({ services }) => ({
      status: 200,
      body: {
        data: (await services.documents())
          .map((d) => ({ slug: d.slug, title: d.title, summary: d.summary, category: d.category, language: d.language, version: d.version, updated: d.updated.toISOString().slice(0, 10), readingMinutes: d.readingMinutes }))
          .sort((a, b) => (a.slug < b.slug ? -1 : 1)),
      },
    }),
  }),
  route({
    method: 'GET',
    path: '/opportunities/{id}/room',
    operationId: 'getRoom',
    summary: 'The opportunity’s room: documents, message, language, expiry',
    tag: 'Rooms',
    scope: 'read',
    params: s.pathIds.id,
    responses: { 200: { description: 'The room (id null while there is none yet)', schema: s.room }, ...readProblems },
    handler: async ({ params, services }) => {
      await requireOpportunity(services, params.id);
      const room = await getRoomForOpportunity(db(services), params.id);
      const defaults = await services.defaults();
      return { status: 200, body: roomJson(params.id, room, defaults.roomLocale) };
    },
  }),
  route({
    method: 'PUT',
    path: '/opportunities/{id}/room',
    operationId: 'setRoom',
    summary: 'Set the room’s documents, message, title, language or expiry',
    tag: 'Rooms',
    scope: 'write',
    params: s.pathIds.id,
    body: s.roomWrite,
    responses: { 200: { description: 'The room after the change', schema: s.room }, ...writeProblems },
    handler: async ({ params, body, actor, services, now }) => {
      await requireOpportunity(services, params.id);
      const existing = await getRoomForOpportunity(db(services), params.id);
      const defaults = await services.defaults();
      const known = (await services.documents()).map((d) => d.slug);
      const result = await saveRoom(
        db(services),
        actor,
        params.id,
        {
          title: body.title !== undefined ? (body.title ?? '') : (existing?.title ?? ''),
          message: body.message ?? existing?.message ?? '',
          locale: body.locale ?? existing?.locale ?? defaults.roomLocale,
          expiresOn: body.expiresOn !== undefined ? (body.expiresOn ?? '') : existing?.expiresAt ? lastValidDay(existing.expiresAt) : '',
          documents: body.documents ?? existing?.documentSlugs ?? [],
        },
        known,
        { now, defaults: { locale: defaults.roomLocale } },
      );
      if (!result.ok) {
        if (result.reason !== 'invalid') throw new ApiProblem(result.reason === 'not_found' ? 404 : 403, result.reason, 'Not allowed.');
        const bad = result.badSlugs.length ? ` (${result.badSlugs.join(', ')})` : '';
        throw new ApiProblem(422, 'invalid_payload', fieldMessage(result.fieldErrors) + bad);
      }
      return { status: 200, body: roomJson(params.id, await getRoomForOpportunity(db(services), params.id), defaults.roomLocale) };
    },
  }),

  // Access links
  route({
    method: 'GET',
    path: '/opportunities/{id}/access-links',
    operationId: 'listAccessLinks',
    summary: 'The room’s access links (never their URLs)',
    tag: 'Access links',
    scope: 'read',
    params: s.pathIds.id,
    responses: { 200: { description: 'Every link, newest first per contact', schema: s.accessLinkList }, ...readProblems },
    handler: async ({ params, services, now }) => {
      await requireOpportunity(services, params.id);
      const contacts = await listLinksForOpportunity(db(services), params.id, now);
      const data = contacts.flatMap((c) => [c.current, ...c.previous].filter((l) => l !== null));
      return {
        status: 200,
        body: {
          data: data.map((l) => ({ id: l.id, contactId: l.contactId, status: l.status, createdAt: l.createdAt.toISOString(), expiresAt: iso(l.expiresAt), revokedAt: iso(l.revokedAt), lastOpenedAt: iso(l.lastOpenedAt) })),
        },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/opportunities/{id}/access-links',
    operationId: 'createAccessLink',
    summary: 'A private link for a contact of the opportunity’s account; the URL is in this answer only',
    tag: 'Access links',
    scope: 'write',
    params: s.pathIds.id,
    body: s.accessLinkCreate,
    responses: { 201: { description: 'Created; store or send the URL now', schema: s.createdAccessLink }, ...writeProblems },
    handler: async ({ params, body, actor, services, now }) => {
      const defaults = await services.defaults();
      let expiresAt = defaultLinkExpiry(defaults.linkExpiryDays, now);
      if (body.expiresOn === null) expiresAt = null;
      else if (body.expiresOn !== undefined) {
        const expiry = expiryFromDate(body.expiresOn, now);
        if (!expiry.ok) linkProblem(expiry.error);
        expiresAt = expiry.expiresAt;
      }
      const created = await createLinkForContact(db(services), services.key, actor, { opportunityId: params.id, contactId: body.contactId, expiresAt, roomDefaults: { locale: defaults.roomLocale } }, now);
      if (!created.ok) {
        if (created.reason === 'not_found' && (await opportunityAccess(db(services), params.id))) throw new ApiProblem(422, 'invalid_payload', 'contactId: no such contact.');
        linkProblem(created.reason);
      }
      const link = created.value;
      return {
        status: 201,
        body: { id: link.id, contactId: link.contactId, status: 'active', createdAt: now.toISOString(), expiresAt: iso(expiresAt), revokedAt: null, lastOpenedAt: null, url: accessLinkUrl(link.token, services.publicBaseUrl) },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/opportunities/{id}/access-links/{linkId}/revoke',
    operationId: 'revokeAccessLink',
    summary: 'Revoke a link at once (the reader’s next request answers 410)',
    tag: 'Access links',
    scope: 'write',
    params: s.pathIds.link,
    responses: { 200: { description: 'Revoked (revoking twice changes nothing)', schema: s.accessLink.pick({ id: true, contactId: true, revokedAt: true }) }, ...writeProblems },
    handler: async ({ params, actor, services, now }) => {
      const result = await revokeLink(db(services), actor, { opportunityId: params.id, linkId: params.linkId }, now);
      if (!result.ok) linkProblem(result.reason);
      return { status: 200, body: { id: params.linkId, contactId: result.value.contactId, revokedAt: result.value.revokedAt.toISOString() } };
    },
  }),

  // Reading
  route({
    method: 'GET',
    path: '/opportunities/{id}/visits',
    operationId: 'listVisits',
    summary: 'Who read what: the opportunity’s visits, newest first, with their views and downloads',
    tag: 'Reading',
    scope: 'read',
    params: s.pathIds.id,
    query: s.visitListQuery,
    responses: { 200: { description: 'A page of visits', schema: s.visitPage }, ...readProblems },
    handler: async ({ params, query, services }) => {
      await requireOpportunity(services, params.id);
      const cursor = query.cursor === undefined ? null : parseTimelineCursor(Buffer.from(query.cursor, 'base64url').toString('utf8'));
      if (query.cursor !== undefined && !cursor) throw new ApiProblem(400, 'bad_request', 'cursor: not a cursor this API returned.');
      const until = query.until ? new Date(query.until) : undefined;
      const since = query.since ? new Date(query.since) : undefined;
      if ((until && Number.isNaN(until.getTime())) || (since && Number.isNaN(since.getTime()))) throw new ApiProblem(400, 'bad_request', 'since/until: ISO 8601 times.');
      const timeline = await opportunityTimeline(db(services), params.id, { limit: query.limit ?? DEFAULT_LIMIT, before: cursor ?? until, apartLimit: 0 });
      const visits = since ? timeline.visits.filter((v) => v.startedAt.getTime() >= since.getTime()) : timeline.visits;
      const more = timeline.nextBefore && visits.length === timeline.visits.length;
      return {
        status: 200,
        body: {
          data: visits.map((v) => ({
            id: v.visitId,
            contactId: v.contactId,
            contactName: v.contactName,
            accessLinkId: v.accessLinkId,
            deviceLabel: v.deviceLabel,
            newDevice: v.newDevice,
            startedAt: v.startedAt.toISOString(),
            lastActivityAt: v.lastActivityAt.toISOString(),
            activeSeconds: v.activeSeconds,
            views: v.views.map((w) => ({ id: w.viewId, documentSlug: w.documentSlug, documentTitle: w.documentTitle, startedAt: w.startedAt.toISOString(), activeSeconds: w.activeSeconds, maxScrollPercent: w.maxScrollPercent, completed: w.completed })),
            downloads: v.events.filter((e) => e.kind === 'download').map((e) => ({ documentSlug: e.documentSlug, file: e.detail, occurredAt: e.occurredAt.toISOString() })),
          })),
          nextCursor: more && timeline.nextBefore ? Buffer.from(formatTimelineCursor(timeline.nextBefore)).toString('base64url') : null,
        },
      };
    },
  }),
  route({
    method: 'GET',
    path: '/views',
    operationId: 'listViews',
    summary: 'Confirmed document views, oldest first; filter by opportunity, contact and time',
    tag: 'Reading',
    scope: 'read',
    query: s.viewListQuery,
    responses: { 200: { description: 'A page of views', schema: s.viewPage }, ...readProblems },
    handler: async ({ query, services }) => {
      const since = query.since ? new Date(query.since) : undefined;
      const until = query.until ? new Date(query.until) : undefined;
      if ((until && Number.isNaN(until.getTime())) || (since && Number.isNaN(since.getTime()))) throw new ApiProblem(400, 'bad_request', 'since/until: ISO 8601 times.');
      const page = await pageViews(services.db, { opportunityId: query.opportunityId, contactId: query.contactId, since, until, limit: query.limit ?? DEFAULT_LIMIT, cursor: cursorOf(query.cursor) });
      return { status: 200, body: { data: page.rows, nextCursor: page.next && encodeCursor(page.next) } };
    },
  }),
  route({
    method: 'GET',
    path: '/opportunities/{id}/engagement',
    operationId: 'getEngagement',
    summary: 'The engagement score with its reasons, readers and documents',
    tag: 'Reading',
    scope: 'read',
    params: s.pathIds.id,
    responses: { 200: { description: 'The summary', schema: s.engagement }, ...readProblems },
    handler: async ({ params, services, now }) => {
      const categories = new Map((await services.documents()).map((d) => [d.slug, d.category]));
      const summary = await opportunityEngagementSummary(db(services), params.id, now, { documentCategories: categories });
      if (!summary) throw new ApiProblem(404, 'not_found', 'No such opportunity.');
      return {
        status: 200,
        body: {
          opportunityId: summary.opportunityId,
          score: summary.score,
          reasons: summary.reasons,
          firstSeenAt: iso(summary.firstSeenAt),
          lastSeenAt: iso(summary.lastSeenAt),
          visits: summary.visits,
          readers: summary.readers,
          possibleReaders: summary.possibleReaders,
          activeSeconds: summary.activeSeconds,
          documentsRead: summary.documentsRead,
          documentsInRoom: summary.documentsInRoom,
          downloads: summary.downloads,
          prints: summary.prints,
          automatedOpens: summary.automatedOpens,
          documents: summary.documents.map((d) => ({ slug: d.slug, views: d.views, readers: d.readers, activeSeconds: d.activeSeconds, read: d.read, lastSeenAt: d.lastSeenAt.toISOString() })),
        },
      };
    },
  }),

  // Webhook endpoints
  route({
    method: 'GET',
    path: '/webhook-endpoints',
    operationId: 'listWebhookEndpoints',
    summary: 'Registered webhook endpoints (never their secrets)',
    tag: 'Webhooks',
    scope: 'read',
    responses: { 200: { description: 'Active endpoints', schema: s.webhookEndpointList }, ...readProblems },
    handler: async ({ services }) => ({ status: 200, body: { data: (await listWebhookEndpoints(services.db)).map(endpointJson) } }),
  }),
  route({
    method: 'POST',
    path: '/webhook-endpoints',
    operationId: 'createWebhookEndpoint',
    summary: 'Register an endpoint for events; its signing secret is in this answer only',
    tag: 'Webhooks',
    scope: 'write',
    body: s.webhookEndpointCreate,
    responses: { 201: { description: 'Registered', schema: s.createdWebhookEndpoint }, ...writeProblems },
    handler: async ({ body, actor, services }) => {
      const created = await createWebhookEndpoint(services.db, services.key, actor, body, { allowPrivate: services.allowPrivateWebhooks });
      if (!created.ok) {
        if (created.reason === 'invalid') throw new ApiProblem(422, 'invalid_payload', `${created.field}: ${created.message}`);
        throw new ApiProblem(403, 'forbidden', 'Admins only.');
      }
      return { status: 201, body: { ...endpointJson(created.value), secret: created.value.secret } };
    },
  }),
  route({
    method: 'DELETE',
    path: '/webhook-endpoints/{id}',
    operationId: 'deleteWebhookEndpoint',
    summary: 'Stop sending to an endpoint (pending deliveries are dropped)',
    tag: 'Webhooks',
    scope: 'write',
    params: s.pathIds.id,
    responses: { 204: { description: 'Removed', schema: null }, ...writeProblems },
    handler: async ({ params, actor, services, now }) => {
      const result = await disableWebhookEndpoint(services.db, actor, params.id, now);
      if (!result.ok) throw new ApiProblem(404, 'not_found', 'No such endpoint.');
      return { status: 204, body: null };
    },
  }),
];

function roomJson(opportunityId: string, room: Awaited<ReturnType<typeof getRoomForOpportunity>>, defaultLocale: 'ja' | 'en') {
  return {
    id: room?.id ?? null,
    opportunityId,
    title: room?.title ?? null,
    message: room?.message ?? '',
    locale: room?.locale ?? defaultLocale,
    expiresAt: iso(room?.expiresAt ?? null),
    documents: room?.documentSlugs ?? [],
  };
}
