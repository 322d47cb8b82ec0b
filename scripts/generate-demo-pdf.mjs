// Writes content/pricing-2026.pdf: the printable price list attached to content/pricing.md.
//
// Plain Node, no dependencies: the PDF 1.4 file is assembled by hand. Japanese text uses the
// non-embedded CID font HeiseiKakuGo-W5 (Adobe-Japan1, UniJIS-UCS2-H), which every PDF viewer
// substitutes with a Japanese gothic face, so the file stays small and needs no font licence.
// Deterministic: no timestamps, no random ids, so rerunning yields identical bytes.
//
//   node scripts/generate-demo-pdf.mjs
//
// Keep the figures in step with content/pricing.md when prices change.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'content', 'pricing-2026.pdf');

// ---------------------------------------------------------------------------------------------
// Content

const doc = {
  title: 'ミライ経費 料金表（2026年度版）',
  subtitle: '株式会社ミライクラウド　／　2026年10月1日改定　／　価格はすべて税抜・年間契約',
  footer: 'お問い合わせ：株式会社ミライクラウド 営業部　sales@miraicloud.example',
  blocks: [
    { type: 'heading', text: '1. 料金プラン' },
    {
      type: 'table',
      columns: [
        { header: 'プラン', width: 76 },
        { header: '月額（1ユーザー）', width: 84, align: 'right' },
        { header: '最低ユーザー数', width: 68, align: 'right' },
        { header: '初期設定費用', width: 66, align: 'right' },
        { header: '主な機能', width: 205 },
      ],
      rows: [
        ['スターター', '400円', '10', '0円', '経費精算（スマホ・AI-OCR）、交通系ICカード取込、電子帳簿保存法・インボイス制度対応、メールサポート'],
        ['スタンダード', '700円', '30', '100,000円', 'スターターの全機能 ＋ 稟議・購買申請ワークフロー、会計ソフト連携、法人カード明細取込、経費規程チェック'],
        ['ビジネス', '1,000円', '100', '300,000円', 'スタンダードの全機能 ＋ SSO（SAML 2.0）・SCIM、IP アドレス制限、監査ログ1年保管、API、専任カスタマーサクセス'],
        ['エンタープライズ', '個別見積', '1,000', '個別見積', 'ビジネスの全機能 ＋ 監査ログ7年保管、SLA 99.95%、専用サポート窓口、検証環境、個別セキュリティ審査対応'],
      ],
    },
    { type: 'note', text: '※ 月額はユーザー1名あたり。利用ユーザー数が最低ユーザー数に満たない場合は最低ユーザー数分を請求します。' },
    { type: 'heading', text: '2. オプション' },
    {
      type: 'table',
      columns: [
        { header: 'オプション', width: 150 },
        { header: '料金（税抜）', width: 104, align: 'right' },
        { header: '内容', width: 245 },
      ],
      rows: [
        ['導入支援パック', '480,000円（一式）', '10週間の標準導入支援。要件確認、承認経路設計、マスタ登録支援、管理者研修'],
        ['データ移行支援', '200,000円〜', '現行システムの申請・承認履歴、マスタデータの移行'],
        ['利用者説明会（オンライン）', '50,000円／回', '90分・録画提供。利用者向けの操作説明と質疑応答'],
        ['監査ログ保管延長（7年）', '50,000円／月', 'ビジネスプラン向け。エンタープライズには標準で含まれます'],
        ['検証環境（サンドボックス）', '30,000円／月', '本番とは分離した設定確認・テスト用の環境'],
      ],
    },
    { type: 'pageBreak' },
    { type: 'heading', text: '3. お支払い条件' },
    {
      type: 'bullets',
      items: [
        '契約期間は12か月（自動更新）。解約・減数は契約満了日の60日前までに書面またはメールでご通知ください。',
        'お支払いは年額一括前払い（請求書払い・銀行振込、月末締め翌月末払い）。スターターとスタンダードは月払い（クレジットカード）も選べます。',
        '契約期間中のユーザー追加は追加月から月単位で請求します（日割りはありません）。',
        '3年契約の場合、月額利用料を8%割引します。',
        '別途消費税（10%）を申し受けます。見積書の有効期限は発行日から90日です。',
      ],
    },
    { type: 'heading', text: '4. お見積り例（ビジネスプラン・800ユーザー）' },
    {
      type: 'table',
      columns: [
        { header: '項目', width: 200 },
        { header: '数量・単価', width: 150, align: 'right' },
        { header: '金額（税抜）', width: 149, align: 'right' },
      ],
      rows: [
        ['月額利用料（年額）', '800ユーザー × 1,000円 × 12か月', '9,600,000円'],
        ['初期設定費用', '1式', '300,000円'],
        ['導入支援パック', '1式', '480,000円'],
        ['初年度合計', '', '10,380,000円'],
        ['初年度合計（税込）', '', '11,418,000円'],
      ],
      boldLastRows: 2,
    },
    { type: 'note', text: '※ 2年目以降は月額利用料（年額9,600,000円・税抜）のみです。' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Layout (points; A4 portrait)

const PAGE_W = 595;
const PAGE_H = 842;
const MARGIN_X = 48;
const TOP = 790;
const BOTTOM = 64;
const BODY_SIZE = 8.5;
const LINE = 1.45; // line height as a multiple of the font size
const PAD = 4;

/** Width in points: HeiseiKakuGo-W5 via UniJIS-UCS2-H gives ASCII half width (500), the rest full. */
function textWidth(text, size) {
  let units = 0;
  for (const ch of text) units += ch.codePointAt(0) < 0x80 ? 500 : 1000;
  return (units * size) / 1000;
}

/** Breaks text into lines no wider than maxWidth, keeping ASCII words and closing punctuation intact. */
function wrap(text, size, maxWidth) {
  const tokens = text.match(/[\x21-\x7e]+|\s|[^\x00-\x7f]/g) ?? [];
  const hanging = new Set('、。，．');
  const noLineStart = new Set('）」』】％%・：；ーッャュョァィゥェォっゃゅょ');
  const lines = [];
  let line = '';
  for (const token of tokens) {
    const candidate = line + token;
    if (textWidth(candidate.trimEnd(), size) <= maxWidth || line.trim() === '') {
      line = candidate;
      continue;
    }
    if (hanging.has(token)) {
      // Hang the comma or full stop on the current line rather than starting a new line with it.
      line = candidate;
      continue;
    }
    if (noLineStart.has(token) && [...line].length > 1) {
      // Carry the previous character over so that the new line does not start with this one.
      const chars = [...line];
      const carried = chars.pop();
      lines.push(chars.join('').trimEnd());
      line = carried + token;
      continue;
    }
    lines.push(line.trimEnd());
    line = token.trim() === '' ? '' : token;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines.length > 0 ? lines : [''];
}

function hexUtf16(text) {
  let hex = '';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (code > 0xffff) throw new Error(`character outside the BMP: ${ch}`);
    hex += code.toString(16).padStart(4, '0').toUpperCase();
  }
  return `<${hex}>`;
}

const num = (n) => (Math.round(n * 100) / 100).toString();

class Page {
  ops = [];
  text(x, y, size, text) {
    this.ops.push(`BT /F1 ${num(size)} Tf ${num(x)} ${num(y)} Td ${hexUtf16(text)} Tj ET`);
  }
  /** Poor man's bold: fill and stroke the glyph outlines. */
  boldText(x, y, size, text) {
    this.ops.push(`BT 2 Tr 0.25 w /F1 ${num(size)} Tf ${num(x)} ${num(y)} Td ${hexUtf16(text)} Tj ET`);
  }
  rect(x, y, w, h, gray) {
    this.ops.push(`${num(gray)} g ${num(x)} ${num(y)} ${num(w)} ${num(h)} re f 0 g`);
  }
  line(x1, y1, x2, y2, width = 0.5, gray = 0.55) {
    this.ops.push(`${num(gray)} G ${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S 0 G`);
  }
}

/** A cursor over the pages: the current page and the current y (top of the free space). */
class Flow {
  pages = [];
  page = null;
  y = TOP;
  constructor() {
    this.newPage();
  }
  newPage() {
    this.page = new Page();
    this.pages.push(this.page);
    this.y = TOP;
  }
  /** Starts a new page unless `height` points still fit above the bottom margin. */
  ensure(height) {
    if (this.y - height < BOTTOM) this.newPage();
  }
}

function layout() {
  const flow = new Flow();
  const contentWidth = PAGE_W - 2 * MARGIN_X;

  flow.page.boldText(MARGIN_X, flow.y - 18, 18, doc.title);
  flow.y -= 34;
  flow.page.text(MARGIN_X, flow.y - 9, 9, doc.subtitle);
  flow.y -= 18;
  flow.page.line(MARGIN_X, flow.y, PAGE_W - MARGIN_X, flow.y, 1.2, 0.2);
  flow.y -= 16;

  for (const block of doc.blocks) {
    if (block.type === 'heading') {
      flow.ensure(60); // never leave a heading alone at the bottom of a page
      flow.page.rect(MARGIN_X, flow.y - 17, 3, 15, 0.25);
      flow.page.boldText(MARGIN_X + 9, flow.y - 13, 12, block.text);
      flow.y -= 26;
    } else if (block.type === 'pageBreak') {
      flow.newPage();
    } else if (block.type === 'note') {
      for (const l of wrap(block.text, 8, contentWidth)) {
        flow.ensure(12);
        flow.page.text(MARGIN_X, flow.y - 8, 8, l);
        flow.y -= 12;
      }
      flow.y -= 8;
    } else if (block.type === 'bullets') {
      for (const item of block.items) {
        const lines = wrap(item, BODY_SIZE, contentWidth - 14);
        flow.ensure(lines.length * BODY_SIZE * LINE);
        flow.page.text(MARGIN_X + 2, flow.y - BODY_SIZE, BODY_SIZE, '・');
        for (const l of lines) {
          flow.page.text(MARGIN_X + 14, flow.y - BODY_SIZE, BODY_SIZE, l);
          flow.y -= BODY_SIZE * LINE;
        }
        flow.y -= 2;
      }
      flow.y -= 10;
    } else if (block.type === 'table') {
      drawTable(flow, block);
      flow.y -= 8;
    } else {
      throw new Error(`unknown block type ${block.type}`);
    }
  }

  flow.pages.forEach((page, index) => {
    page.line(MARGIN_X, 46, PAGE_W - MARGIN_X, 46, 0.5, 0.6);
    page.text(MARGIN_X, 34, 7.5, doc.footer);
    const label = `${index + 1} / ${flow.pages.length}`;
    page.text(PAGE_W - MARGIN_X - textWidth(label, 7.5), 34, 7.5, label);
  });
  return flow.pages;
}

/** Draws a bordered table; a row that does not fit moves to the next page with a repeated header. */
function drawTable(flow, table) {
  const size = BODY_SIZE;
  const lineH = size * LINE;
  const x0 = MARGIN_X;
  const totalWidth = table.columns.reduce((sum, c) => sum + c.width, 0);
  const headers = table.columns.map((c) => c.header);
  const boldFrom = table.rows.length - (table.boldLastRows ?? 0);

  const measure = (cells) => {
    const wrapped = cells.map((cell, i) => wrap(cell, size, table.columns[i].width - 2 * PAD));
    const height = Math.max(...wrapped.map((lines) => lines.length)) * lineH - (lineH - size) + 2 * PAD + 2;
    return { wrapped, height };
  };

  const drawRow = ({ wrapped, height }, { header = false, bold = false } = {}) => {
    const { page } = flow;
    const top = flow.y;
    if (header) page.rect(x0, top - height, totalWidth, height, 0.88);
    else if (bold) page.rect(x0, top - height, totalWidth, height, 0.95);
    let x = x0;
    wrapped.forEach((lines, i) => {
      const column = table.columns[i];
      lines.forEach((l, n) => {
        const baseline = top - PAD - size - n * lineH + 1;
        const tx = column.align === 'right' && !header ? x + column.width - PAD - textWidth(l, size) : x + PAD;
        if (header || bold || i === 0) page.boldText(tx, baseline, size, l);
        else page.text(tx, baseline, size, l);
      });
      x += column.width;
    });
    page.line(x0, top, x0 + totalWidth, top);
    page.line(x0, top - height, x0 + totalWidth, top - height);
    x = x0;
    for (const column of [...table.columns, null]) {
      page.line(x, top, x, top - height);
      if (column) x += column.width;
    }
    flow.y = top - height;
  };

  const header = measure(headers);
  const first = table.rows.length > 0 ? measure(table.rows[0]) : { height: 0 };
  flow.ensure(header.height + first.height);
  drawRow(header, { header: true });
  table.rows.forEach((row, index) => {
    const measured = measure(row);
    if (flow.y - measured.height < BOTTOM) {
      flow.newPage();
      drawRow(header, { header: true });
    }
    drawRow(measured, { bold: index >= boldFrom });
  });
}

// ---------------------------------------------------------------------------------------------
// PDF serialisation

function buildPdf(pages) {
  // Object numbers: 1 catalog, 2 pages, 3 Type0 font, 4 CIDFont, 5 descriptor, 6 info,
  // then a page object and a content stream per page.
  const objects = [];
  const pageIds = pages.map((_, i) => 7 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] =
    '<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H /DescendantFonts [4 0 R] >>';
  objects[4] =
    '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiKakuGo-W5' +
    ' /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >>' +
    ' /FontDescriptor 5 0 R /DW 1000 /W [1 95 500 231 632 500] >>';
  objects[5] =
    '<< /Type /FontDescriptor /FontName /HeiseiKakuGo-W5 /Flags 4 /FontBBox [-92 -250 1010 922]' +
    ' /ItalicAngle 0 /Ascent 752 /Descent -221 /CapHeight 737 /StemV 114 >>';
  objects[6] =
    `<< /Title ${hexUtf16WithBom(doc.title)} /Author ${hexUtf16WithBom('株式会社ミライクラウド')}` +
    ' /Producer (Ringi scripts/generate-demo-pdf.mjs) >>';
  pages.forEach((page, i) => {
    const pageId = pageIds[i];
    const stream = page.ops.join('\n') + '\n';
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}]` +
      ` /Resources << /Font << /F1 3 0 R >> /ProcSet [/PDF /Text] >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}endstream`;
  });

  const chunks = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0].length;
  const offsets = [];
  for (let id = 1; id < objects.length; id++) {
    const body = Buffer.from(`${id} 0 obj\n${objects[id]}\nendobj\n`, 'latin1');
    offsets[id] = offset;
    chunks.push(body);
    offset += body.length;
  }
  const xrefOffset = offset;
  let xref = `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) xref += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  // A deterministic file identifier: the digest of everything before the trailer.
  const fileId = createHash('md5').update(Buffer.concat(chunks)).digest('hex').toUpperCase();
  const trailer =
    `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 6 0 R /ID [<${fileId}> <${fileId}>] >>\n` +
    `startxref\n${xrefOffset}\n%%EOF\n`;
  chunks.push(Buffer.from(xref + trailer, 'latin1'));
  return Buffer.concat(chunks);
}

function hexUtf16WithBom(text) {
  return `<FEFF${hexUtf16(text).slice(1, -1)}>`;
}

const pdf = buildPdf(layout());
writeFileSync(outFile, pdf);
console.log(`wrote ${outFile} (${pdf.length} bytes)`);
