// The one error shape of Ringi's JSON APIs: { "error": { "code": "...", "message": "..." } }.
export type ErrorCode =
  | 'bad_request'
  | 'invalid_payload'
  | 'not_found'
  | 'gone'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unknown_section'
  | 'forbidden'
  | 'unauthorized'
  | 'rate_limited'
  | 'conflict'
  | 'unavailable';

export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

const noStore = { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' };

export function jsonError(status: number, code: ErrorCode, message: string): Response {
  return new Response(JSON.stringify(errorBody(code, message)), { status, headers: noStore });
}

export function jsonOk(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...noStore, ...headers } });
}

/** Zod issues as one readable line: "activeSeconds: Number must be greater than or equal to 0". */
export function describeIssues(issues: readonly { path: (string | number)[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
