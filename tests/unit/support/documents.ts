// Published documents for tests that need a room's documents to exist: each slug gets one version,
// checked, rendered and published through the real pipeline (src/server/documents).
import type { RingiDb } from '../../../src/server/db/client';
import { prepareVersion } from '../../../src/server/documents/content-sync';
import { publishDraft, saveDraft } from '../../../src/server/documents/versions';

export function testMarkdown(slug: string, options: { version?: string; note?: string; body?: string; category?: string } = {}): string {
  return [
    '---',
    `title: "${slug} の資料"`,
    'summary: "テスト用の資料。"',
    `category: ${options.category ?? 'overview'}`,
    'language: ja',
    `version: "${options.version ?? '1.0'}"`,
    'updated: 2026-11-01',
    ...(options.note ? [`note: "${options.note}"`] : []),
    '---',
    '',
    options.body ?? '## はじめに\n\n本文です。\n\n## まとめ\n\n以上です。',
    '',
  ].join('\n');
}

/** Publishes a version of each slug; returns slug → the new version's id. */
export async function publishTestDocuments(db: RingiDb, slugs: readonly string[], options: Parameters<typeof testMarkdown>[1] = {}, now = new Date()): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const slug of slugs) {
    const markdown = testMarkdown(slug, options);
    const prepared = await prepareVersion({ fileName: `${slug}.md`, markdown, attachment: () => undefined });
    if (!prepared.ok) throw new Error(prepared.problems.map((p) => p.message).join('; '));
    const id = await saveDraft(db, { ...prepared, markdown, source: 'studio', sourceName: `${slug}.md`, userId: null, now });
    await publishDraft(db, id, now);
    ids.set(slug, id);
  }
  return ids;
}
