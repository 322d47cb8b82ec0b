// A prospect page rendered once per room (not per link) as a template: Astro renders the real page
// for a room whose per-link fields are unguessable marks, and the production server fills in each
// link's own values (docs/adr/0006). This module is the part both sides share: which fields are
// per link, and how the server hands Astro the room to render.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProspectRoom } from './prospect-room';

/** Per-process random marks for the per-link values; letters and digits only, so no escaping or URL encoding changes them. */
export interface TemplateMarks {
  token: string;
  contact: string;
}

/** The room Astro renders a template from: the real room with every per-link field replaced. */
export function templateRoom(room: ProspectRoom, marks: TemplateMarks): ProspectRoom {
  return { ...room, accessLinkId: '', contactId: '', contactName: marks.contact };
}

/** What, besides the token and these fields, the page shows must be the same for every link of the room. */
export function roomTemplateFingerprint(room: ProspectRoom, branding: { organisationName: string; logoVersion: string | null }): string {
  // Dropping named fields (rather than listing the kept ones) keeps any field added later in the check.
  return JSON.stringify([{ ...room, accessLinkId: undefined, contactId: undefined, contactName: undefined }, branding.organisationName, branding.logoVersion]);
}

// One store for both bundled copies of this module in the process (main.ts's and Astro's, see
// db/process-store.ts). Only main.ts runs a render inside it, so no request can put a room there.
const STORE_KEY = Symbol.for('ringi.prospectTemplateRender');
const rendering = ((globalThis as Record<symbol, unknown>)[STORE_KEY] ??= new AsyncLocalStorage<ProspectRoom>()) as AsyncLocalStorage<ProspectRoom>;

/** Runs `render` (an Astro render started by main.ts) so that the prospect page shows `room`. */
export function renderTemplateOf<T>(room: ProspectRoom, render: () => T): T {
  return rendering.run(room, render);
}

/** The template room when the current render is one main.ts started, else undefined. */
export function templateRoomBeingRendered(): ProspectRoom | undefined {
  return rendering.getStore();
}
