import fs from 'node:fs';
import path from 'node:path';
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { documentFrontmatter, type DocumentFrontmatter } from './server/documents/frontmatter';
import { isValidSlug } from './server/rooms/access-rules';

const contentDir = './content';
const markdownFiles = glob({ pattern: '*.md', base: contentDir });

// The glob loader validates frontmatter; this also checks what zod cannot see: slugs usable in
// URLs and attachments that really exist beside the Markdown. Failing here fails the build.
const documents = defineCollection({
  loader: {
    name: 'ringi-documents',
    load: async (context) => {
      await markdownFiles.load(context);
      for (const entry of context.store.values()) {
        const where = entry.filePath ?? entry.id;
        if (!isValidSlug(entry.id)) {
          throw new Error(`${where}: file name must be lowercase letters, digits and hyphens (it becomes the URL slug)`);
        }
        const data = entry.data as DocumentFrontmatter;
        for (const [index, attachment] of data.attachments.entries()) {
          if (!fs.existsSync(path.join(contentDir, attachment.file))) {
            throw new Error(`${where}: attachments[${index}].file: "${attachment.file}" not found in ${contentDir}/`);
          }
        }
      }
    },
  },
  schema: documentFrontmatter,
});

export const collections = { documents };
