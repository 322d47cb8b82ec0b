// Reading a POSTed admin form, the one way every admin page and endpoint does it: same-origin only,
// bounded size, strings and files apart.
import { adminHeaders, isSameOrigin } from '../auth/guard';
import { readCappedBody } from './body-limits';

/** `fields` holds each name's first value; `lists` every value, in order (checkbox lists, ordered inputs). */
export interface PostedForm {
  fields: Record<string, string>;
  lists: Record<string, string[]>;
  files: Record<string, File>;
  /** Every file of each name, in order (an upload with several attachments). */
  fileLists: Record<string, File[]>;
}

export type ReadForm =
  | ({ ok: true } & PostedForm)
  | { ok: false; status: 400 | 403 | 413; problem: 'badRequest' | 'crossSite' | 'tooLarge' };

/**
 * The body, or 'tooLarge' as soon as it passes `maxBytes`, announced or streamed (a chunked body
 * announces no length); a body that breaks off counts as too large.
 */
export async function readBoundedBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | 'tooLarge'> {
  if (!request.body) return new Uint8Array(0);
  try {
    return await readCappedBody(request.body, request.headers.get('content-length'), maxBytes, (unread) => void unread?.return?.()?.catch(() => {}));
  } catch {
    return 'tooLarge'; // the production server's cap (request-guard.ts) ended the stream
  }
}

/**
 * The form of a POST, at most `maxBytes` long (announced or streamed). Cross-site posts are refused
 * here too: Astro's origin check runs in the built server but not under `astro dev`, and these forms
 * change passwords, roles and secrets.
 */
export async function readForm(request: Request, url: URL, maxBytes: number): Promise<ReadForm> {
  if (!isSameOrigin(request, url)) return { ok: false, status: 403, problem: 'crossSite' };
  let form: FormData;
  try {
    const body = await readBoundedBody(request, maxBytes);
    if (body === 'tooLarge') return { ok: false, status: 413, problem: 'tooLarge' };
    form = await new Response(body, { headers: { 'content-type': request.headers.get('content-type') ?? '' } }).formData();
  } catch {
    return { ok: false, status: 400, problem: 'badRequest' };
  }
  const fields: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const files: Record<string, File> = {};
  const fileLists: Record<string, File[]> = {};
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      if (!(name in fields)) fields[name] = value;
      (lists[name] ??= []).push(value);
    } else {
      if (!(name in files)) files[name] = value;
      (fileLists[name] ??= []).push(value);
    }
  }
  return { ok: true, fields, lists, files, fileLists };
}

/** The answer to a cross-site post: nothing rendered, nothing changed. */
export function crossSiteRefusal(): Response {
  return new Response('Cross-site form submissions are forbidden.', {
    status: 403,
    headers: { ...adminHeaders, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}
