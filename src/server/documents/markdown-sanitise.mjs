// Document HTML is sanitised once, at build, in Astro's Markdown pipeline (docs/adr/0009): raw HTML in a
// document is parsed (rehype-raw) and then cut down to an allow-list (rehype-sanitize), so no script,
// style, frame, form, meta refresh, event handler or javascript: link reaches a prospect or an admin.
// The build warns naming the file and what was stripped; the Content-Security-Policy stays a second wall.
// Plain .mjs because astro.config.mjs imports it too.
import rehypeRaw from 'rehype-raw';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';

/** GitHub's allow-list (tables, lists, details…) without its `user-content-` id prefix: heading ids are added after this step. */
export const documentSchema = {
  ...defaultSchema,
  // No <input> at all (GitHub keeps disabled task-list checkboxes; a document needs no form controls).
  tagNames: (defaultSchema.tagNames ?? []).filter((name) => name !== 'input'),
  clobber: [],
  clobberPrefix: '',
  protocols: { ...defaultSchema.protocols, href: ['http', 'https', 'mailto'], src: ['http', 'https'], cite: ['http', 'https'] },
  attributes: {
    ...defaultSchema.attributes,
    '*': [...(defaultSchema.attributes?.['*'] ?? []).filter((name) => name !== 'id'), 'id'],
    th: [...(defaultSchema.attributes?.th ?? []), 'align', 'scope'],
    td: [...(defaultSchema.attributes?.td ?? []), 'align'],
  },
};

/** Tag and attribute names in a tree, counted ("<script>", "onerror=" …). */
function inventory(tree) {
  const counts = new Map();
  const add = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const walk = (node) => {
    if (node.type === 'element') {
      add(`<${node.tagName}>`);
      for (const [name, value] of Object.entries(node.properties ?? {})) {
        if (value === undefined || value === null || value === false) continue;
        add(`${name}=`);
        if (typeof value === 'string' && /^\s*[a-z][a-z0-9+.-]*:/i.test(value) && !/^\s*(https?|mailto):/i.test(value)) add(`${name}=${value.split(':')[0].trim().toLowerCase()}:`);
      }
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(tree);
  return counts;
}

/** What the sanitiser removed from `before` to give `after`, e.g. ["<script>", "onerror=", "href=javascript:"]. */
export function strippedParts(before, after) {
  const kept = inventory(after);
  return [...inventory(before)].filter(([key, count]) => (kept.get(key) ?? 0) < count).map(([key]) => key);
}

/** Sanitises with `documentSchema` and reports what it stripped through `report(file, parts)`. */
export function rehypeSanitiseDocument({ report = warnAtBuild } = {}) {
  const sanitise = rehypeSanitize(documentSchema);
  return (tree, file) => {
    const before = structuredClone(tree);
    const clean = sanitise(tree);
    const parts = strippedParts(before, clean);
    if (parts.length > 0) report(file.path ?? '(unnamed document)', parts);
    return clean;
  };
}

function warnAtBuild(path, parts) {
  console.warn(`[ringi] ${path}: unsafe HTML stripped from the document: ${parts.join(', ')}`);
}

/** For `markdown.rehypePlugins`: raw HTML parsed, then sanitised (Astro runs its own rehype-raw after these, by then a no-op). */
export const documentRehypePlugins = [rehypeRaw, rehypeSanitiseDocument];
