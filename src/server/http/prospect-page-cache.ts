// Prospect pages (a room and its documents) served from the HTML Astro rendered earlier for the same
// link and the same data. Astro's component rendering costs several times the page's own work, and
// these pages are what prospects wait for (docs/adr/0006, docs/performance.md).
//
// Every request still resolves its token (revocation and expiry take effect on the next request) and
// is still classified: only a plain human GET without a session cookie is answered from memory.
// Scanners, previews, HEAD, signed-in reps, query strings and every non-active link go through Astro,
// which records what they need. A cached page is used only while everything the page prints from the
// database (the lookup row, the room's documents, the vendor's branding) is unchanged: the lookup
// result is part of the cache check, so an edit shows on the very next request.
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { SESSION_COOKIE } from '../auth/sessions';
import type { RingiDb } from '../db/client';
import { loadProspectRoom, roomOffers } from '../rooms/prospect-room';
import { vendorBranding } from '../settings/branding';
import { classifyRequest, isAutomated } from '../tracking/request-classifier';

const PROSPECT_PAGE_PATH = /^\/r\/([a-z2-7]{16}\.[a-z2-7]{32})(?:\/d\/([a-z0-9][a-z0-9-]{0,127}))?$/;

export interface ProspectPagePath {
  token: string;
  /** The document's slug; undefined for the room page. */
  slug?: string;
}

export function matchProspectPagePath(url: string): ProspectPagePath | null {
  const match = PROSPECT_PAGE_PATH.exec(url); // a query string never matches: such requests go to Astro
  return match ? { token: match[1]!, slug: match[2] } : null;
}

export interface RenderedPage {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** Least-recently-used pages, bounded by count and by bytes. */
export class RenderedPageCache {
  private readonly entries = new Map<string, { fingerprint: string; page: RenderedPage }>();
  private bytes = 0;

  constructor(
    readonly maxEntries = 2000,
    readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string, fingerprint: string): RenderedPage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.fingerprint !== fingerprint) {
      this.delete(key);
      return undefined;
    }
    this.entries.delete(key); // re-insert: Map order is the recency order
    this.entries.set(key, entry);
    return entry.page;
  }

  set(key: string, fingerprint: string, page: RenderedPage): void {
    this.delete(key);
    if (page.body.length > this.maxBytes) return;
    this.entries.set(key, { fingerprint, page });
    this.bytes += page.body.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.page.body.length;
    this.entries.delete(key);
  }
}

function headerGetter(headers: IncomingHttpHeaders): { get(name: string): string | null } {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

function hasSessionCookie(cookieHeader: string | undefined): boolean {
  return cookieHeader !== undefined && cookieHeader.split(';').some((part) => part.trim().startsWith(`${SESSION_COOKIE}=`));
}

export type PageLookup =
  /** Astro must answer (and may record something): not a cacheable request. */
  | { kind: 'astro' }
  /** A cacheable request: serve `page` if present, else let Astro render and keep the result. */
  | { kind: 'cacheable'; key: string; fingerprint: string; page: RenderedPage | undefined };

export interface PageRequest {
  method: string | undefined;
  url: string;
  headers: IncomingHttpHeaders;
}

export function lookUpProspectPage(db: RingiDb, cache: RenderedPageCache, request: PageRequest, now = new Date()): PageLookup {
  if (request.method !== 'GET') return { kind: 'astro' };
  const path = matchProspectPagePath(request.url);
  if (!path) return { kind: 'astro' };
  if (hasSessionCookie(request.headers.cookie)) return { kind: 'astro' }; // a rep's preview
  const headers = headerGetter(request.headers);
  if (isAutomated(classifyRequest({ method: request.method, userAgent: headers.get('user-agent'), headers }))) return { kind: 'astro' };
  const access = loadProspectRoom(db, path.token, now);
  if (access.status !== 'active') return { kind: 'astro' };
  if (path.slug !== undefined && !roomOffers(access.room, path.slug)) return { kind: 'astro' };
  const branding = vendorBranding(db, now.getTime());
  const fingerprint = JSON.stringify([access.room, branding.organisationName, branding.logo?.version ?? null]);
  return { kind: 'cacheable', key: request.url, fingerprint, page: cache.get(request.url, fingerprint) };
}

export function sendRenderedPage(res: ServerResponse, page: RenderedPage): void {
  res.writeHead(page.status, { ...page.headers, 'content-length': page.body.length }).end(page.body);
}

/**
 * Lets Astro answer as usual and hands over a copy of a complete 200 HTML answer that sets no
 * cookie. Errors, redirects, other statuses and aborted streams are never kept.
 */
export function captureRenderedPage(res: ServerResponse, keep: (page: RenderedPage) => void): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let headers: OutgoingHttpHeaders | undefined;
  const chunks: Buffer[] = [];
  let cacheable = true;
  const add = (chunk: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    else if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') cacheable = false;
  };
  res.writeHead = ((...args: unknown[]) => {
    const given = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null && !Array.isArray(a));
    headers = { ...res.getHeaders() }; // getHeaders() keys are lower case; make the given ones so too
    for (const [name, value] of Object.entries((given ?? {}) as OutgoingHttpHeaders)) headers[name.toLowerCase()] = value;
    return writeHead(...args);
  }) as typeof res.writeHead;
  res.write = ((...args: unknown[]) => {
    add(args[0]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    add(args[0]);
    const result = end(...args);
    const contentType = String(headers?.['content-type'] ?? '');
    if (cacheable && headers && res.statusCode === 200 && !headers['set-cookie'] && contentType.startsWith('text/html')) {
      // The length is set when the copy is sent; Node frames the first answer itself.
      const { 'content-length': _length, 'transfer-encoding': _framing, ...kept } = headers;
      keep({ status: 200, headers: kept, body: Buffer.concat(chunks) });
    }
    return result;
  }) as typeof res.end;
}
