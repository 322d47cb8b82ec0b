// GET: an attachment for a signed-in rep (prospects get theirs through their access link). Only
// files declared in the document's frontmatter, matched by exact name; nothing is recorded.
import type { APIRoute } from 'astro';
import { adminHeaders, requireUser } from '../../../../../server/auth/guard';
import { getDb } from '../../../../../server/db/client';
import { documentVersion, getDocument } from '../../../../../server/documents/catalog';
import { versionFile } from '../../../../../server/documents/versions';
import { attachmentContentType } from '../../../../../server/documents/frontmatter';
import { documentOffersAttachment, isValidSlug } from '../../../../../server/rooms/access-rules';

export const prerender = false;

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context, { roles: ['admin', 'rep', 'content'] });
  if (user instanceof Response) return user;
  const slug = context.params.slug ?? '';
  const file = context.params.attachment ?? '';
  // ?version=<id>: a draft's or an older version's copy (the studio's preview and history).
  const versionId = context.url.searchParams.get('version');
  const entry = !isValidSlug(slug) ? undefined : versionId ? await documentVersion(versionId) : await getDocument(slug);
  if (entry && entry.slug === slug && documentOffersAttachment(entry.attachments, file)) {
    const bytes = await versionFile(getDb(), entry.id, file);
    if (bytes) {
      return new Response(new Uint8Array(bytes), {
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
