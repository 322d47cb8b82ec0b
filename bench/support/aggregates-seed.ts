// Benchmark fixture for bench/aggregates.mjs, run with tsx (never by the app):
//   tsx bench/support/aggregates-seed.ts <database-path> <opportunities> <views> <seed> <now-iso> [span-days]
// Migrates a fresh database with the project's own openDatabase, then bulk-loads a year of view
// tracking: accounts, contacts, users, opportunities with rooms and per-contact links, visits,
// document views, link events, and the running totals (reading_totals, opportunity_engagement)
// computed from exactly those rows, the way the ingest functions would have left them. Deals that
// stopped reading long ago are mostly won or lost; links carry their share date, and some read
// rooms were shared again later without being opened (what the dashboard's sections need).
// Bulk: prepared statements in large transactions, not the per-beacon functions.
// Deterministic for a seed. Prints one JSON line with counts and timings.
import crypto from 'node:crypto';
import { openDatabase } from '../../src/server/db/client';
import { isCompleted } from '../../src/server/tracking/rules';
import { rebuildAllAggregates } from '../../src/server/tracking/aggregates';
import { BENCH_CATALOG } from './aggregates-catalog';
import { prng } from './prng.mjs';

const DAY = 24 * 60 * 60 * 1000;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

const CHANNELS = ['organic', 'referral', 'social', 'email', 'ads', 'event', 'partner', 'outbound'] as const;

interface SeedResult {
  seconds: number;
  accounts: number;
  contacts: number;
  opportunities: number;
  /** Opportunities by stage outcome (1-6 open, 7 won, 8 lost). */
  stages: { open: number; won: number; lost: number };
  /** Read rooms shared again afterwards with a link nobody opened. */
  resharedRooms: number;
  /** Views whose last beacon is within the live window ("reading now"). */
  liveViews: number;
  links: number;
  visits: number;
  documentViews: number;
  linkEvents: number;
  readingTotals: number;
  opportunityEngagement: number;
  heaviestOpportunity: { id: string; views: number; visits: number };
  /** rebuildAllAggregates over the seeded rows. */
  aggregates: { seconds: number; opportunities: number; documentRows: number };
  fileMegabytes: number;
}

async function seed(file: string, opportunityCount: number, viewTarget: number, seedValue: number, now: Date, spanDays: number): Promise<SeedResult> {
  const started = performance.now();
  const random = prng(seedValue);
  const int = (n: number) => Math.floor(random() * n);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const id = () => {
    let s = '';
    for (let i = 0; i < 26; i++) s += ALPHABET[int(32)];
    return s;
  };

  const db = openDatabase(file);
  const sqlite = db.$client;
  // Bulk load: no journal, no fsync, a big cache. Back to WAL (what the app uses) at the end.
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -1000000');
  sqlite.pragma('foreign_keys = OFF');

  const nowMs = now.getTime();
  const accountCount = Math.max(1, Math.round(opportunityCount * 0.4));
  const contactsPerAccount = 6;
  const userCount = 20;

  const insert = {
    user: sqlite.prepare('insert into users (id, email, display_name, role) values (?, ?, ?, ?)'),
    account: sqlite.prepare('insert into accounts (id, name, industry) values (?, ?, ?)'),
    contact: sqlite.prepare('insert into contacts (id, account_id, name) values (?, ?, ?)'),
    opportunity: sqlite.prepare(
      'insert into opportunities (id, account_id, name, stage, amount_jpy, channel, owner_user_id, archived_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    room: sqlite.prepare('insert into rooms (id, opportunity_id) values (?, ?)'),
    roomDocument: sqlite.prepare('insert into room_documents (room_id, document_slug, position) values (?, ?, ?)'),
    link: sqlite.prepare(
      'insert into access_links (id, room_id, contact_id, secret_hash, sealed_secret, created_by_user_id, created_at) values (?, ?, ?, ?, ?, ?, ?)',
    ),
    visit: sqlite.prepare(
      `insert into visits (id, access_link_id, room_id, contact_id, opportunity_id, account_id, device_id, new_device, device_label, network_hash, started_at, last_activity_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    view: sqlite.prepare(
      `insert into document_views (id, visit_id, access_link_id, room_id, contact_id, opportunity_id, account_id, document_slug, document_category, document_title,
         started_at, last_beacon_at, active_seconds, max_scroll_percent, section_seconds, last_sequence)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    event: sqlite.prepare(
      `insert into link_events (access_link_id, room_id, contact_id, opportunity_id, account_id, kind, visit_id, view_id, document_slug, detail, occurred_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    totals: sqlite.prepare(
      `insert into reading_totals (opportunity_id, account_id, contact_id, document_slug, views, active_seconds, max_scroll_percent, completed_views, downloads, prints, first_seen_at, last_seen_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    engagement: sqlite.prepare(
      `insert into opportunity_engagement (opportunity_id, account_id, visits, devices, new_devices, automated_opens, active_seconds, first_seen_at, last_seen_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };

  // --- People and deals ---
  const accountIds: string[] = [];
  const contactsOf: string[][] = [];
  sqlite.transaction(() => {
    for (let u = 0; u < userCount; u++) insert.user.run(`u${u}`, `rep${u}@example.com`, `営業 ${u}`, u === 0 ? 'admin' : 'rep');
    for (let a = 0; a < accountCount; a++) {
      const accountId = `acc-${a}`;
      accountIds.push(accountId);
      insert.account.run(accountId, `株式会社ベンチ${a}`, 'manufacturing');
      const list: string[] = [];
      for (let c = 0; c < contactsPerAccount; c++) {
        const contactId = `con-${a}-${c}`;
        list.push(contactId);
        insert.contact.run(contactId, accountId, `担当者 ${a}-${c}`);
      }
      contactsOf.push(list);
    }
  })();

  interface Deal {
    id: string;
    accountId: string;
    roomId: string;
    slugs: Array<readonly [string, string]>;
    links: Array<{ id: string; contactId: string; devices: string[] }>;
    weight: number;
    /** Reading happens within [from, to]. */
    from: number;
    to: number;
  }
  const deals: Deal[] = [];
  const stageCounts = { open: 0, won: 0, lost: 0 };
  let resharedRooms = 0;
  let liveViews = 0;
  const secretHash = crypto.randomBytes(32);
  sqlite.transaction(() => {
    for (let o = 0; o < opportunityCount; o++) {
      const accountIndex = o % accountCount;
      const accountId = accountIds[accountIndex]!;
      const opportunityId = `opp-${o}`;
      const archived = random() < 0.02 ? nowMs - int(30) * DAY : null;
      // Each deal reads during a stretch of 1-60 days, ending anywhere in the last `spanDays` (a year).
      const to = nowMs - random() * spanDays * DAY;
      const from = to - (1 + random() * 59) * DAY;
      // Stages (src/server/crm/stages.ts: 1-6 open, 7 won, 8 lost): deals whose reading ended more
      // than 60 days ago are mostly closed (25 % won, 35 % lost, 40 % stalled); recent ones mostly
      // open (5 % won, 5 % lost).
      const closing = random();
      const old = nowMs - to > 60 * DAY;
      const stage = closing < (old ? 0.25 : 0.05) ? 7 : closing < (old ? 0.6 : 0.1) ? 8 : 1 + int(6);
      stageCounts[stage === 7 ? 'won' : stage === 8 ? 'lost' : 'open'] += 1;
      insert.opportunity.run(opportunityId, accountId, `商談 ${o}`, stage, 100_000 * (1 + int(500)), CHANNELS[int(CHANNELS.length)]!, `u${int(userCount)}`, archived);
      const roomId = `room-${o}`;
      insert.room.run(roomId, opportunityId);
      const docCount = 4 + int(7);
      const slugs = [...BENCH_CATALOG].sort(() => random() - 0.5).slice(0, docCount);
      slugs.forEach(([slug], position) => insert.roomDocument.run(roomId, slug, position));
      const linkCount = 1 + int(4);
      const contactPool = contactsOf[accountIndex]!;
      const links: Deal['links'] = [];
      for (let l = 0; l < linkCount; l++) {
        const linkId = id();
        const contactId = contactPool[(o + l) % contactPool.length]!;
        // Shared 1-3 days before the reading starts (scanners open it from a day before `from`).
        const sharedAt = Math.round(from - DAY - random() * 2 * DAY);
        insert.link.run(linkId, roomId, contactId, secretHash, 'bench-not-a-sealed-secret', `u${int(userCount)}`, sharedAt);
        links.push({ id: linkId, contactId, devices: [] });
      }
      // 15 % of rooms were shared but never read; the rest are heavy-tailed (lognormal, σ = 1.2).
      const weight = random() < 0.15 ? 0 : Math.exp(1.2 * gaussian());
      // 10 % of read rooms were shared again with one more contact 1-30 days after the last reading,
      // and that link was never opened (the "shared but unopened" list when the share is old enough).
      if (weight > 0 && random() < 0.1) {
        const sharedAt = Math.round(to + (1 + random() * 29) * DAY);
        if (sharedAt < nowMs) {
          const contactId = contactPool[(o + linkCount) % contactPool.length]!;
          insert.link.run(id(), roomId, contactId, secretHash, 'bench-not-a-sealed-secret', `u${int(userCount)}`, sharedAt);
          resharedRooms += 1;
        }
      }
      deals.push({ id: opportunityId, accountId, roomId, slugs, links, weight, from, to });
    }
  })();

  // --- Reading, with the running totals computed from the same rows ---
  const totalWeight = deals.reduce((s, d) => s + d.weight, 0);
  const totals = new Map<string, { o: string; a: string; c: string; s: string; views: number; active: number; scroll: number; completed: number; downloads: number; prints: number; first: number; last: number }>();
  const touch = (d: Deal, contactId: string, slug: string, at: number) => {
    const k = `${d.id}|${contactId}|${slug}`;
    let t = totals.get(k);
    if (!t) {
      t = { o: d.id, a: d.accountId, c: contactId, s: slug, views: 0, active: 0, scroll: 0, completed: 0, downloads: 0, prints: 0, first: at, last: at };
      totals.set(k, t);
    }
    t.first = Math.min(t.first, at);
    t.last = Math.max(t.last, at);
    return t;
  };
  let visitCount = 0;
  let viewCount = 0;
  let eventCount = 0;
  let engagementRows = 0;
  let heaviest = { id: '', views: 0, visits: 0 };
  const labels = ['Chrome / Windows', 'Edge / Windows', 'Safari / Mac', 'Safari / iPhone', 'Chrome / Android', 'LINE / iPhone'];

  const load = sqlite.transaction((batch: Deal[]) => {
    for (const d of batch) {
      const views = d.weight === 0 ? 0 : Math.max(1, Math.round((d.weight / totalWeight) * viewTarget));
      const engagement = { visits: 0, devices: 0, newDevices: 0, automated: 0, active: 0, first: null as number | null, last: null as number | null };
      // Scanners open most links once when the mail arrives, some again later.
      for (const l of d.links) {
        const scans = random() < 0.7 ? 1 + int(2) : 0;
        for (let s = 0; s < scans; s++) {
          insert.event.run(l.id, d.roomId, l.contactId, d.id, d.accountId, 'automated_open', null, null, null, ['Microsoft Safe Links', 'Proofpoint URL Defense', 'Slackbot link preview'][int(3)]!, Math.round(d.from - DAY + random() * DAY * 2));
          engagement.automated += 1;
          eventCount += 1;
        }
      }
      // Visits at random times in the deal's stretch, oldest first, 1-5 views each.
      const visitsPlanned: Array<{ at: number; n: number; live?: boolean }> = [];
      for (let planned = 0; planned < views; ) {
        const n = Math.min(views - planned, 1 + int(5));
        visitsPlanned.push({ at: Math.round(d.from + random() * (d.to - d.from)), n });
        planned += n;
      }
      visitsPlanned.sort((x, y) => x.at - y.at);
      // One in ten deals read in the last week has someone reading right now: a visit begun 5-25
      // minutes ago whose one view sent its last beacon within the live window (the live feed).
      if (views > 0 && nowMs - d.to < 7 * DAY && random() < 0.1) {
        visitsPlanned.push({ at: nowMs - (5 + int(20)) * 60_000, n: 1, live: true });
        liveViews += 1;
      }
      let dealVisits = 0;
      for (const plan of visitsPlanned) {
        const l = d.links[int(d.links.length)]!;
        // Mostly the contact's own browser; sometimes a second browser (a forwarded link).
        let device: string;
        let newDevice = false;
        if (l.devices.length === 0 || (random() < 0.08 && l.devices.length < 3)) {
          device = id();
          newDevice = l.devices.length > 0;
          l.devices.push(device);
          engagement.devices += 1;
          if (newDevice) engagement.newDevices += 1;
        } else device = l.devices[int(l.devices.length)]!;
        const visitId = id();
        let t = plan.at;
        let lastViewEnd = t;
        const viewRows: unknown[][] = [];
        for (let v = 0; v < plan.n; v++) {
          const [slug, category] = d.slugs[int(d.slugs.length)]!;
          let active = Math.min(1800, Math.max(3, Math.round(Math.exp(Math.log(60) + 1.1 * gaussian()))));
          const scroll = Math.min(100, Math.round(random() * 130));
          const viewStart = t;
          let viewEnd = viewStart + active * 1000 + int(20_000);
          if (plan.live) {
            viewEnd = nowMs - int(150_000);
            active = Math.max(3, Math.round(((viewEnd - viewStart) / 1000) * 0.8));
          }
          lastViewEnd = viewEnd;
          const viewId = id();
          const half = Math.floor(active / 2);
          viewRows.push([viewId, visitId, l.id, d.roomId, l.contactId, d.id, d.accountId, slug, category, slug, viewStart, viewEnd, active, scroll, `{"intro":${half},"details":${active - half}}`, Math.ceil(active / 10)]);
          const tot = touch(d, l.contactId, slug, viewStart);
          tot.views += 1;
          tot.active += active;
          tot.scroll = Math.max(tot.scroll, scroll);
          tot.last = Math.max(tot.last, viewEnd);
          if (isCompleted(active, scroll)) tot.completed += 1;
          engagement.active += active;
          if (!plan.live && random() < 0.03) {
            insert.event.run(l.id, d.roomId, l.contactId, d.id, d.accountId, 'print', visitId, viewId, slug, null, viewEnd);
            tot.prints += 1;
            eventCount += 1;
          }
          if (!plan.live && random() < 0.04) {
            insert.event.run(l.id, d.roomId, l.contactId, d.id, d.accountId, 'download', visitId, null, slug, `${slug}.pdf`, viewEnd + 1000);
            tot.downloads += 1;
            tot.last = Math.max(tot.last, viewEnd + 1000);
            eventCount += 1;
          }
          t = viewEnd + 1000 + int(30_000);
        }
        const lastActivity = plan.live ? lastViewEnd : t;
        insert.visit.run(visitId, l.id, d.roomId, l.contactId, d.id, d.accountId, device, newDevice ? 1 : 0, labels[int(labels.length)]!, null, plan.at, lastActivity);
        for (const row of viewRows) insert.view.run(...row);
        engagement.visits += 1;
        engagement.first = engagement.first === null ? plan.at : Math.min(engagement.first, plan.at);
        engagement.last = engagement.last === null ? lastActivity : Math.max(engagement.last, lastActivity);
        visitCount += 1;
        viewCount += plan.n;
        dealVisits += 1;
        // A download with no device cookie, outside any visit, now and then.
        if (!plan.live && random() < 0.005) {
          const [slug] = d.slugs[0]!;
          insert.event.run(l.id, d.roomId, l.contactId, d.id, d.accountId, 'download', null, null, slug, `${slug}.pdf`, lastActivity + 60_000);
          const tot = touch(d, l.contactId, slug, lastActivity + 60_000);
          tot.downloads += 1;
          eventCount += 1;
        }
      }
      if (views > heaviest.views) heaviest = { id: d.id, views, visits: dealVisits };
      if (engagement.visits > 0 || engagement.automated > 0) {
        insert.engagement.run(d.id, d.accountId, engagement.visits, engagement.devices, engagement.newDevices, engagement.automated, engagement.active, engagement.first, engagement.last);
        engagementRows += 1;
      }
    }
  });
  for (let i = 0; i < deals.length; i += 500) load(deals.slice(i, i + 500));

  sqlite.transaction(() => {
    for (const t of totals.values()) insert.totals.run(t.o, t.a, t.c, t.s, t.views, t.active, t.scroll, t.completed, t.downloads, t.prints, t.first, t.last);
  })();

  // The dashboard's aggregates, from those rows: the one rebuild the CLI runs (ADR 0019).
  const rebuildStarted = performance.now();
  const rebuilt = await rebuildAllAggregates(db);
  const rebuildSeconds = Math.round((performance.now() - rebuildStarted) / 100) / 10;

  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  sqlite.close();

  return {
    seconds: Math.round((performance.now() - started) / 100) / 10,
    accounts: accountCount,
    contacts: accountCount * contactsPerAccount,
    opportunities: opportunityCount,
    stages: stageCounts,
    resharedRooms,
    liveViews,
    links: deals.reduce((s, d) => s + d.links.length, 0),
    visits: visitCount,
    documentViews: viewCount,
    linkEvents: eventCount,
    readingTotals: totals.size,
    opportunityEngagement: engagementRows,
    heaviestOpportunity: heaviest,
    aggregates: { seconds: rebuildSeconds, ...rebuilt },
    fileMegabytes: Math.round((pages * pageSize) / 1e6),
  };
}

{
  const [file, opportunities, views, seedValue, nowIso, spanDays] = process.argv.slice(2);
  if (!file || !opportunities || !views) {
    console.error('usage: tsx bench/support/aggregates-seed.ts <database-path> <opportunities> <views> [seed] [now-iso] [span-days]');
    process.exit(2);
  }
  try {
    const result = await seed(file, Number(opportunities), Number(views), Number(seedValue ?? 1), new Date(nowIso ?? '2026-11-22T10:00:00Z'), Number(spanDays ?? 365));
    console.log(JSON.stringify(result));
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  }
}
