// The document sanitiser on a hostile document set: the plugin list on its own, and the publish
// pipeline that stores every version's HTML (src/server/documents/render.ts, ADR 0018).
import fs from 'node:fs';
import path from 'node:path';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified, type Plugin } from 'unified';
import { describe, expect, it } from 'vitest';
import { VFile } from 'vfile';
import { documentRehypePlugins, rehypeSanitiseDocument } from '../../src/server/documents/markdown-sanitise.mjs';
import { renderMarkdown } from '../../src/server/documents/render';
import { SLOW_BY_NATURE } from './support/slow-by-nature';

const hostileDir = path.join(import.meta.dirname, 'fixtures/hostile-documents');

type Report = (file: string, parts: string[]) => void;
const rehypeRaw = documentRehypePlugins[0] as Plugin;
const sanitise = rehypeSanitiseDocument as Plugin<[{ report?: Report }?]>;

/** Astro's Markdown pipeline for documents (GFM, raw HTML kept into hast, our rehype plugins), stringified. */
function runPipeline(markdown: string, filePath: string, report?: Report): string {
  return String(
    unified()
      .use(remarkParse)
      .use(remarkGfm)
      .use(remarkRehype, { allowDangerousHtml: true })
      .use(rehypeRaw)
      .use(sanitise, report ? { report } : undefined)
      .use(rehypeStringify)
      .processSync(new VFile({ path: filePath, value: markdown })),
  );
}

function render(markdown: string, filePath: string, reports: string[][] = []): string {
  return runPipeline(markdown, filePath, (_file, parts) => reports.push(parts));
}

const forbidden = [/<script/i, /<style/i, /<iframe/i, /<object/i, /<embed/i, /<meta/i, /<base/i, /<form/i, /<input/i, /<button/i, /\son[a-z]+=/i, /javascript:/i, /vbscript:/i, /href="data:/i, /\sstyle=/i];

describe('document sanitiser', () => {
  const files = fs.readdirSync(hostileDir).filter((name) => name.endsWith('.md'));

  it('runs in the publish pipeline: nothing active is stored, what was stripped is told', async () => {
    for (const name of files) {
      const rendered = await renderMarkdown(fs.readFileSync(path.join(hostileDir, name), 'utf8'), 'ja');
      for (const pattern of forbidden) expect(rendered.html, `${name}: ${pattern}`).not.toMatch(pattern);
      expect(rendered.stripped.length, name).toBeGreaterThan(0);
    }
  });

  it('has a hostile set to run on', () => expect(files.length).toBeGreaterThanOrEqual(4));

  for (const name of files) {
    it(`leaves nothing active in ${name}`, () => {
      const reports: string[][] = [];
      const html = render(fs.readFileSync(path.join(hostileDir, name), 'utf8'), name, reports);
      for (const pattern of forbidden) expect(html, `${name}: ${pattern}`).not.toMatch(pattern);
      expect(reports.flat().length, 'the build names what it stripped').toBeGreaterThan(0);
    });
  }

  it('names the file and the elements it stripped', () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (message: string) => warnings.push(message);
    try {
      runPipeline('<meta http-equiv="refresh" content="0">\n\n<img src="x" onerror="alert(1)">', 'content/evil.md');
    } finally {
      console.warn = original;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('content/evil.md');
    expect(warnings[0]).toContain('<meta>');
    expect(warnings[0]).toContain('onError=');
  });

  it('keeps what documents use: headings, tables with alignment, links, details', () => {
    const html = render(fs.readFileSync(path.join(hostileDir, 'hostile-links.md'), 'utf8'), 'hostile-links.md');
    expect(html).toContain('<h1>Links</h1>');
    expect(html).toMatch(/<th align="left">Plan<\/th>/);
    expect(html).toContain('href="https://example.com/"');
    expect(html).toContain('href="mailto:sales@example.com"');
    expect(html).toContain('<details><summary>More</summary>');
    expect(html).toContain('Kept');
  });

  it('keeps ids on headings and elements written in the document', () => {
    expect(render('<h2 id="pricing">Pricing</h2>', 'ids.md')).toContain('<h2 id="pricing">');
  });

  // The whole Markdown pipeline over every document in content/.
  it('changes nothing in the shipped documents', SLOW_BY_NATURE, () => {
    const contentDir = path.join(import.meta.dirname, '../../content');
    for (const name of fs.readdirSync(contentDir).filter((n) => n.endsWith('.md'))) {
      const reports: string[][] = [];
      render(fs.readFileSync(path.join(contentDir, name), 'utf8').replace(/^---[\s\S]*?---/, ''), name, reports);
      expect(reports, name).toEqual([]);
    }
  });
});
