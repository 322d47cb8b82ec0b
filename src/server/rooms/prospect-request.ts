// The shared first step of every prospect page: resolve the token, set the headers, pick a status.
import { getDb } from '../db/client';
import { applyProspectHeaders } from '../http/prospect-headers';
import { loadProspectRoom, type ProspectAccess } from './prospect-room';

export function openProspectRoom(token: string | undefined, response: { headers: Headers; status: number }): ProspectAccess {
  applyProspectHeaders(response.headers);
  const access = loadProspectRoom(getDb(), token ?? '');
  if (access.status === 'unknown') response.status = 404;
  else if (access.status !== 'active') response.status = 410;
  return access;
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
