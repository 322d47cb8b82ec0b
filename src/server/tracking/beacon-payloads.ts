// What the page script may send. Every field is capped; anything else is a 4xx that changes nothing.
import { z } from 'zod';
import { automationMarkers, presenceInputs } from './presence';

export const MAX_SECTIONS = 200;
const MAX_SECONDS = 24 * 60 * 60;

export const sectionIdPattern = /^[^\s"'<>\\]{1,200}$/u;

export const viewStartPayload = z
  .object({
    slug: z.string().min(1).max(120),
    /** The document version the page shows; absent from pages built before versions. */
    versionId: z.string().min(1).max(64).optional(),
    /** The first trusted input event the page saw: a view starts only with one (presence.ts). */
    input: z.enum(presenceInputs).optional(),
    /** Automation markers the page saw: the page reports itself as a scanner that ran scripts. */
    automation: z.array(z.enum(automationMarkers)).max(automationMarkers.length).optional(),
  })
  .strict();

export const heartbeatPayload = z
  .object({
    /** Increases with every beacon of a view; a beacon not newer than the last applied one is a replay. */
    seq: z.number().int().min(1).max(1_000_000),
    /** Cumulative active seconds of this view (visible tab, recent interaction). */
    activeSeconds: z.number().int().min(0).max(MAX_SECONDS),
    maxScrollPercent: z.number().int().min(0).max(100),
    /** Cumulative active seconds per section (heading id) of this view. */
    sections: z
      .record(z.string().regex(sectionIdPattern), z.number().int().min(0).max(MAX_SECONDS))
      .refine((s) => Object.keys(s).length <= MAX_SECTIONS, `at most ${MAX_SECTIONS} sections`)
      .default({}),
    printed: z.boolean().default(false),
  })
  .strict();

export type HeartbeatPayload = z.infer<typeof heartbeatPayload>;
