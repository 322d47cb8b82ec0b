// The admin form pipeline (read → authorize → act → respond) and its one refusal page, and the
// settings page's forms run through it against a real database.
import { beforeAll, describe, expect, it } from 'vitest';
import { pipelineStages, users } from '../../db/schema';
import type { SessionUser } from '../../src/server/auth/sessions';
import { authorize, handleAdminForm, type FormOutcome } from '../../src/server/http/admin-form';
import { refusalResponse } from '../../src/server/http/refusal';
import { getSettings } from '../../src/server/settings/settings';
import { settingsFormView, submitSettingsForm } from '../../src/server/settings/settings-form';
import { useTempDatabase } from './support/temp-db';

const url = new URL('http://127.0.0.1:4321/admin/settings');
const admin = { id: 'admin-1', role: 'admin', locale: 'en', email: 'a@example.com', displayName: 'Admin' } as SessionUser;
const rep = { ...admin, id: 'rep-1', role: 'rep', locale: 'ja' } as SessionUser;

function post(fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(url, { method: 'POST', body: new URLSearchParams(fields), headers: { origin: url.origin, ...headers } });
}

/** Runs the pipeline with an act that records what it was given and answers `outcome`. */
async function run(request: Request, outcome: FormOutcome<string>, spec: { refuse?: ReturnType<typeof authorize> } = {}) {
  const context = { request, url, response: {} as { status?: number } };
  const acted: Record<string, string>[] = [];
  const answer = await handleAdminForm(context, admin, { ...spec, act: (form) => (acted.push(form.fields), outcome) });
  return { answer, acted, status: context.response.status };
}

describe('the admin form pipeline', () => {
  it('does nothing on GET', async () => {
    expect((await run(new Request(url), { ok: true, redirect: '/x' })).answer).toBeNull();
  });

  it('redirects (303, admin headers) where a saved form leads', async () => {
    const { answer, acted } = await run(post({ name: 'x' }), { ok: true, redirect: '/admin/settings?saved=general#general' });
    expect(acted).toEqual([{ name: 'x' }]);
    if (!(answer instanceof Response)) throw new Error('expected a response');
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/admin/settings?saved=general#general');
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
  });

  it('hands a refused form back to the page with its status', async () => {
    expect(await run(post({}), { ok: false, reason: 'invalid', failed: 'errors' })).toMatchObject({ answer: 'errors', status: 400 });
    expect(await run(post({}), { ok: false, reason: 'invalid', failed: 'busy', status: 409 })).toMatchObject({ answer: 'busy', status: 409 });
    expect(await run(post({}), { ok: true, show: 'password' })).toMatchObject({ answer: 'password', status: undefined });
  });

  it('refuses cross-site posts with the origin check’s text, before anything is acted on', async () => {
    const { answer, acted } = await run(post({ name: 'x' }, { origin: 'https://evil.example' }), { ok: true, redirect: '/x' });
    if (!(answer instanceof Response)) throw new Error('expected a response');
    expect(answer.status).toBe(403);
    expect(await answer.text()).toBe('Cross-site form submissions are forbidden.');
    expect(acted).toEqual([]);
  });

  it('answers every other refusal with the one refusal page: not allowed, not found, unreadable, too large', async () => {
    const cases = [
      { request: post({}), spec: { refuse: authorize({ ownerUserId: 'someone' }, () => false) }, status: 403, kind: 'forbidden' },
      { request: post({}), spec: { refuse: authorize(null, () => true) }, status: 404, kind: 'not_found' },
      { request: post({}, { 'content-type': 'application/json' }), spec: {}, status: 400, kind: 'bad_request' },
      { request: post({ big: 'x'.repeat(70 * 1024) }), spec: {}, status: 413, kind: 'too_large' },
    ];
    for (const { request, spec, status, kind } of cases) {
      const { answer, acted } = await run(request, { ok: true, redirect: '/x' }, spec);
      if (!(answer instanceof Response)) throw new Error(`${kind}: expected a response`);
      expect(answer.status, kind).toBe(status);
      expect(answer.headers.get('content-type'), kind).toBe('text/html; charset=utf-8');
      expect(await answer.text(), kind).toContain(`<main data-refusal="${kind}">`);
      expect(acted, kind).toEqual([]);
    }
    // A refusal the act step finds (the domain function said no) is the same page, with its reason.
    const { answer } = await run(post({}), { ok: false, reason: 'forbidden', detail: (lang) => (lang === 'en' ? 'Only the owner.' : '担当者のみ。') });
    if (!(answer instanceof Response)) throw new Error('expected a response');
    const html = await answer.text();
    expect(answer.status).toBe(403);
    expect(html).toContain('<section lang="en"><h1>Forbidden</h1><p>Only the owner.</p>');
    expect(html).toContain('<section lang="ja"><h1>権限がありません</h1><p>担当者のみ。</p>');
  });

  it('the refusal page puts the reader’s language first and leads back where asked', async () => {
    const html = await refusalResponse('ja', 'not_found', { back: { href: '/admin/users', label: (lang) => (lang === 'ja' ? '一覧へ' : 'To the list') } }).text();
    expect(html).toMatch(/^<!doctype html>\n<html lang="ja">/);
    expect(html.indexOf('<section lang="ja">')).toBeLessThan(html.indexOf('<section lang="en">'));
    expect(html).toContain('<a href="/admin/users">← 一覧へ</a>');
    expect(html).toContain('<a href="/admin/users">← To the list</a>');
  });
});

describe('the settings page’s forms', () => {
  const db = useTempDatabase();
  beforeAll(async () => {
    await db.insert(users).values([{ id: admin.id, email: admin.email, displayName: 'Admin', role: 'admin' }]);
  });

  it('saves a section and redirects to it with its notice', async () => {
    const outcome = await submitSettingsForm(db, admin, { fields: { _action: 'general', organisationName: ' 株式会社テスト ', defaultRoomLocale: 'en', defaultLinkExpiryDays: '30' }, lists: {}, files: {}, fileLists: {} });
    expect(outcome).toEqual({ ok: true, redirect: '/admin/settings?saved=general#general' });
    expect(await getSettings(db)).toMatchObject({ organisationName: '株式会社テスト', defaultRoomLocale: 'en', defaultLinkExpiryDays: 30 });
  });

  it('gives a refused section back with errors keyed by its field names, and saves nothing', async () => {
    const stages = await db.select().from(pipelineStages);
    const fields: Record<string, string> = { _action: 'stages' };
    for (const s of stages) Object.assign(fields, { [`stage-${s.number}-labelJa`]: s.labelJa, [`stage-${s.number}-labelEn`]: s.labelEn });
    fields[`stage-${stages[0]!.number}-labelJa`] = '';
    const outcome = await submitSettingsForm(db, admin, { fields, lists: {}, files: {}, fileLists: {} });
    expect(outcome).toEqual({ ok: false, reason: 'invalid', failed: { section: 'stages', fieldErrors: { [`stage.${stages[0]!.number}.labelJa`]: 'required' }, submitted: fields } });
    expect(await db.select().from(pipelineStages)).toEqual(stages);
    if (outcome.ok || outcome.reason !== 'invalid') throw new Error('expected a refused form');
    const view = settingsFormView('en', outcome.failed, null);
    expect(view.summary('stages')).toEqual([{ id: `stage-${stages[0]!.number}-labelJa`, label: expect.stringContaining(String(stages[0]!.number)), message: expect.any(String) }]);
    expect(view.summary('general')).toEqual([]);
    expect(view.shown('stages', `stage-${stages[0]!.number}-labelJa`, 'stored')).toBe('');
    expect(view.saved).toBeNull();
  });

  it('refuses an empty logo, an unknown user and an unknown form before saving', async () => {
    const empty = await submitSettingsForm(db, admin, { fields: { _action: 'logo' }, lists: {}, files: { logo: new File([], 'logo.png') }, fileLists: {} });
    expect(empty).toMatchObject({ ok: false, reason: 'invalid', failed: { section: 'logo', fieldErrors: { logo: 'logoEmpty' } } });
    const noUser = await submitSettingsForm(db, admin, { fields: { _action: 'user-webhook-set', userWebhookUrl: 'https://hooks.slack.com/x' }, lists: {}, files: {}, fileLists: {} });
    expect(noUser).toMatchObject({ ok: false, reason: 'invalid', failed: { section: 'webhooks', fieldErrors: { userId: 'required' } } });
    expect(await submitSettingsForm(db, admin, { fields: { _action: 'nonsense' }, lists: {}, files: {}, fileLists: {} })).toEqual({ ok: false, reason: 'bad_request' });
  });

  it('refuses a rep (the domain checks again behind the page’s guard)', async () => {
    const outcome = await submitSettingsForm(db, rep, { fields: { _action: 'retention', retentionDays: '90' }, lists: {}, files: {}, fileLists: {} });
    expect(outcome).toEqual({ ok: false, reason: 'forbidden' });
  });
});
