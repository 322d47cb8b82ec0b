// Markdown to HTML, once, when a version is submitted (never per request): Astro's own Markdown
// pipeline (GitHub-flavoured Markdown, heading ids) with the document sanitiser of ADR 0009, so a
// document renders as it did in the content layer and nothing unsafe survives.
import { createMarkdownProcessor } from '@astrojs/markdown-remark';
import { documentRehypePlugins } from './markdown-sanitise.mjs';
import { readingMinutes, type TocHeading } from './presentation';

export interface RenderedDocument {
  html: string;
  headings: TocHeading[];
  readingMinutes: number;
  /** What the sanitiser removed ("<script>", "onerror=" …): told to the author, never an error. */
  stripped: string[];
}

export async function renderMarkdown(body: string, language: 'ja' | 'en'): Promise<RenderedDocument> {
  const stripped: string[] = [];
  const [rehypeRaw, rehypeSanitiseDocument] = documentRehypePlugins;
  const processor = await createMarkdownProcessor({
    // Syntax highlighting writes inline styles, which the prospect page's CSP refuses.
    syntaxHighlight: false,
    rehypePlugins: [rehypeRaw!, [rehypeSanitiseDocument!, { report: (_file: string, parts: string[]) => stripped.push(...parts) }]],
  });
  const { code, metadata } = await processor.render(body);
  return {
    html: code,
    headings: metadata.headings.map(({ depth, slug, text }) => ({ depth, slug, text })),
    readingMinutes: readingMinutes(body, language),
    stripped,
  };
}
