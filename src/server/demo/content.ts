// What the demo's reading history needs to know of the documents in content/, read from the files
// themselves (the CLI runs outside Astro, so the content layer is not there): title, category,
// attachments, and the ids the built page gives its headings, which are the sections beacons report.
// `yaml` comes with the toolchain (tests/e2e/support/content.ts reads frontmatter the same way);
// github-slugger is the slugger Astro's Markdown pipeline gives headings their ids with.
import fs from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { parse as parseYaml } from 'yaml';
import { documentFrontmatter } from '../documents/frontmatter';

export interface DemoDocument {
  slug: string;
  title: string;
  category: string;
  /** Heading ids (h2-h4) in document order: the sections the page script measures. */
  sectionIds: string[];
  /** Attachment file names. */
  attachments: string[];
}

export type DemoCatalog = ReadonlyMap<string, DemoDocument>;

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/** The heading ids of a Markdown body, as the build assigns them (fenced code skipped). */
export function sectionIdsOf(markdown: string): string[] {
  const slugger = new GithubSlugger();
  const ids: string[] = [];
  let fenced = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const id = slugger.slug(heading[2]!);
    if (heading[1]!.length >= 2 && heading[1]!.length <= 4) ids.push(id);
  }
  return ids;
}

/** Every valid document under `contentDir`; a file whose frontmatter does not parse is an error naming it. */
export function loadDemoCatalog(contentDir: string): DemoCatalog {
  const catalog = new Map<string, DemoDocument>();
  for (const file of fs.readdirSync(contentDir).filter((f) => f.endsWith('.md')).sort()) {
    const match = FRONTMATTER.exec(fs.readFileSync(path.join(contentDir, file), 'utf8'));
    const parsed = match ? documentFrontmatter.safeParse(parseYaml(match[1]!)) : null;
    if (!match || !parsed?.success) throw new Error(`content/${file}: the frontmatter is missing or invalid (npm run build names the field)`);
    const slug = file.slice(0, -'.md'.length);
    catalog.set(slug, {
      slug,
      title: parsed.data.title,
      category: parsed.data.category,
      sectionIds: sectionIdsOf(match[2]!),
      attachments: parsed.data.attachments.map((a) => a.file),
    });
  }
  return catalog;
}
