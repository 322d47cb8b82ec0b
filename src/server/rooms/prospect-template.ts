// A prospect page rendered once per room (not per link) as a template: Astro renders the real page
// for a room whose per-link fields are unguessable marks, and the production server fills in each
// link's own values (docs/adr/0006). This module is the part both sides share: which fields are
// per link. The server hands the room to the page in Astro.locals.templateRoom (src/env.d.ts).
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
