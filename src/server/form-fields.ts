// zod pieces for admin form fields, which arrive as strings. Each area's schemas (crm/common.ts,
// settings/users.ts, settings/settings.ts) build on these; their messages are error codes the
// pages translate.
import { z } from 'zod';

/** An empty or blank string means "not given". */
export const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** One of `values`; anything else is 'invalidChoice'. */
export const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values as unknown as [T[number], ...T[number][]], { errorMap: () => ({ message: 'invalidChoice' }) });
