// The outcome of a domain function that may refuse, one shape in every area:
// `{ ok: true, value }`, or `{ ok: false, reason }` (with `fieldErrors` when the input was invalid).
// Pages turn it into the admin form pipeline's answer (http/admin-form.ts).
export type Ok<T> = { ok: true; value: T };
/** One member per reason (distributive), so checking `reason` narrows as with hand-written unions. */
export type Refused<R extends string> = R extends string ? { ok: false; reason: R } : never;
export type Invalid<E> = { ok: false; reason: 'invalid'; fieldErrors: E };
export type Result<T, F extends Refused<string>> = Ok<T> | F;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
