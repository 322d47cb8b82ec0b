// Runs once, after Playwright has started the webServer (which seeded the database first, see
// seed.ts) and before any test. It does not seed: it fails fast, with one clear message, when the
// run cannot mean anything: a stale or missing seed, or content/ lacking what the scenario uses.
import fs from 'node:fs';
import type { FullConfig } from '@playwright/test';
import { contentFileExists, readDocument } from './content';
import { E2E_FIXTURES_PATH } from './env';
import { linkNames, requiredDocuments, rooms, type E2eFixtures } from './scenario';

export default async function globalSetup(_config: FullConfig): Promise<void> {
  const problems: string[] = [];

  if (!fs.existsSync(E2E_FIXTURES_PATH)) {
    problems.push(`${E2E_FIXTURES_PATH} is missing: the webServer command must run tests/e2e/support/seed.ts first`);
  } else {
    const fixtures = JSON.parse(fs.readFileSync(E2E_FIXTURES_PATH, 'utf8')) as E2eFixtures;
    const runnerStartedAt = Date.now() - process.uptime() * 1000;
    if (Date.parse(fixtures.seededAt) < runnerStartedAt - 1000) {
      problems.push(`${E2E_FIXTURES_PATH} is from an earlier run (${fixtures.seededAt}): was a server reused?`);
    }
    for (const name of linkNames) if (!fixtures.tokens?.[name]) problems.push(`fixtures.json has no token "${name}"`);
  }

  const offered = new Set<string>(Object.values(rooms).flatMap((r) => r.documents));
  for (const [slug, expected] of Object.entries(requiredDocuments)) {
    try {
      const doc = readDocument(slug);
      const declared = doc.attachments.map((a) => a.file);
      for (const file of expected.attachments) {
        if (!declared.includes(file)) problems.push(`content/${slug}.md does not declare the attachment ${file}`);
        if (!contentFileExists(file)) problems.push(`content/${file} is missing`);
      }
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (offered.has('roi-model')) problems.push('roi-model must stay out of every e2e room (it is the forbidden-slug case)');

  if (problems.length) throw new Error(`End-to-end preconditions failed:\n  - ${problems.join('\n  - ')}`);
}
