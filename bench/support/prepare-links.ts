// Benchmark fixture, run with tsx by bench/document-page.mjs after prepare-db.ts (never by the app):
//   tsx bench/support/prepare-links.ts <database-path> <links> <rooms> <comma-separated-room-slugs> <paths-file>
// Adds <rooms> rooms to the demo database, each for its own account and opportunity owned by a demo
// rep, with its own message, the room slugs in a rotated order and a Japanese or English locale, and
// <links> access links spread over them, one per contact, created by the project's createAccessLink.
// Writes one line per link to <paths-file>: "<room id> <token> <slug> <slug> …" (the slugs its room offers).
// Prints one JSON line: { links, rooms }.
import fs from 'node:fs';
import { accounts, contacts, opportunities, roomDocuments, rooms } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { openDatabase } from '../../src/server/db/client';
import { loadSecretKey } from '../../src/server/security/secret-box';

const REPS = ['demo-user-sato', 'demo-user-tanaka', 'demo-user-lee'];
const FAMILY = ['山田', '鈴木', '佐藤', '高橋', '伊藤', '渡辺', '中村', '小林', '加藤', '吉田', 'Smith', "O'Brien"];
const GIVEN = ['太郎', '花子', '一郎', '美咲', '健太', '恵', '翔', 'Jordan', 'Alex & Sam'];

async function main(): Promise<void> {
  const [databasePath, linkArg, roomArg, slugList, pathsFile] = process.argv.slice(2);
  const linkCount = Number(linkArg);
  const roomCount = Number(roomArg);
  const slugs = (slugList ?? '').split(',').filter(Boolean);
  if (!databasePath || !pathsFile || !(linkCount >= roomCount) || !(roomCount >= 1) || slugs.length === 0) {
    throw new Error('usage: prepare-links.ts <database-path> <links> <rooms> <room-slugs> <paths-file>');
  }
  const db = openDatabase(databasePath);
  const key = loadSecretKey();
  const lines: string[] = [];
  await db.transaction(async (tx) => {
    for (let r = 0; r < roomCount; r++) {
      const id = `bench-${r}`;
      const locale = r % 4 === 3 ? 'en' : 'ja';
      await tx.insert(accounts).values({ id, name: `株式会社ベンチ${r}（Bench ${r} K.K.）` });
      await tx.insert(opportunities).values({ id, accountId: id, name: `経費精算システム導入 ${r}`, stage: 1 + (r % 6), amountJpy: 1_000_000 + r * 1000, channel: 'event', ownerUserId: REPS[r % REPS.length]! });
      await tx.insert(rooms).values({ id, opportunityId: id, locale, message: `ご担当者様\n\n社内稟議用の資料をお送りします（ルーム ${r}）。\n\nご不明点はお気軽にご連絡ください。` });
      const order = [...slugs.slice(r % slugs.length), ...slugs.slice(0, r % slugs.length)];
      for (const [position, documentSlug] of order.entries()) await tx.insert(roomDocuments).values({ roomId: id, documentSlug, position });
      // This room's even share of the links (at least one).
      const first = Math.floor((r * linkCount) / roomCount);
      const end = Math.floor(((r + 1) * linkCount) / roomCount);
      for (let l = first; l < end; l++) {
        const contactId = `bench-contact-${l}`;
        await tx.insert(contacts).values({ id: contactId, accountId: id, name: `${FAMILY[l % FAMILY.length]} ${GIVEN[l % GIVEN.length]}` });
        const { token } = await createAccessLink(tx as unknown as Parameters<typeof createAccessLink>[0], key, { roomId: id, contactId });
        lines.push([id, token, ...order].join(' '));
      }
    }
  });
  db.$client.close();
  fs.writeFileSync(pathsFile, `${lines.join('\n')}\n`);
  console.log(JSON.stringify({ links: lines.length, rooms: roomCount }));
}

await main();
