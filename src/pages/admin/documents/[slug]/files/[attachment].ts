// GET: an attachment for a signed-in rep (prospects get theirs through their access link). Only
// files declared in the document's frontmatter, matched by exact name; nothing is recorded.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { APIRoute } from 'astro';
import { adminHeaders, requireUser } from '../../../../../server/auth/guard';
import { config } from '../../../../../server/config';
import { getDocument } from '../../../../../server/documents/catalog';
import { attachmentContentType } from '../../../../../server/documents/frontmatter';
import { documentOffersAttachment, isValidSlug } from '../../../../../server/rooms/access-rules';

export const prerender = false;

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const slug = context.params.slug ?? '';
  const file = context.params.attachment ?? '';
  const entry = isValidSlug(slug) ? await getDocument(slug) : undefined;
  if (entry && documentOffersAttachment(entry.data.attachments, file)) {
    // The name was matched against the frontmatter list, so it cannot climb out of content/.
    const bytes = await fs.readFile(path.join(config.contentDir, file)).catch(() => undefined);
    if (bytes) {
      return new Response(bytes, {
        status: 200,
        headers: {
          ...adminHeaders,
          'Content-Type': attachmentContentType(file),
          'Content-Length': String(bytes.byteLength),
          'Content-Disposition': `attachment; filename="${file}"`,
        },
      });
    }
  }
  return new Response('Not found', { status: 404, headers: { ...adminHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });
};
