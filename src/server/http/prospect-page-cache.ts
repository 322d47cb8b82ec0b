// Prospect pages (a room and its documents) served from a template Astro rendered once per room,
// page and version of what the page shows, with each link's own values filled in. Astro's component
// rendering costs several times the page's own work, and these pages are what prospects wait for:
// the first open of a link must be as fast as a repeat open (docs/adr/0006, docs/performance.md).
//
// Every request still resolves its token (revocation and expiry take effect on the next request) and
// is still classified: only a plain human GET without a session cookie is answered from a template.
// Scanners, previews, HEAD, signed-in reps, query strings and every non-active link go through Astro,
// which records what they need. A template is used only while everything the page prints from the
// database (the room as the lookup returns it, minus the per-link fields, and the vendor's branding)
// is unchanged: that is part of the check on every request, so an edit shows on the very next one.
import crypto from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import { SESSION_COOKIE } from '../auth/sessions';
import type { RingiDb } from '../db/client';
import { loadProspectRoom, roomOffers, type ProspectRoom } from '../rooms/prospect-room';
import { roomTemplateFingerprint, templateRoom, type TemplateMarks } from '../rooms/prospect-template';
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

export function createTemplateMarks(): TemplateMarks {
  const mark = (name: string) => `ringi${name}${crypto.randomBytes(16).toString('hex')}`;
  return { token: mark('token'), contact: mark('contact') };
}

/** Astro's own escaping (html-escaper), so a filled page is the bytes Astro would have rendered. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>'"]/g, (c) => ESCAPED[c]!);
}
const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&quot;' };

type Slot = keyof TemplateMarks;

/** A rendered page cut at the marks: fixed bytes around the slots the per-link values go into. */
export interface PageTemplate {
  headers: OutgoingHttpHeaders;
  parts: Buffer[];
  /** slots[i] goes between parts[i] and parts[i + 1]. */
  slots: Slot[];
  bytes: number;
}

// A contact's name is escaped for HTML text and quoted attribute values; it must never land where
// HTML escaping does not protect (a script or style element, the start of a URL attribute).
const UNSAFE_CONTACT_CONTEXT = (contact: string) =>
  new RegExp(`<(script|style)\\b[^>]*>(?:(?!</\\1)[\\s\\S])*${contact}|\\b(?:href|src|action|formaction|srcset)=["']?${contact}|=${contact}`, 'i');

/**
 * The template of a page Astro rendered for a template room, or null when it cannot be one: not a
 * complete 200 HTML answer, a mark in a header, no token mark at all (every prospect page links with
 * its token, so a page without one was not rendered from the template room), or the contact's mark
 * somewhere escaping does not protect.
 */
export function compileTemplate(page: RenderedPage, marks: TemplateMarks): PageTemplate | null {
  if (page.status !== 200 || page.headers['set-cookie'] !== undefined || !String(page.headers['content-type'] ?? '').startsWith('text/html')) return null;
  const headerText = JSON.stringify(page.headers);
  if (headerText.includes(marks.token) || headerText.includes(marks.contact)) return null;
  const html = page.body.toString('utf8');
  if (!html.includes(marks.token) || UNSAFE_CONTACT_CONTEXT(marks.contact).test(html)) return null;
  const pieces = html.split(new RegExp(`(${marks.token}|${marks.contact})`));
  const parts: Buffer[] = [];
  const slots: Slot[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 0) parts.push(Buffer.from(pieces[i]!));
    else slots.push(pieces[i] === marks.token ? 'token' : 'contact');
  }
  return { headers: page.headers, parts, slots, bytes: page.body.length };
}

/** The page for one link: the template with that link's values, HTML-escaped, in its slots. */
export function fillTemplate(template: PageTemplate, values: Record<Slot, string>): Buffer {
  const escaped = { token: Buffer.from(escapeHtml(values.token)), contact: Buffer.from(escapeHtml(values.contact)) };
  const chunks: Buffer[] = [template.parts[0]!];
  for (let i = 0; i < template.slots.length; i++) chunks.push(escaped[template.slots[i]!], template.parts[i + 1]!);
  return Buffer.concat(chunks);
}

/** Least-recently-used templates, bounded by count and by bytes. null: this page cannot be a template. */
export class PageTemplateCache {
  private readonly entries = new Map<string, { fingerprint: string; template: PageTemplate | null }>();
  private bytes = 0;

  constructor(
    readonly maxEntries = 8000,
    readonly maxBytes = 192 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** undefined: nothing kept for this fingerprint. */
  get(key: string, fingerprint: string): PageTemplate | null | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.fingerprint !== fingerprint) {
      this.delete(key);
      return undefined;
    }
    this.entries.delete(key); // re-insert: Map order is the recency order
    this.entries.set(key, entry);
    return entry.template;
  }

  set(key: string, fingerprint: string, template: PageTemplate | null): void {
    this.delete(key);
    const size = template?.bytes ?? 0;
    if (size > this.maxBytes) return;
    this.entries.set(key, { fingerprint, template });
    this.bytes += size;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.template?.bytes ?? 0;
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
  /** Astro must answer (and may record something): not a request a template may answer. */
  | { kind: 'astro' }
  /** An active link's page: fill `template` if kept (null: Astro answers), else render one first. */
  | { kind: 'template'; key: string; fingerprint: string; path: ProspectPagePath; room: ProspectRoom; template: PageTemplate | null | undefined };

export interface PageRequest {
  method: string | undefined;
  url: string;
  headers: IncomingHttpHeaders;
}

export async function lookUpProspectPage(db: RingiDb, cache: PageTemplateCache, request: PageRequest, now = new Date()): Promise<PageLookup> {
  if (request.method !== 'GET') return { kind: 'astro' };
  const path = matchProspectPagePath(request.url);
  if (!path) return { kind: 'astro' };
  if (hasSessionCookie(request.headers.cookie)) return { kind: 'astro' }; // a rep's preview
  const headers = headerGetter(request.headers);
  if (isAutomated(classifyRequest({ method: request.method, userAgent: headers.get('user-agent'), headers }))) return { kind: 'astro' };
  const access = await loadProspectRoom(db, path.token, now);
  if (access.status !== 'active') return { kind: 'astro' };
  if (path.slug !== undefined && !roomOffers(access.room, path.slug)) return { kind: 'astro' };
  const branding = await vendorBranding(db, now.getTime());
  const fingerprint = roomTemplateFingerprint(access.room, { organisationName: branding.organisationName, logoVersion: branding.logo?.version ?? null });
  const key = `${access.room.roomId}/${path.slug ?? ''}`;
  return { kind: 'template', key, fingerprint, path, room: access.room, template: cache.get(key, fingerprint) };
}

function sendFilledPage(res: ServerResponse, template: PageTemplate, values: Record<Slot, string>): void {
  const body = fillTemplate(template, values);
  res.writeHead(200, { ...template.headers, 'content-length': body.length }).end(body);
}

/**
 * Renders the page Astro serves at `path` for a GET from no client, showing `room` instead of the
 * link's (Astro.locals.templateRoom); null when no route answers `path`.
 */
export type TemplateRenderer = (path: string, room: ProspectRoom) => Promise<Response | null>;

/** A rendered Response as the template compiler reads it; the body is read whole. */
export async function renderedPage(response: Response): Promise<RenderedPage> {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of response.headers) if (name !== 'content-length' && name !== 'transfer-encoding') headers[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * The room and document pages of active links, from templates. A page's first request renders its
 * template (one render at a time per page); a page that cannot be a template is left to Astro.
 */
export class ProspectPages {
  private readonly rendering = new Map<string, Promise<PageTemplate | null>>();

  constructor(
    private readonly db: RingiDb,
    private readonly render: TemplateRenderer,
    readonly cache = new PageTemplateCache(),
    private readonly marks = createTemplateMarks(),
  ) {}

  /** Answers `req`, from a template when it may, else through `astro`. */
  async serve(req: IncomingMessage, res: ServerResponse, astro: RequestListener): Promise<void> {
    let page: PageLookup = { kind: 'astro' };
    try {
      page = (await lookUpProspectPage(this.db, this.cache, { method: req.method, url: req.url ?? '/', headers: req.headers }));
    } catch (error) {
      console.error('prospect page lookup failed:', error instanceof Error ? error.message : error); // Astro answers instead
    }
    if (page.kind === 'astro' || page.template === null) return astro(req, res);
    const values = { token: page.path.token, contact: page.room.contactName };
    if (page.template) return sendFilledPage(res, page.template, values);
    const { key, fingerprint } = page;
    const renderKey = `${key}\n${fingerprint}`;
    let pending = this.rendering.get(renderKey);
    if (!pending) {
      pending = this.renderTemplate(page.path.slug, page.room)
        .catch((error: unknown) => {
          console.error('template failed:', error instanceof Error ? error.message : error);
          return null;
        })
        .then((template) => {
          this.rendering.delete(renderKey);
          this.cache.set(key, fingerprint, template);
          return template;
        });
      this.rendering.set(renderKey, pending);
    }
    void pending.then((template) => {
      if (res.destroyed) return;
      if (template) sendFilledPage(res, template, values);
      else astro(req, res);
    });
  }

  private async renderTemplate(slug: string | undefined, room: ProspectRoom): Promise<PageTemplate | null> {
    const url = `/r/${this.marks.token}${slug === undefined ? '' : `/d/${slug}`}`;
    const response = await this.render(url, templateRoom(room, this.marks));
    return response ? compileTemplate(await renderedPage(response), this.marks) : null;
  }
}
