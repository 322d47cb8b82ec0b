// Document versions: publishing keeps the old ones, withdrawing moves "current" back, views record
// the version read, and a reader of an older version is told; content/ syncs only what changed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, documentFiles, documents, documentViews, opportunities, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { syncContentDirectory } from '../../src/server/documents/content-sync';
import { currentVersion, discardStaleDrafts, DRAFT_KEEP_DAYS, getVersion, publishDraft, saveDraft, versionFile, versionHistory, withdrawVersion } from '../../src/server/documents/versions';
import { prepareVersion } from '../../src/server/documents/content-sync';
import { submitUpload } from '../../src/server/documents/studio';
import { loadProspectRoom } from '../../src/server/rooms/prospect-room';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { startView } from '../../src/server/tracking/ingest';
import { publishTestDocuments, testMarkdown } from './support/documents';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const day = (n: number) => new Date(Date.UTC(2026, 11, n, 1));

describe('publishing versions', () => {
  it('numbers versions, keeps the old ones and makes the newest current', async () => {
    const v1 = (await publishTestDocuments(db, ['whitepaper'], { version: '1.0' }, day(1))).get('whitepaper')!;
    const v2 = (await publishTestDocuments(db, ['whitepaper'], { version: '2.0', note: '料金表を更新' }, day(2))).get('whitepaper')!;
    const history = await versionHistory(db, 'whitepaper');
    expect(history.map((v) => [v.id, v.number, v.status, v.versionLabel])).toEqual([
      [v2, 2, 'published', '2.0'],
      [v1, 1, 'published', '1.0'],
    ]);
    expect((await currentVersion(db, 'whitepaper'))?.id).toBe(v2);
    expect((await getVersion(db, v2))).toMatchObject({ note: '料金表を更新', publishedAt: day(2) });
    // The HTML is stored, rendered and sanitised at publish time, with heading ids.
    expect((await getVersion(db, v1))!.html).toContain('<h2 id="はじめに">はじめに</h2>');
  });

  it('stores sanitised HTML only: raw script never reaches the database', async () => {
    const markdown = testMarkdown('hostile', { body: '## 見出し\n\n<script>alert(1)</script><img src="x" onerror="alert(1)">\n\n[x](javascript:alert(1))' });
    const prepared = await prepareVersion({ fileName: 'hostile.md', markdown, attachment: () => undefined });
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    expect(prepared.rendered.stripped).toEqual(expect.arrayContaining(['<script>', 'onError=']));
    const id = await saveDraft(db, { ...prepared, markdown, source: 'studio', sourceName: 'hostile.md', userId: null, now: day(1) });
    const html = (await getVersion(db, id))!.html;
    expect(html).not.toMatch(/<script|onerror|javascript:/i);
  });

  it('a draft is not current until published, and publishes once', async () => {
    const markdown = testMarkdown('draft-only');
    const prepared = await prepareVersion({ fileName: 'draft-only.md', markdown, attachment: () => undefined });
    if (!prepared.ok) throw new Error('expected a valid document');
    const id = await saveDraft(db, { ...prepared, markdown, source: 'studio', sourceName: 'draft-only.md', userId: null, now: day(1) });
    expect(await currentVersion(db, 'draft-only')).toBeUndefined();
    expect(await versionHistory(db, 'draft-only')).toEqual([]);
    expect(await publishDraft(db, id, day(1))).toEqual({ ok: true, number: 1, slug: 'draft-only' });
    expect(await publishDraft(db, id, day(1))).toEqual({ ok: false, reason: 'notDraft' });
    expect(await publishDraft(db, 'nope', day(1))).toEqual({ ok: false, reason: 'notFound' });
  });

  it('withdrawing keeps the version in history and makes the newest remaining one current', async () => {
    const [v2, v1] = await versionHistory(db, 'whitepaper');
    expect(await withdrawVersion(db, v2!.id, null, day(3))).toEqual({ ok: true, slug: 'whitepaper', currentVersionId: v1!.id });
    expect((await versionHistory(db, 'whitepaper')).map((v) => [v.number, v.status])).toEqual([
      [2, 'withdrawn'],
      [1, 'published'],
    ]);
    expect(await withdrawVersion(db, v2!.id, null, day(3))).toEqual({ ok: false, reason: 'notPublished' });
    expect(await withdrawVersion(db, v1!.id, null, day(3))).toEqual({ ok: true, slug: 'whitepaper', currentVersionId: null });
    expect(await currentVersion(db, 'whitepaper')).toBeUndefined();
    // A new version brings the document back; numbering goes on.
    await publishTestDocuments(db, ['whitepaper'], { version: '3.0' }, day(4));
    expect((await currentVersion(db, 'whitepaper'))?.number).toBe(3);
  });
});

describe('what a reader sees', () => {
  let token = '';
  beforeAll(async () => {
    await publishTestDocuments(db, ['roi-sheet'], { version: '1.0' }, day(1));
    await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤 健太' });
    await db.insert(accounts).values({ id: 'a1', name: '株式会社テスト' });
    await db.insert(contacts).values({ id: 'c1', accountId: 'a1', name: '山田 太郎' });
    await db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '全社導入', stage: 3, channel: 'event', ownerUserId: 'u1' });
    await db.insert(rooms).values({ id: 'r1', opportunityId: 'o1', locale: 'ja' });
    await db.insert(roomDocuments).values([
      { roomId: 'r1', documentSlug: 'roi-sheet', position: 0 },
      { roomId: 'r1', documentSlug: 'never-published', position: 1 },
    ]);
    token = (await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' })).token;
  });

  const room = async () => {
    const access = await loadProspectRoom(db, token, day(5));
    if (access.status !== 'active') throw new Error('expected an active link');
    return access.room;
  };

  it('rooms offer the current version; a document with none is skipped', async () => {
    const current = await currentVersion(db, 'roi-sheet');
    expect((await room()).documentSlugs).toEqual(['roi-sheet']);
    expect((await room()).documentVersions).toEqual({ 'roi-sheet': current!.id });
    expect((await room()).updatedSinceRead).toEqual([]);
  });

  it('a view records the version read; a newer version tells the reader it was updated since', async () => {
    const v1 = (await currentVersion(db, 'roi-sheet'))!;
    const scope = await room();
    await startView(db, { scope, documentSlug: 'roi-sheet', documentVersionId: v1.id, sectionIds: [], deviceId: 'd1', deviceLabel: 'Chrome', networkHash: null, now: day(5) }, { delayMs: 60_000 });
    expect(await db.select({ v: documentViews.documentVersionId }).from(documentViews)).toEqual([{ v: v1.id }]);
    expect((await room()).updatedSinceRead).toEqual([]);

    const v2 = (await publishTestDocuments(db, ['roi-sheet'], { version: '2.0', note: '前提を更新' }, day(6))).get('roi-sheet')!;
    expect((await room()).documentVersions).toEqual({ 'roi-sheet': v2 });
    expect((await room()).updatedSinceRead).toEqual(['roi-sheet']);

    // Reading the new version clears it.
    await startView(db, { scope, documentSlug: 'roi-sheet', documentVersionId: v2, sectionIds: [], deviceId: 'd1', deviceLabel: 'Chrome', networkHash: null, now: day(7) }, { delayMs: 60_000 });
    expect((await room()).updatedSinceRead).toEqual([]);
  });
});

describe('content/ sync', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-content-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');

  it('two instances syncing the same new file at once publish it once', async () => {
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-content-race-'));
    try {
      fs.writeFileSync(path.join(shared, 'race-doc.md'), testMarkdown('race-doc'));
      const reports = await Promise.all([syncContentDirectory(db, shared, day(1)), syncContentDirectory(db, shared, day(1))]);
      expect(reports.flatMap((r) => r.published)).toEqual([{ slug: 'race-doc', number: 1 }]);
      expect(reports.flatMap((r) => r.unchanged)).toEqual(['race-doc']);
      expect((await versionHistory(db, 'race-doc')).map((v) => v.number)).toEqual([1]);
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  it('publishes new and changed files only, with attachments; a broken file keeps its current version', async () => {
    fs.writeFileSync(path.join(dir, 'git-doc.md'), testMarkdown('git-doc').replace('updated: 2026-11-01', 'updated: 2026-11-01\nattachments:\n  - file: git-doc.pdf\n    label: "PDF"'));
    fs.writeFileSync(path.join(dir, 'git-doc.pdf'), pdf);
    const first = await syncContentDirectory(db, dir, day(1));
    expect(first).toMatchObject({ published: [{ slug: 'git-doc', number: 1 }], unchanged: [], problems: [] });
    const v1 = (await currentVersion(db, 'git-doc'))!;
    expect(v1).toMatchObject({ source: 'git', sourceName: `${path.basename(dir)}/git-doc.md` });
    expect(await versionFile(db, v1.id, 'git-doc.pdf')).toEqual(pdf);

    expect(await syncContentDirectory(db, dir, day(2))).toMatchObject({ published: [], unchanged: ['git-doc'] });

    // The studio publishes over it: an unchanged file does not take it back (the newest publish wins).
    await publishTestDocuments(db, ['git-doc'], { version: 'studio' }, day(3));
    expect(await syncContentDirectory(db, dir, day(4))).toMatchObject({ published: [], unchanged: ['git-doc'] });
    expect((await currentVersion(db, 'git-doc'))?.versionLabel).toBe('studio');

    // A changed file is a new version.
    fs.writeFileSync(path.join(dir, 'git-doc.pdf'), Buffer.from('%PDF-1.4\nchanged\n%%EOF\n'));
    expect(await syncContentDirectory(db, dir, day(5))).toMatchObject({ published: [{ slug: 'git-doc', number: 3 }] });

    // A broken file: every problem reported with the file named, nothing published.
    fs.writeFileSync(path.join(dir, 'git-doc.md'), testMarkdown('git-doc').replace('category: overview', 'category: brochure\ncolour: red'));
    const broken = await syncContentDirectory(db, dir, day(6));
    expect(broken.published).toEqual([]);
    expect(broken.problems.map((p) => [p.file, p.line, p.field])).toEqual([
      [`${path.basename(dir)}/git-doc.md`, 4, 'category'],
      [`${path.basename(dir)}/git-doc.md`, 5, 'colour'],
    ]);
    expect((await currentVersion(db, 'git-doc'))?.number).toBe(3);
    const [row] = await db.select().from(documents).where(eq(documents.slug, 'git-doc'));
    expect(row?.currentVersionId).toBe((await currentVersion(db, 'git-doc'))?.id);
  });
});

describe('the studio upload', () => {
  // u1: the rep inserted above (drafts name who submitted them).
  const actor = { id: 'u1', locale: 'en' as const };
  const markdown = testMarkdown('studio-doc').replace('updated: 2026-11-01', 'updated: 2026-11-01\nattachments:\n  - file: studio-doc.pdf\n    label: "PDF"');
  const pdfFile = new File([Buffer.from('%PDF-1.4\n%%EOF\n')], 'studio-doc.pdf', { type: 'application/pdf' });

  it('keeps a valid upload as a draft, the uploaded file winning over pasted text', async () => {
    const result = await submitUpload(db, { markdownFile: new File([markdown], 'studio-doc.md'), pastedMarkdown: 'ignored', pastedFileName: '', attachments: [pdfFile] }, actor);
    expect(result).toMatchObject({ ok: true, slug: 'studio-doc', stripped: [] });
    if (!result.ok) return;
    expect(await getVersion(db, result.draftId)).toMatchObject({ status: 'draft', source: 'studio', sourceName: 'studio-doc.md', createdByUserId: 'u1' });
    expect(await versionFile(db, result.draftId, 'studio-doc.pdf')).toEqual(Buffer.from('%PDF-1.4\n%%EOF\n'));
  });

  it('gives back every problem with the text to fix, and stores nothing', async () => {
    const broken = markdown.replace('category: overview', 'category: flyer');
    const result = await submitUpload(db, { markdownFile: null, pastedMarkdown: broken.replace(/\n/g, '\r\n'), pastedFileName: 'studio-doc.md', attachments: [] }, actor);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.markdown).toBe(broken);
    expect(result.problems.map((p) => p.field)).toEqual(['category', 'attachments[0].file']);
    expect(result.problems[1]!.message).toContain('"studio-doc.pdf" is not in the upload');
  });

  it('tells the editor what unsafe HTML it removed', async () => {
    const hostile = testMarkdown('studio-hostile', { body: '## 見出し\n\n<iframe src="https://evil.example"></iframe>本文' });
    const result = await submitUpload(db, { markdownFile: null, pastedMarkdown: hostile, pastedFileName: 'studio-hostile.md', attachments: [] }, actor);
    expect(result).toMatchObject({ ok: true, stripped: ['<iframe>', 'src='] });
  });

  it('discards drafts nobody published after the keep period, with their files; published versions and fresh drafts stay', async () => {
    const submitted = new Date(Date.UTC(2026, 9, 1));
    const submit = async (slug: string, at: Date) => {
      const text = testMarkdown(slug).replace('updated: 2026-11-01', `updated: 2026-11-01\nattachments:\n  - file: ${slug}.pdf\n    label: "PDF"`);
      const pdf = new File([Buffer.from('%PDF-1.4\n%%EOF\n')], `${slug}.pdf`, { type: 'application/pdf' });
      const result = await submitUpload(db, { markdownFile: null, pastedMarkdown: text, pastedFileName: `${slug}.md`, attachments: [pdf] }, actor, at);
      if (!result.ok) throw new Error('expected a valid upload');
      return result.draftId;
    };
    const abandoned = await submit('abandoned-draft', submitted);
    const published = await submit('kept-published', submitted);
    await publishDraft(db, published, submitted);
    const olderDraftOfPublished = await submit('kept-published', submitted);
    const keepUntil = new Date(submitted.getTime() + DRAFT_KEEP_DAYS * 24 * 60 * 60 * 1000);
    const fresh = await submit('fresh-draft', keepUntil);

    expect(await discardStaleDrafts(db, keepUntil)).toBe(0); // exactly the keep period: still kept
    expect(await discardStaleDrafts(db, new Date(keepUntil.getTime() + 1))).toBe(2);
    expect(await getVersion(db, abandoned)).toBeUndefined();
    expect(await getVersion(db, olderDraftOfPublished)).toBeUndefined();
    expect(await db.select().from(documentFiles).where(eq(documentFiles.versionId, abandoned))).toEqual([]);
    // A document only the discarded draft had brought in is gone; one with a published version stays.
    expect(await db.select().from(documents).where(eq(documents.slug, 'abandoned-draft'))).toEqual([]);
    expect((await currentVersion(db, 'kept-published'))?.id).toBe(published);
    expect(await versionFile(db, published, 'kept-published.pdf')).toEqual(Buffer.from('%PDF-1.4\n%%EOF\n'));
    expect(await getVersion(db, fresh)).toMatchObject({ status: 'draft' });
  });

  it('refuses a Markdown file that is not UTF-8, and an empty submission', async () => {
    const latin1 = await submitUpload(db, { markdownFile: new File([new Uint8Array([0x2d, 0x2d, 0x2d, 0x0a, 0xe9, 0xff])], 'x.md'), pastedMarkdown: '', pastedFileName: '', attachments: [] }, actor);
    expect(latin1).toMatchObject({ ok: false, problems: [{ file: 'x.md', message: 'Save the Markdown file as UTF-8.' }] });
    const empty = await submitUpload(db, { markdownFile: null, pastedMarkdown: '  ', pastedFileName: '', attachments: [] }, actor);
    expect(empty).toMatchObject({ ok: false, problems: [{ message: 'Choose a Markdown file or paste its text.' }] });
  });
});
