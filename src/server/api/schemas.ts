// The JSON shapes of /api/v1, in zod (the v4 API that zod 3.25 ships as `zod/v4`): handlers parse
// requests with them and openapi.ts turns the very same objects into the OpenAPI document, so the
// documentation cannot drift from what the handlers accept and answer.
import { z } from 'zod/v4';
import { apiTokenScopes, buyingRoles, channels, locales, salesCycles, webhookEventTypes } from '../db/tables';

const id = z.string().min(1).max(100);
const text = (max: number) => z.string().max(max);
const optionalText = (max: number) => text(max).nullable().optional();
const timestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601, UTC' });
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).meta({ description: 'A calendar day, YYYY-MM-DD' });
export const externalId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s/?#]+$/)
  .meta({ description: 'The CRM record id (e.g. a Salesforce Opportunity Id); unique per workspace' });

export const errorResponse = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .meta({ id: 'Error', description: 'The one error shape of Ringi' });

// --- Paging ---

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional().meta({ description: 'Items per page (default 50)' }),
  cursor: z.string().max(500).optional().meta({ description: 'nextCursor of the previous page' }),
});
const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

// --- CRM records ---

export const accountWrite = z
  .object({ name: text(200), industry: optionalText(100), website: optionalText(500) })
  .strict();
export const accountCreate = accountWrite.extend({ externalId: externalId.optional() }).strict();
export const account = z
  .object({
    id,
    externalId: z.string().nullable(),
    name: z.string(),
    industry: z.string().nullable(),
    website: z.string().nullable(),
    archived: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: 'Account' });

const buyingRole = z.enum(buyingRoles).meta({ description: 'The function this person signs off for in the buyer’s approval (稟議)' });
export const contactWrite = z
  .object({
    accountId: id,
    name: text(100),
    email: optionalText(254),
    department: optionalText(100),
    jobTitle: optionalText(100),
    buyingRole: buyingRole.optional().meta({ description: 'Default: unknown on create, unchanged on update' }),
  })
  .strict();
export const contactCreate = contactWrite.extend({ externalId: externalId.optional() }).strict();
export const contact = z
  .object({
    id,
    externalId: z.string().nullable(),
    accountId: id,
    name: z.string(),
    email: z.string().nullable(),
    department: z.string().nullable(),
    jobTitle: z.string().nullable(),
    buyingRole,
    archived: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: 'Contact' });

export const opportunityWrite = z
  .object({
    accountId: id,
    name: text(200),
    stage: z.number().int().meta({ description: 'Pipeline stage number (1…8 by default)' }),
    amountJpy: z.number().int().min(0),
    expectedCloseDate: date.nullable().optional(),
    channel: z.enum(channels),
    salesCycle: z.enum(salesCycles).optional().meta({ description: 'Default: short' }),
    ownerUserId: id.optional().meta({ description: 'Default: the token’s admin on create, the current owner on update' }),
    handOffOwnerUserId: id
      .nullable()
      .optional()
      .meta({ description: 'Long-cycle deals: the user (field sales) alerted in Slack when the buyer starts evaluating, who then takes the deal over. Null clears it; missing keeps it' }),
  })
  .strict();
export const opportunityCreate = opportunityWrite.extend({ externalId: externalId.optional() }).strict();
export const opportunity = z
  .object({
    id,
    externalId: z.string().nullable(),
    accountId: id,
    name: z.string(),
    stage: z.number().int(),
    amountJpy: z.number().int(),
    expectedCloseDate: z.string().nullable(),
    channel: z.enum(channels),
    salesCycle: z.enum(salesCycles),
    ownerUserId: id,
    handOffOwnerUserId: id.nullable(),
    handedOffAt: timestamp.nullable().meta({ description: 'When the hand-off owner took the deal over' }),
    archived: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: 'Opportunity' });

export const externalIdQuery = listQuery.extend({ externalId: externalId.optional().meta({ description: 'Only the record with this external id' }) });
export const contactListQuery = externalIdQuery.extend({ accountId: id.optional() });
export const opportunityListQuery = externalIdQuery.extend({ accountId: id.optional() });

export const accountPage = page(account);
export const contactPage = page(contact);
export const opportunityPage = page(opportunity);

// --- Users (owners) ---

export const user = z.object({ id, email: z.string(), displayName: z.string(), role: z.enum(['admin', 'rep']), active: z.boolean() }).meta({ id: 'User' });
export const userList = z.object({ data: z.array(user) });

// --- Documents and rooms ---

export const document = z
  .object({
    slug: z.string(),
    title: z.string(),
    summary: z.string(),
    category: z.string(),
    language: z.enum(locales),
    version: z.string(),
    updated: date,
    readingMinutes: z.number(),
  })
  .meta({ id: 'Document' });
export const documentList = z.object({ data: z.array(document) });

export const roomWrite = z
  .object({
    documents: z.array(z.string().max(120)).max(30).optional().meta({ description: 'Document slugs in the order the buyer sees them (replaces the list)' }),
    message: z.string().max(4000).optional(),
    title: z.string().max(200).nullable().optional().meta({ description: 'Buyer-facing heading; null: the default from the account name' }),
    locale: z.enum(locales).optional(),
    expiresOn: date.nullable().optional().meta({ description: 'Last day the room is open (workspace time zone); null: no expiry' }),
  })
  .strict()
  .meta({ description: 'Fields left out keep their current value' });
export const room = z
  .object({
    id: z.string().nullable().meta({ description: 'Null while the opportunity has no room yet' }),
    opportunityId: id,
    title: z.string().nullable(),
    message: z.string(),
    locale: z.enum(locales),
    expiresAt: timestamp.nullable(),
    documents: z.array(z.string()),
  })
  .meta({ id: 'Room' });

// --- Access links ---

export const accessLinkCreate = z
  .object({ contactId: id, expiresOn: date.nullable().optional().meta({ description: 'Last valid day; default: the workspace setting' }) })
  .strict();
export const accessLink = z
  .object({
    id,
    contactId: id,
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    lastOpenedAt: timestamp.nullable(),
  })
  .meta({ id: 'AccessLink' });
export const createdAccessLink = accessLink.extend({ url: z.string().meta({ description: 'The prospect’s URL: returned once, store or send it now' }) });
export const accessLinkList = z.object({ data: z.array(accessLink) });

// --- Reading ---

const viewShape = {
  id,
  visitId: id,
  contactId: id,
  accessLinkId: id,
  opportunityId: id,
  documentSlug: z.string(),
  documentTitle: z.string().nullable(),
  startedAt: timestamp,
  lastActivityAt: timestamp,
  activeSeconds: z.number().int(),
  maxScrollPercent: z.number().int(),
  completed: z.boolean(),
};
export const view = z.object(viewShape).meta({ id: 'View' });
export const viewPage = page(view);
export const viewListQuery = listQuery.extend({
  opportunityId: id.optional(),
  contactId: id.optional(),
  since: timestamp.optional().meta({ description: 'Views started at or after this time' }),
  until: timestamp.optional().meta({ description: 'Views started before this time' }),
});

export const visit = z
  .object({
    id,
    contactId: id,
    contactName: z.string().nullable(),
    accessLinkId: id,
    deviceLabel: z.string(),
    newDevice: z.boolean().meta({ description: 'A browser other than the link’s first: possibly a forwarded link' }),
    startedAt: timestamp,
    lastActivityAt: timestamp,
    activeSeconds: z.number().int(),
    views: z.array(z.object({ id, documentSlug: z.string(), documentTitle: z.string().nullable(), startedAt: timestamp, activeSeconds: z.number().int(), maxScrollPercent: z.number().int(), completed: z.boolean() })),
    downloads: z.array(z.object({ documentSlug: z.string().nullable(), file: z.string().nullable(), occurredAt: timestamp })),
  })
  .meta({ id: 'Visit' });
export const visitPage = page(visit);
export const visitListQuery = listQuery.extend({
  since: timestamp.optional().meta({ description: 'Visits started at or after this time' }),
  until: timestamp.optional().meta({ description: 'Visits started before this time' }),
});

export const engagement = z
  .object({
    opportunityId: id,
    score: z.number().int().meta({ description: '0–100' }),
    reasons: z.array(z.object({ code: z.string(), points: z.number(), max: z.number(), value: z.number(), of: z.number().optional() })).meta({
      description: 'Why the score is what it is; the points add up to the score',
    }),
    firstSeenAt: timestamp.nullable(),
    lastSeenAt: timestamp.nullable(),
    visits: z.number().int(),
    readers: z.number().int().meta({ description: 'Named contacts who read, plus unnamed browsers whose reading clearly differs from the link’s contact' }),
    possibleReaders: z.number().int().meta({ description: 'Other browsers on a contact’s link, maybe the same person: each counts half in the score' }),
    activeSeconds: z.number().int(),
    documentsRead: z.number().int(),
    documentsInRoom: z.number().int(),
    downloads: z.number().int(),
    prints: z.number().int(),
    automatedOpens: z.number().int().meta({ description: 'Scanner and preview opens: never counted as reading' }),
    documents: z.array(z.object({ slug: z.string(), views: z.number().int(), readers: z.number().int(), activeSeconds: z.number().int(), read: z.boolean(), lastSeenAt: timestamp })),
  })
  .meta({ id: 'Engagement' });

// --- Webhook endpoints ---

export const webhookEndpointCreate = z
  .object({ url: z.string().max(2000), events: z.array(z.enum(webhookEventTypes)).min(1).max(webhookEventTypes.length) })
  .strict();
export const webhookEndpoint = z
  .object({ id, url: z.string(), events: z.array(z.enum(webhookEventTypes)), createdAt: timestamp })
  .meta({ id: 'WebhookEndpoint' });
export const createdWebhookEndpoint = webhookEndpoint.extend({
  secret: z.string().meta({ description: 'whsec_…: the signing secret (Standard Webhooks), returned once' }),
});
export const webhookEndpointList = z.object({ data: z.array(webhookEndpoint) });

export const tokenInfo = z.object({ id, scope: z.enum(apiTokenScopes) }).meta({ id: 'TokenInfo' });
export const empty = z.object({});
export const pathIds = { id: z.object({ id }), externalId: z.object({ externalId }), link: z.object({ id, linkId: id }) };
