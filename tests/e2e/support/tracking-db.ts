// Reads what the server recorded, straight from an end-to-end database, read-only. The server keeps
// the file in WAL mode, so this connection reads committed rows while the server goes on writing.
import Database from 'better-sqlite3';
import { E2E_DATABASE_PATH } from './env';

export interface VisitRow {
  id: string;
  access_link_id: string;
  contact_id: string;
  device_id: string;
  new_device: number;
  device_label: string;
  started_at: number;
  last_activity_at: number;
}

export interface ViewRow {
  id: string;
  visit_id: string;
  access_link_id: string;
  contact_id: string;
  document_slug: string;
  document_title: string | null;
  started_at: number;
  last_beacon_at: number;
  active_seconds: number;
  max_scroll_percent: number;
  section_seconds: string;
  last_sequence: number;
}

export interface LinkEventRow {
  kind: string;
  access_link_id: string;
  document_slug: string | null;
  detail: string | null;
  visit_id: string | null;
}

export interface TrackingDb {
  visits: (linkId: string) => VisitRow[];
  views: (linkId: string) => ViewRow[];
  linkEvents: (linkId: string) => LinkEventRow[];
  /** Every row that a beacon or a view start can change for one opportunity, for before/after comparisons. */
  opportunitySnapshot: (opportunityId: string) => unknown;
  all: <T>(sql: string, ...params: unknown[]) => T[];
  close: () => void;
}

export function openTrackingDb(databasePath = E2E_DATABASE_PATH): TrackingDb {
  const sqlite = new Database(databasePath, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  const all = <T>(sql: string, ...params: unknown[]) => sqlite.prepare(sql).all(...params) as T[];
  return {
    visits: (linkId) => all<VisitRow>('SELECT * FROM visits WHERE access_link_id = ? ORDER BY started_at', linkId),
    views: (linkId) => all<ViewRow>('SELECT * FROM document_views WHERE access_link_id = ? ORDER BY started_at, rowid', linkId),
    linkEvents: (linkId) => all<LinkEventRow>('SELECT * FROM link_events WHERE access_link_id = ? ORDER BY id', linkId),
    opportunitySnapshot: (opportunityId) => ({
      visits: all('SELECT * FROM visits WHERE opportunity_id = ? ORDER BY id', opportunityId),
      views: all('SELECT * FROM document_views WHERE opportunity_id = ? ORDER BY id', opportunityId),
      linkEvents: all('SELECT * FROM link_events WHERE opportunity_id = ? ORDER BY id', opportunityId),
      readingTotals: all('SELECT * FROM reading_totals WHERE opportunity_id = ? ORDER BY contact_id, document_slug', opportunityId),
      engagement: all('SELECT * FROM opportunity_engagement WHERE opportunity_id = ?', opportunityId),
      // Which alerts are queued, not their delivery state: the worker may try them at any moment.
      outbox: all('SELECT id, idempotency_key, kind, visit_id FROM slack_outbox WHERE opportunity_id = ? ORDER BY id', opportunityId),
    }),
    all,
    close: () => sqlite.close(),
  };
}
