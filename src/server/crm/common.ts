// Shared pieces of the CRM domain (accounts, contacts, opportunities): results, field errors,
// form-friendly zod schemas, search patterns and pagination. No Astro here: pages call these.
import { sql, type SQL } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { z, type ZodError } from 'zod';
import { blank } from '../form-fields';
import { ok, type Invalid, type Refused, type Result } from '../result';
import { isCalendarDate } from '../i18n/calendar';

export type { Actor } from '../auth/permissions';

/** Why a field was refused; pages translate `error.<code>` from src/server/crm/messages.ts. */
export const crmErrorCodes = [
  'required',
  'tooLong',
  'invalid',
  'invalidEmail',
  'invalidUrl',
  'invalidDate',
  'invalidAmount',
  'tooLarge',
  'invalidChoice',
  'unknownStage',
  'unknownAccount',
  'accountArchived',
  'unknownOwner',
  'ownerNotAllowed',
] as const;
export type CrmErrorCode = (typeof crmErrorCodes)[number];
export type FieldErrors<F extends string = string> = Partial<Record<F, CrmErrorCode>>;

export type CrmFailure<F extends string = string> = Invalid<FieldErrors<F>> | Refused<'forbidden' | 'not_found'>;
export type CrmResult<T, F extends string = string> = Result<T, CrmFailure<F>>;

export { ok };
export const forbidden = (): { ok: false; reason: 'forbidden' } => ({ ok: false, reason: 'forbidden' });
export const notFound = (): { ok: false; reason: 'not_found' } => ({ ok: false, reason: 'not_found' });
export const invalid = <F extends string>(fieldErrors: FieldErrors<F>): { ok: false; reason: 'invalid'; fieldErrors: FieldErrors<F> } => ({
  ok: false,
  reason: 'invalid',
  fieldErrors,
});

const isCode = (value: string): value is CrmErrorCode => (crmErrorCodes as readonly string[]).includes(value);

/** The first problem of each field, as a code (zod messages in these schemas are codes). */
export function fieldErrorsOf<F extends string>(error: ZodError): FieldErrors<F> {
  const errors: FieldErrors<F> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_') as F;
    if (errors[field]) continue;
    errors[field] = isCode(issue.message) ? issue.message : issue.code === 'too_big' ? 'tooLong' : 'invalid';
  }
  return errors;
}


export const requiredText = (max: number) =>
  z.preprocess(blank, z.string({ required_error: 'required', invalid_type_error: 'invalid' }).trim().min(1, 'required').max(max, 'tooLong'));

export const optionalText = (max: number) =>
  z
    .preprocess(blank, z.string({ invalid_type_error: 'invalid' }).trim().max(max, 'tooLong').optional())
    .transform((value) => value ?? null);

export const optionalEmail = z
  .preprocess(blank, z.string({ invalid_type_error: 'invalid' }).trim().max(254, 'tooLong').email('invalidEmail').optional())
  .transform((value) => value ?? null);

/** http(s) only (the value becomes a link); "example.co.jp" is taken as https://example.co.jp. */
export const optionalWebsite = z
  .preprocess(
    (value) => {
      const v = blank(value);
      if (typeof v !== 'string') return v;
      const trimmed = v.trim();
      return /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`;
    },
    z
      .string({ invalid_type_error: 'invalid' })
      .max(500, 'tooLong')
      .url('invalidUrl')
      .refine((url) => /^https?:\/\/[^/?#\s]+\.[^/?#\s]+/i.test(url), 'invalidUrl')
      .optional(),
  )
  .transform((value) => value ?? null);

export const optionalDate = z
  .preprocess(blank, z.string({ invalid_type_error: 'invalidDate' }).trim().refine(isCalendarDate, 'invalidDate').optional())
  .transform((value) => value ?? null);

/** Whole yen, at most ten trillion. */
export const MAX_AMOUNT_JPY = 10_000_000_000_000;

/** Whole yen; accepts "1,200,000", "￥1200000", "１２０万" is refused (not a plain number). */
export const amountJpy = z.preprocess(
  (value) => {
    const v = blank(value);
    if (typeof v !== 'string') return v;
    const plain = v.normalize('NFKC').replace(/[\s,¥￥]|円$/g, '');
    return /^\d+$/.test(plain) ? Number(plain) : Number.NaN;
  },
  z
    .number({ required_error: 'required', invalid_type_error: 'invalidAmount' })
    .int('invalidAmount')
    .min(0, 'invalidAmount')
    .max(MAX_AMOUNT_JPY, 'tooLarge'),
);

/** A positive whole number from a form field ("3"), else invalid. */
export const formInteger = (message: CrmErrorCode) =>
  z.preprocess(
    (value) => {
      const v = blank(value);
      if (typeof v === 'string') return /^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
      return v;
    },
    z.number({ required_error: 'required', invalid_type_error: message }).int(message),
  );

export const formEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(
    blank,
    z.enum(values as unknown as [T[number], ...T[number][]], {
      errorMap: (_issue, ctx) => ({ message: ctx.data === undefined ? 'required' : 'invalidChoice' }),
    }),
  );

/** A case-insensitive (ASCII) substring match with LIKE; Japanese text matches as typed. */
export function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function like(column: AnySQLiteColumn | SQL, query: string): SQL {
  return sql`lower(${column}) like lower(${containsPattern(query)}) escape '\\'`;
}

/** A search box's text: trimmed, full-width spaces too, bounded. Empty means no search. */
export function searchText(value: unknown): string {
  return typeof value === 'string' ? value.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '').slice(0, 100) : '';
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Page {
  limit: number;
  offset: number;
}

export function pageOf(input: { limit?: number; offset?: number } = {}): Page {
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
  const offset = Math.max(Math.trunc(input.offset ?? 0), 0);
  return { limit: Number.isFinite(limit) ? limit : DEFAULT_PAGE_SIZE, offset: Number.isFinite(offset) ? offset : 0 };
}

/** A page number from a query string ("?page=3"), 1 when missing or junk. */
export function pageNumber(value: string | null): number {
  const n = value && /^\d{1,6}$/.test(value) ? Number(value) : 1;
  return n >= 1 ? n : 1;
}

export interface Paged<T> {
  rows: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Which records a list shows: the working set (default), the archive, or both. */
export const archiveFilters = ['active', 'archived', 'all'] as const;
export type ArchiveFilter = (typeof archiveFilters)[number];

export function oneOf<T extends readonly string[]>(values: T, value: unknown, fallback: T[number]): T[number] {
  return typeof value === 'string' && (values as readonly string[]).includes(value) ? (value as T[number]) : fallback;
}

