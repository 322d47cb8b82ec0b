// Reading a POSTed admin form, the one way every admin page and endpoint does it: same-origin only,
// bounded size, strings and files apart.
import { adminHeaders, isSameOrigin } from '../auth/guard';

export type ReadForm =
  | { ok: true; fields: Record<string, string>; files: Record<string, File> }
  | { ok: false; status: 400 | 403 | 413; problem: 'badRequest' | 'crossSite' | 'tooLarge' };

/**
 * The form of a POST, refusing bodies announced larger than `maxBytes` before reading them. Cross-site
 * posts are refused here too: Astro's origin check runs in the built server but not under
 * `astro dev`, and these forms change passwords, roles and secrets.
 */
export async function readForm(request: Request, url: URL, maxBytes: number): Promise<ReadForm> {
  if (!isSameOrigin(request, url)) return { ok: false, status: 403, problem: 'crossSite' };
  const length = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(length) && length > maxBytes) return { ok: false, status: 413, problem: 'tooLarge' };
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return { ok: false, status: 400, problem: 'badRequest' };
  }
  const fields: Record<string, string> = {};
  const files: Record<string, File> = {};
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      if (!(name in fields)) fields[name] = value;
    } else if (!(name in files)) files[name] = value;
  }
  return { ok: true, fields, files };
}

/** Form size limits: the logo form carries a file of up to 200 KB, the others only text. */
export const MAX_SETTINGS_FORM_BYTES = 512 * 1024;
export const MAX_TEXT_FORM_BYTES = 64 * 1024;

/** The answer to a cross-site post: nothing rendered, nothing changed. */
export function crossSiteRefusal(): Response {
  return new Response('Cross-site form submissions are forbidden.', {
    status: 403,
    headers: { ...adminHeaders, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}
