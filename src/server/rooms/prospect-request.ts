// The shared first step of every prospect page: resolve the token, set the headers, pick a status,
// and note opens by scanners and link previews (they are never reading: only the page script
// confirms a view).
import { currentSession, type RequestContext } from '../auth/guard';
import { SESSION_COOKIE } from '../auth/sessions';
import { getDb } from '../db/client';
import { isStorageFull, storageFullLog } from '../db/faults';
import { applyProspectHeaders } from '../http/prospect-headers';
import { recordAutomatedOpen } from '../tracking/ingest';
import { classifyRequest, describeAgent, isAutomated } from '../tracking/request-classifier';
import { loadProspectRoom, type ProspectAccess } from './prospect-room';

export interface ProspectRequest extends RequestContext {
  token: string | undefined;
  response: { headers: Headers; status?: number };
  /** The document the request is for, if any, so an automated open is filed against it. */
  documentSlug?: string;
  /** Astro.locals of the pages the server keeps as templates (the room and document pages, ADR 0006). */
  locals?: App.Locals;
}

export interface OpenedRoom {
  access: ProspectAccess;
  /** A scanner, preview, crawler, prefetch or HEAD: serve it, but never count it as reading. */
  automated: boolean;
  /** A signed-in rep or admin looking at the room: never counted as the prospect. */
  internal: boolean;
}

export async function openProspectRoom(context: ProspectRequest): Promise<OpenedRoom> {
  const { token, request, response, documentSlug } = context;
  applyProspectHeaders(response.headers);
  const template = context.locals?.templateRoom; // the server rendering a room's template (docs/adr/0006)
  if (template) return { access: { status: 'active', room: template }, automated: false, internal: false };
  const db = getDb();
  const access = await loadProspectRoom(db, token ?? '');
  if (access.status === 'unknown') response.status = 404;
  else if (access.status !== 'active') response.status = 410;
  const requestClass = classifyRequest({ method: request.method, userAgent: request.headers.get('user-agent'), headers: request.headers });
  const automated = isAutomated(requestClass);
  const internal = access.status === 'active' && (await isInternalViewer(context));
  if (automated && !internal && access.status === 'active') {
    const slug = documentSlug !== undefined && access.room.documentSlugs.includes(documentSlug) ? documentSlug : null;
    try {
      await recordAutomatedOpen(db, access.room, slug, describeAgent(requestClass), new Date());
    } catch (error) {
      if (!isStorageFull(error)) throw error;
      storageFullLog.report(); // the page is served all the same
    }
  }
  return { access, automated, internal };
}

export function roomPath(token: string): string {
  return `/r/${token}`;
}

export function documentPath(token: string, slug: string): string {
  return `/r/${token}/d/${slug}`;
}

export function attachmentPath(token: string, slug: string, file: string): string {
  return `/r/${token}/d/${slug}/files/${file}`;
}

/** Every document of the room in one printable page, for circulation. */
export function printAllPath(token: string): string {
  return `/r/${token}/print`;
}

export function viewStartPath(token: string): string {
  return `/r/${token}/views`;
}

/** Signed-in reps and admins preview rooms through real links; their reading is theirs, not the prospect's. */
export async function isInternalViewer(context: RequestContext): Promise<boolean> {
  return context.cookies.has(SESSION_COOKIE) && (await currentSession(context)) !== null;
}
