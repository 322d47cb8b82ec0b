import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, opportunities, pipelineStages, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import {
  asciiFileName,
  contentDisposition,
  CSV_BOM,
  csvCell,
  csvRow,
  formatCsvTimestamp,
  guardFormula,
  MAX_RANGE_DAYS,
  parseExportRange,
  viewsCsvChunks,
  viewsCsvHeader,
  viewsCsvStream,
  type ViewsCsvOptions,
  type ViewsExportScope,
} from '../../src/server/exports/views-csv';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordAutomatedOpen, recordDownload, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { useTempDatabase } from './support/temp-db';

describe('CSV cells and rows', () => {
  it('quotes commas, quotes and line breaks, and leaves plain text alone', () => {
    expect(csvCell('山田 太郎')).toBe('山田 太郎');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell('line1\r\nline2')).toBe('"line1\r\nline2"');
    expect(csvCell('')).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(true)).toBe('1');
    expect(csvCell(false)).toBe('0');
  });

  it('keeps formulas from running: = + - @ tab and CR get an apostrophe', () => {
    expect(guardFormula('=HYPERLINK("http://evil.example","x")')).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+81-3-1234')).toBe("'+81-3-1234");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('=A1,B1')).toBe(`"'=A1,B1"`);
    expect(csvCell('a=b')).toBe('a=b');
    // Numbers the export writes itself are numbers, not text.
    expect(csvCell(-1)).toBe('-1');
  });

  it('ends every row with CRLF', () => {
    expect(csvRow(['a', 1, null, 'x,y'])).toBe('a,1,,"x,y"\r\n');
  });

  it('writes local wall-clock timestamps in the given zone', () => {
    const instant = new Date('2026-11-20T15:30:05Z');
    expect(formatCsvTimestamp(instant, 'Asia/Tokyo')).toBe('2026-11-21 00:30:05');
    expect(formatCsvTimestamp(instant, 'UTC')).toBe('2026-11-20 15:30:05');
  });

  it('names the time zone in the header, in the reader’s language', () => {
    const ja = viewsCsvHeader('ja', 'Asia/Tokyo');
    expect(ja[0]).toBe('開始日時 (Asia/Tokyo)');
    expect(ja).toHaveLength(21);
    // People's columns first (when, who, what, how long), the deal next, ids last.
    expect(viewsCsvHeader('en', 'Asia/Tokyo')).toEqual([
      'started_at (Asia/Tokyo)',
      'account',
      'contact',
      'contact_email',
      'document_title',
      'active_seconds',
      'completed (1/0)',
      'max_scroll_percent',
      'downloads',
      'prints',
      'opportunity',
      'owner',
      'amount_jpy',
      'stage',
      'channel',
      'device',
      'new_reader (1/0)',
      'last_recorded_at (Asia/Tokyo)',
      'document_slug',
      'view_id',
      'visit_id',
    ]);
  });

  it('builds an ASCII file name and a UTF-8 one for the download', () => {
    expect(asciiFileName('ringi views 2026/11.csv')).toBe('ringi-views-2026-11.csv');
    expect(asciiFileName('商談.csv')).toBe('.csv');
    expect(asciiFileName('商談')).toBe('export.csv');
    expect(contentDisposition('ringi-views.csv', '閲覧_さくら (1).csv')).toBe(
      `attachment; filename="ringi-views.csv"; filename*=UTF-8''${encodeURIComponent('閲覧_さくら').replace(/'/g, '%27')}%20%281%29.csv`,
    );
  });
});

describe('date range of an export', () => {
  const q = (query: string) => parseExportRange(new URLSearchParams(query), 'ja', 'Asia/Tokyo');

  it('takes two calendar days in the workspace zone, both included', () => {
    const result = q('from=2026-11-01&to=2026-11-30');
    expect(result).toEqual({
      ok: true,
      value: {
        fromDate: '2026-11-01',
        toDate: '2026-11-30',
        from: new Date('2026-10-31T15:00:00Z'),
        to: new Date('2026-11-30T15:00:00Z'),
      },
    });
    expect(q('from=2026-11-05&to=2026-11-05&opportunity=opp_1-a')).toMatchObject({ ok: true, value: { opportunityId: 'opp_1-a' } });
  });

  it('refuses missing, malformed and impossible dates, reversed and too long ranges', () => {
    expect(q('')).toMatchObject({ ok: false, errors: [{ field: 'from' }, { field: 'to' }] });
    expect(q('from=2026-02-30&to=2026-03-01')).toMatchObject({ ok: false, errors: [{ field: 'from', message: expect.stringContaining('YYYY-MM-DD') }] });
    expect(q('from=2026/01/01&to=2026-03-01')).toMatchObject({ ok: false, errors: [{ field: 'from' }] });
    expect(q('from=2026-03-02&to=2026-03-01')).toEqual({ ok: false, errors: [{ field: 'to', message: '終了日は開始日と同じか、それより後の日付にしてください。' }] });
    expect(q('from=2026-01-01&to=2027-01-02')).toEqual({ ok: false, errors: [{ field: 'to', message: `期間が長すぎます。最長 ${MAX_RANGE_DAYS} 日までにしてください。` }] });
    expect(q('from=2026-01-01&to=2026-12-31').ok).toBe(true); // 365 days
    expect(q('from=2028-01-01&to=2028-12-31').ok).toBe(true); // 366 days, a leap year
    expect(q('from=2026-01-01&to=2026-02-01&opportunity=x%27%3B--')).toMatchObject({ ok: false, errors: [{ field: 'opportunity' }] });
    expect(parseExportRange(new URLSearchParams('from=x&to=2026-01-01'), 'en')).toMatchObject({ ok: false, errors: [{ field: 'from', message: 'Give the start date as YYYY-MM-DD, a date that exists.' }] });
  });
});

// --- Rows from real reading, written through the real ingest functions. ---

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const t0 = new Date('2026-11-20T01:00:00Z'); // 10:00 in Tokyo
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const HOUR = 3600;
let yamada: LinkScope;
let suzuki: LinkScope;
let other: LinkScope;
const ids: Record<string, string> = {};
const tokens: string[] = [];

async function link(roomId: string, contactId: string): Promise<LinkScope> {
  const { token } = await createAccessLink(db, key, { roomId, contactId });
  tokens.push(token);
  return (await activeLinkScope(db, token))!;
}

async function view(scope: LinkScope, slug: string, device: string, when: Date, label = 'Chrome / Windows') {
  return await startView(db, {
    scope,
    documentSlug: slug,
    documentCategory: null,
    documentTitle: `recorded ${slug}`,
    sectionIds: ['a', 'b'],
    deviceId: device.padEnd(26, '0'),
    deviceLabel: label,
    networkHash: 'nethash-should-not-appear',
    now: when,
  });
}

async function beat(scope: LinkScope, viewId: string, seq: number, activeSeconds: number, maxScrollPercent: number, when: Date, extra: Record<string, unknown> = {}) {
  expect(await recordHeartbeat(db, scope, viewId, heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent, ...extra }), when)).toBe('applied');
}

beforeAll(async () => {
  await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤' });
  const stage = (await db.select().from(pipelineStages)).find((s) => s.number === 3);
  if (!stage) await db.insert(pipelineStages).values({ number: 3, labelJa: '提案', labelEn: 'Proposal' });
  await db.insert(accounts).values({ id: 'a1', name: '株式会社さくら, 本社' });
  await db.insert(contacts).values({ id: 'c1', accountId: 'a1', name: '山田 太郎', email: 'yamada@sakura.example' });
  await db.insert(contacts).values({ id: 'c2', accountId: 'a1', name: '=鈴木 "一郎"', email: null });
  await db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '経費精算\n刷新', stage: 3, amountJpy: 1_200_000, channel: 'event', ownerUserId: 'u1' });
  await db.insert(opportunities).values({ id: 'o2', accountId: 'a1', name: '別の商談', stage: 3, channel: 'event', ownerUserId: 'u1' });
  await db.insert(rooms).values({ id: 'r1', opportunityId: 'o1' });
  await db.insert(rooms).values({ id: 'r2', opportunityId: 'o2' });
  for (const [roomId, slug] of [['r1', 'pricing'], ['r1', 'security'], ['r2', 'roi']] as const) await db.insert(roomDocuments).values({ roomId, documentSlug: slug, position: 0 });
  yamada = (await link('r1', 'c1'));
  suzuki = (await link('r1', 'c2'));
  other = (await link('r2', 'c1'));

  await recordAutomatedOpen(db, yamada, null, 'Microsoft Safe Links', at(-60));
  // 山田 reads pricing to the end, prints it, downloads its PDF, then looks at security.
  const pricing = await view(yamada, 'pricing', 'devA', t0);
  await beat(yamada, pricing.viewId, 1, 120, 95, at(125), { sections: { a: 80, b: 40 }, printed: true });
  await recordDownload(db, yamada, 'pricing', 'pricing.pdf', 'devA'.padEnd(26, '0'), at(130));
  const security = await view(yamada, 'security', 'devA', at(140));
  await beat(yamada, security.viewId, 1, 20, 30, at(160));
  // He opens pricing again in the same visit and downloads it a second time: that download is the second view's.
  const pricingAgain = await view(yamada, 'pricing', 'devA', at(200));
  await beat(yamada, pricingAgain.viewId, 1, 15, 100, at(215));
  await recordDownload(db, yamada, 'pricing', 'pricing.pdf', 'devA'.padEnd(26, '0'), at(220));
  // A forwarded link: another browser, a possible new reader; a download without a device cookie.
  const forwarded = await view(yamada, 'pricing', 'devB', at(2 * HOUR), 'Safari / iPhone');
  await beat(yamada, forwarded.viewId, 1, 45, 60, at(2 * HOUR + 45));
  await recordDownload(db, suzuki, 'pricing', 'pricing.pdf', null, at(3 * HOUR));
  // 鈴木 the next day (Tokyo), and 山田 on the other deal.
  const suzukiView = await view(suzuki, 'security', 'devC', at(20 * HOUR));
  await beat(suzuki, suzukiView.viewId, 1, 33, 100, at(20 * HOUR + 40));
  const otherView = await view(other, 'roi', 'devA', at(21 * HOUR));
  Object.assign(ids, {
    pricing: pricing.viewId,
    security: security.viewId,
    pricingAgain: pricingAgain.viewId,
    forwarded: forwarded.viewId,
    suzuki: suzukiView.viewId,
    other: otherView.viewId,
    visitA: pricing.visitId,
  });
});

async function csv(scope: ViewsExportScope, options: Partial<ViewsCsvOptions> = {}): Promise<string> {
  let text = '';
  for await (const chunk of viewsCsvChunks(db, scope, { locale: 'ja', timeZone: 'Asia/Tokyo', ...options })) text += chunk;
  return text;
}

/** A minimal RFC 4180 reader, to check the file parses back into the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell, 'the file ends with CRLF').toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('views CSV from the database', () => {
  it('starts with the BOM and the header, one row per view oldest first, with its downloads and prints', async () => {
    const text = await csv({ opportunityId: 'o1' }, { documentTitles: new Map([['pricing', '料金表（2026年度版）']]) });
    expect(text.startsWith(CSV_BOM)).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(viewsCsvHeader('ja', 'Asia/Tokyo'));
    const cells = (row: string[], names: string[]) => names.map((name) => row[rows[0]!.indexOf(name)]);
    expect(rows.slice(1).map((r) => cells(r, ['ビューID'])[0])).toEqual([ids.pricing, ids.security, ids.pricingAgain, ids.forwarded, ids.suzuki]);
    expect(rows[1]).toEqual([
      '2026-11-20 10:00:00',
      '株式会社さくら, 本社',
      '山田 太郎',
      'yamada@sakura.example',
      '料金表（2026年度版）',
      '120',
      '1',
      '95',
      '1',
      '1',
      '経費精算\n刷新',
      '佐藤',
      '1200000',
      '3. 提案',
      '展示会・イベント',
      'Chrome / Windows',
      '0',
      '2026-11-20 10:02:05',
      'pricing',
      ids.pricing,
      ids.visitA,
    ]);
    const counts = ['閲覧秒数', '読了(1/0)', '最大スクロール率(%)', 'ダウンロード数', '印刷数'];
    // Not in the catalog: the title recorded on the view.
    expect(cells(rows[2]!, ['資料スラッグ', '資料名', ...counts])).toEqual(['security', 'recorded security', '20', '0', '30', '0', '0']);
    // The second download of the visit belongs to the second pricing view.
    expect(cells(rows[3]!, counts)).toEqual(['15', '0', '100', '1', '0']);
    // The forwarded link: a new reader on another device; the cookieless download is on no view.
    expect(cells(rows[4]!, ['ダウンロード数', '印刷数', 'デバイス', '新しい閲覧者(1/0)'])).toEqual(['0', '0', 'Safari / iPhone', '1']);
    // A contact name starting with "=" stays text; its quotes survive the round trip.
    expect(cells(rows[5]!, ['取引先責任者', 'メールアドレス', '開始日時 (Asia/Tokyo)'])).toEqual([`'=鈴木 "一郎"`, '', '2026-11-21 06:00:00']);
  });

  it('never writes access-link tokens, link ids, device ids or network hashes', async () => {
    const text = await csv({});
    for (const token of tokens) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[1]!);
    }
    const linkIds = await db.select({ id: accessLinks.id }).from(accessLinks);
    for (const { id } of linkIds) expect(text).not.toContain(id);
    expect(text).not.toContain('devA');
    expect(text).not.toContain('nethash-should-not-appear');
    expect(text).not.toContain('Microsoft Safe Links');
  });

  it('filters by date range across opportunities, and the range can name one opportunity', async () => {
    const range = parseExportRange(new URLSearchParams('from=2026-11-21&to=2026-11-21'), 'ja', 'Asia/Tokyo');
    if (!range.ok) throw new Error('valid range');
    const rows = parseCsv((await csv({ from: range.value.from, to: range.value.to })).slice(1));
    // 2026-11-21 in Tokyo: 鈴木 (06:00) and the other deal (07:00); not the 20th's views.
    const viewId = rows[0]!.indexOf('ビューID');
    expect(rows.slice(1).map((r) => r[viewId])).toEqual([ids.suzuki, ids.other]);
    expect(rows[2]![rows[0]!.indexOf('商談')]).toBe('別の商談');
    const one = parseCsv((await csv({ from: range.value.from, to: range.value.to, opportunityId: 'o2' })).slice(1));
    expect(one.slice(1).map((r) => r[viewId])).toEqual([ids.other]);
    // An empty period is the header alone.
    expect(parseCsv((await csv({ from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') })).slice(1))).toHaveLength(1);
    expect(await csv({ opportunityId: 'nope' })).toBe(CSV_BOM + csvRow(viewsCsvHeader('ja', 'Asia/Tokyo')));
  });

  it('gives the same file whatever the batch size, with views started in the same millisecond', async () => {
    const when = at(30 * HOUR);
    for (const device of ['devX', 'devY', 'devZ']) await view(other, 'roi', device, when);
    const whole = await csv({}, { batchSize: 500 });
    expect(await csv({}, { batchSize: 1 })).toBe(whole);
    expect(await csv({}, { batchSize: 2 })).toBe(whole);
    const rows = parseCsv(whole.slice(1));
    expect(new Set(rows.slice(1).map((r) => r[rows[0]!.indexOf('ビューID')])).size).toBe(rows.length - 1);
    expect(rows).toHaveLength(1 + 9);
    await expect(csv({}, { batchSize: 0 })).rejects.toThrow(RangeError);
  });

  it('streams the same bytes as UTF-8, English headers for English readers', async () => {
    const stream = viewsCsvStream(db, { opportunityId: 'o2' }, { locale: 'en', timeZone: 'Asia/Tokyo', batchSize: 1 });
    const bytes = Buffer.from(await new Response(stream).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toBe(await csv({ opportunityId: 'o2' }, { locale: 'en' }));
    expect(text.split('\r\n')[0]).toBe(`${CSV_BOM}${viewsCsvHeader('en', 'Asia/Tokyo').join(',')}`);
    expect(text).toContain(',3. Proposal,');
  });
});
