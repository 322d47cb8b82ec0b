// The tables every module queries. Import them from here, never from db/schema.ts directly: this is
// the one place that picks the engine's table definitions. db/schema.ts is the one schema (and what
// drizzle-kit reads for SQLite); with DATABASE_URL set these are its PostgreSQL twins from
// db/schema.pg.ts, typed as the SQLite tables so the data layer is written and type-checked once
// (docs/adr/0014). A new table of db/schema.ts needs a line here and in db/schema.pg.ts
// (tests/unit/postgres-schema.test.ts says which are missing).
import * as sqlite from '../../../db/schema';
import * as postgres from '../../../db/schema.pg';
import { config } from '../config';

export * from '../../../db/schema';

const engine = (config.databaseUrl ? postgres : sqlite) as unknown as typeof sqlite;

export const users = engine.users;
export const accounts = engine.accounts;
export const contacts = engine.contacts;
export const pipelineStages = engine.pipelineStages;
export const opportunities = engine.opportunities;
export const rooms = engine.rooms;
export const documents = engine.documents;
export const documentVersions = engine.documentVersions;
export const documentFiles = engine.documentFiles;
export const roomDocuments = engine.roomDocuments;
export const accessLinks = engine.accessLinks;
export const visits = engine.visits;
export const documentViews = engine.documentViews;
export const linkEvents = engine.linkEvents;
export const readingTotals = engine.readingTotals;
export const opportunityEngagement = engine.opportunityEngagement;
export const opportunityDocuments = engine.opportunityDocuments;
export const documentPerformance = engine.documentPerformance;
export const linkBrowsers = engine.linkBrowsers;
export const authSessions = engine.authSessions;
export const signInThrottle = engine.signInThrottle;
export const workspaceSettings = engine.workspaceSettings;
export const slackOutbox = engine.slackOutbox;
export const jobLeases = engine.jobLeases;
export const apiTokens = engine.apiTokens;
export const apiIdempotency = engine.apiIdempotency;
export const webhookEndpoints = engine.webhookEndpoints;
export const webhookDeliveries = engine.webhookDeliveries;
export const opportunityStageChanges = engine.opportunityStageChanges;
export const approvalSuggestionDecisions = engine.approvalSuggestionDecisions;
