import { z } from 'zod';

export const documentCategories = [
  'overview',
  'whitepaper',
  'pricing',
  'security',
  'case-study',
  'roi',
  'implementation',
  'approval-template',
] as const;
export type DocumentCategory = (typeof documentCategories)[number];

export const attachmentFilePattern = /^[a-z0-9]+(?:[-_][a-z0-9]+)*\.(pdf|xlsx|csv)$/;

/** Frontmatter every document under content/ must carry; unknown fields are rejected. */
export const documentFrontmatter = z
  .object({
    title: z.string().trim().min(1).max(200),
    summary: z.string().trim().min(1).max(600),
    category: z.enum(documentCategories),
    language: z.enum(['ja', 'en']),
    version: z.string().trim().min(1).max(20),
    updated: z.coerce.date(),
    /** What changed in this version; readers of an older version see it. */
    note: z.string().trim().max(300).default(''),
    attachments: z
      .array(
        z
          .object({
            file: z.string().regex(attachmentFilePattern, 'lowercase name ending in .pdf, .xlsx or .csv, stored beside the Markdown'),
            label: z.string().trim().min(1).max(200),
          })
          .strict(),
      )
      .max(20)
      .default([]),
  })
  .strict();

export type DocumentFrontmatter = z.infer<typeof documentFrontmatter>;

const attachmentTypes: Record<string, string> = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

export function attachmentContentType(file: string): string {
  return attachmentTypes[file.split('.').pop() ?? ''] ?? 'application/octet-stream';
}
