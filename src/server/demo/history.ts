// The demo's reading history: weeks of visits, views, downloads, prints and automated opens, played
// through the real ingestion (startView, recordHeartbeat, recordDownload, recordAutomatedOpen), so the
// running totals, the score, the timeline and the dashboard agree exactly as with real readers.
// Times are relative to the moment of seeding, so a fresh demo always looks alive.
import { and, eq, gt, inArray, or } from 'drizzle-orm';
import { accessLinks, opportunities, opportunityEngagement, opportunityStageChanges, slackOutbox } from '../db/tables';
import { recordStageChange } from '../crm/stage-history';
import type { RingiDb } from '../db/client';
import type { SecretKey } from '../security/secret-box';
import { workspaceDay } from '../slack/hot-alerts';
import { rebuildOpportunityAggregates } from '../tracking/aggregates';
import { newTrackingId, recordAutomatedOpen, recordDownload, recordHeartbeat, startView } from '../tracking/ingest';
import type { LinkScope } from '../tracking/link-scope';
import { networkHash } from '../tracking/network';
import { classifyRequest, describeAgent } from '../tracking/request-classifier';
import { deviceLabel } from '../tracking/rules';
import type { DemoCatalog, DemoDocument } from './content';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The page script beats every 10 s; the demo records one beacon per half minute of reading, which merges the same. */
const BEACON_EVERY_SECONDS = 30;
/** The newest seeded beacon lands this long before "now", so the hot deal shows as reading now. */
const LAST_BEACON_MARGIN_SECONDS = 10;
/** A reader moves on to the next document after this pause. */
const BETWEEN_DOCUMENTS_SECONDS = 15;

/** Minutes before seeding. */
const ago = (days: number, hours = 0, minutes = 0) => (days * 24 + hours) * 60 + minutes;

// Real user agents and documentation addresses (RFC 5737): labels and network hashes come from the
// same functions as for real readers.
const agents = {
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  safeLinks: 'Mozilla/5.0 (compatible; Microsoft Safe Links)',
  proofpoint: 'Mozilla/5.0 (compatible; Proofpoint URL Defense)',
  slackPreview: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  teamsPreview: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 MicrosoftPreview/2.0',
} as const;

/** One browser (one device id): the same object in several visits is the same reader's browser. */
interface Browser {
  userAgent: string;
  ip: string;
}

interface ScriptedView {
  doc: string;
  /** Active seconds the reader spends (cut short if that would run past "now"). */
  seconds: number;
  /** How far down the reader scrolls by the end. */
  scroll: number;
  /** Downloads the document's first attachment while reading it. */
  download?: boolean;
  /** Prints it (for circulation with the 稟議). */
  print?: boolean;
}

interface ScriptedVisit {
  contactId: string;
  browser: Browser;
  /** Minutes before seeding. */
  at: number;
  views: ScriptedView[];
}

interface ScriptedAutomatedOpen {
  contactId: string;
  userAgent: string;
  at: number;
}

interface OpportunityHistory {
  opportunityId: string;
  /** When each contact's link was shared (minutes before seeding). */
  shared: Record<string, number>;
  visits: ScriptedVisit[];
  automatedOpens: ScriptedAutomatedOpen[];
  /**
   * The stage path: the first stage when the deal was created, then each move by its owner (minutes
   * before seeding), ending at seed.ts's stage. The dashboard's "read before each advance" uses it.
   */
  stages: { stage: number; at?: number }[];
}

const sakuraOffice = '203.0.113.24';
const yamadaPc = { userAgent: agents.edgeWindows, ip: sakuraOffice };
const suzukiPc = { userAgent: agents.chromeWindows, ip: sakuraOffice };
// 山田部長 forwarded his link to the CFO, who opened it on a phone, off the office network.
const forwardedPhone = { userAgent: agents.safariIphone, ip: '198.51.100.77' };
const kobayashiPc = { userAgent: agents.chromeWindows, ip: '192.0.2.40' };
const smithMac = { userAgent: agents.chromeMac, ip: '192.0.2.90' };
const totoOffice = '192.0.2.120';
const takahashiPc = { userAgent: agents.edgeWindows, ip: totoOffice };
const nakamuraPc = { userAgent: agents.chromeWindows, ip: totoOffice };
const matsumotoPc = { userAgent: agents.chromeWindows, ip: '192.0.2.150' };
const inouePc = { userAgent: agents.edgeWindows, ip: '192.0.2.180' };
const chenMac = { userAgent: agents.chromeMac, ip: '192.0.2.210' };

/** The story. The opportunities, contacts and rooms are those of seed.ts. */
export const demoHistory: readonly OpportunityHistory[] = [
  {
    // The hot deal: approval under way, three readers in the last day, one reading now.
    opportunityId: 'demo-opp-sakura',
    stages: [{ stage: 2 }, { stage: 3, at: ago(10) }, { stage: 4, at: ago(7) }],
    shared: { 'demo-contact-yamada': ago(16, 3), 'demo-contact-suzuki': ago(8, 4) },
    automatedOpens: [
      { contactId: 'demo-contact-yamada', userAgent: agents.safeLinks, at: ago(16, 3) - 1 },
      { contactId: 'demo-contact-suzuki', userAgent: agents.safeLinks, at: ago(8, 4) - 1 },
    ],
    visits: [
      { contactId: 'demo-contact-yamada', browser: yamadaPc, at: ago(16, 1), views: [{ doc: 'product-overview', seconds: 260, scroll: 95 }, { doc: 'case-study-manufacturing', seconds: 180, scroll: 80 }] },
      { contactId: 'demo-contact-yamada', browser: yamadaPc, at: ago(9, 2), views: [{ doc: 'pricing', seconds: 420, scroll: 100, download: true }, { doc: 'roi-model', seconds: 300, scroll: 90 }] },
      { contactId: 'demo-contact-suzuki', browser: suzukiPc, at: ago(8, 2), views: [{ doc: 'security-check-sheet', seconds: 780, scroll: 100, download: true }, { doc: 'product-overview', seconds: 90, scroll: 50 }] },
      { contactId: 'demo-contact-suzuki', browser: suzukiPc, at: ago(2, 5), views: [{ doc: 'implementation-plan', seconds: 240, scroll: 85 }, { doc: 'security-check-sheet', seconds: 200, scroll: 60 }] },
      { contactId: 'demo-contact-yamada', browser: yamadaPc, at: ago(0, 20), views: [{ doc: 'approval-request-template', seconds: 360, scroll: 100, print: true }, { doc: 'pricing', seconds: 150, scroll: 70 }] },
      { contactId: 'demo-contact-yamada', browser: forwardedPhone, at: ago(0, 5), views: [{ doc: 'product-overview', seconds: 120, scroll: 70 }, { doc: 'pricing', seconds: 300, scroll: 100, download: true }] },
      { contactId: 'demo-contact-suzuki', browser: suzukiPc, at: ago(0, 3), views: [{ doc: 'security-check-sheet', seconds: 180, scroll: 80 }] },
      { contactId: 'demo-contact-yamada', browser: yamadaPc, at: ago(0, 0, 7), views: [{ doc: 'pricing', seconds: 90, scroll: 60 }, { doc: 'roi-model', seconds: 600, scroll: 95 }] },
    ],
  },
  {
    opportunityId: 'demo-opp-aozora',
    stages: [{ stage: 3 }],
    shared: { 'demo-contact-kobayashi': ago(12) },
    automatedOpens: [{ contactId: 'demo-contact-kobayashi', userAgent: agents.teamsPreview, at: ago(12) - 2 }],
    visits: [
      { contactId: 'demo-contact-kobayashi', browser: kobayashiPc, at: ago(11, 1), views: [{ doc: 'product-overview', seconds: 200, scroll: 90 }] },
      { contactId: 'demo-contact-kobayashi', browser: kobayashiPc, at: ago(6), views: [{ doc: 'case-study-manufacturing', seconds: 240, scroll: 100 }, { doc: 'implementation-plan', seconds: 60, scroll: 40 }] },
    ],
  },
  {
    opportunityId: 'demo-opp-northwind',
    stages: [{ stage: 2 }],
    shared: { 'demo-contact-smith': ago(5) },
    automatedOpens: [{ contactId: 'demo-contact-smith', userAgent: agents.slackPreview, at: ago(5) - 2 }],
    visits: [
      { contactId: 'demo-contact-smith', browser: smithMac, at: ago(4, 2), views: [{ doc: 'product-overview-en', seconds: 150, scroll: 80 }] },
      { contactId: 'demo-contact-smith', browser: smithMac, at: ago(3), views: [{ doc: 'pricing', seconds: 45, scroll: 30 }] },
    ],
  },
  {
    // Won: finance and IT read price, return, security and the approval form, then signed.
    opportunityId: 'demo-opp-toto',
    stages: [{ stage: 2 }, { stage: 3, at: ago(32) }, { stage: 4, at: ago(27) }, { stage: 5, at: ago(20) }, { stage: 7, at: ago(12) }],
    shared: { 'demo-contact-takahashi': ago(40), 'demo-contact-nakamura': ago(30) },
    automatedOpens: [{ contactId: 'demo-contact-takahashi', userAgent: agents.safeLinks, at: ago(40) - 1 }],
    visits: [
      { contactId: 'demo-contact-takahashi', browser: takahashiPc, at: ago(39, 4), views: [{ doc: 'product-overview', seconds: 300, scroll: 100 }, { doc: 'pricing', seconds: 480, scroll: 100, download: true }] },
      { contactId: 'demo-contact-takahashi', browser: takahashiPc, at: ago(33, 2), views: [{ doc: 'roi-model', seconds: 540, scroll: 100 }] },
      { contactId: 'demo-contact-nakamura', browser: nakamuraPc, at: ago(29, 6), views: [{ doc: 'security-check-sheet', seconds: 900, scroll: 100, download: true }] },
      { contactId: 'demo-contact-takahashi', browser: takahashiPc, at: ago(22, 3), views: [{ doc: 'approval-request-template', seconds: 420, scroll: 100, print: true }, { doc: 'pricing', seconds: 120, scroll: 80 }] },
      { contactId: 'demo-contact-nakamura', browser: nakamuraPc, at: ago(21, 5), views: [{ doc: 'security-check-sheet', seconds: 240, scroll: 90 }] },
      { contactId: 'demo-contact-takahashi', browser: takahashiPc, at: ago(15, 1), views: [{ doc: 'pricing', seconds: 200, scroll: 100 }] },
    ],
  },
  {
    // Won: a smaller deal, read steadily over two weeks.
    opportunityId: 'demo-opp-minato',
    stages: [{ stage: 2 }, { stage: 3, at: ago(37) }, { stage: 5, at: ago(30) }, { stage: 7, at: ago(25) }],
    shared: { 'demo-contact-matsumoto': ago(45) },
    automatedOpens: [],
    visits: [
      { contactId: 'demo-contact-matsumoto', browser: matsumotoPc, at: ago(44, 2), views: [{ doc: 'product-overview', seconds: 240, scroll: 100 }, { doc: 'case-study-manufacturing', seconds: 300, scroll: 100 }] },
      { contactId: 'demo-contact-matsumoto', browser: matsumotoPc, at: ago(38, 3), views: [{ doc: 'pricing', seconds: 360, scroll: 100, download: true }] },
      { contactId: 'demo-contact-matsumoto', browser: matsumotoPc, at: ago(31, 1), views: [{ doc: 'implementation-plan', seconds: 280, scroll: 95 }] },
    ],
  },
  {
    // Lost: skimmed the overview, glanced at the price, gone.
    opportunityId: 'demo-opp-hokusei',
    stages: [{ stage: 2 }, { stage: 3, at: ago(20) }, { stage: 8, at: ago(7) }],
    shared: { 'demo-contact-inoue': ago(28) },
    automatedOpens: [{ contactId: 'demo-contact-inoue', userAgent: agents.proofpoint, at: ago(28) - 1 }],
    visits: [
      { contactId: 'demo-contact-inoue', browser: inouePc, at: ago(27, 2), views: [{ doc: 'product-overview', seconds: 40, scroll: 35 }] },
      { contactId: 'demo-contact-inoue', browser: inouePc, at: ago(19, 4), views: [{ doc: 'pricing', seconds: 20, scroll: 15 }] },
    ],
  },
  {
    // Lost: one short look.
    opportunityId: 'demo-opp-pacific',
    stages: [{ stage: 2 }, { stage: 8, at: ago(18) }],
    shared: { 'demo-contact-chen': ago(36) },
    automatedOpens: [],
    visits: [
      { contactId: 'demo-contact-chen', browser: chenMac, at: ago(35, 3), views: [{ doc: 'product-overview-en', seconds: 90, scroll: 60 }] },
    ],
  },
  {
    // Shared five days ago: only the mail gateway's scanner opened it, so it waits among the unopened.
    opportunityId: 'demo-opp-hayate',
    stages: [{ stage: 1 }],
    shared: { 'demo-contact-kimura': ago(5, 2) },
    automatedOpens: [{ contactId: 'demo-contact-kimura', userAgent: agents.proofpoint, at: ago(5, 2) - 1 }],
    visits: [],
  },
];

/**
 * Seconds per section after `active` seconds of a view: the reader goes through the sections in
 * order, down to the scroll depth, each taking its share of the view's time. Grows with `active`.
 */
export function sectionSecondsAt(sectionIds: readonly string[], scroll: number, totalSeconds: number, active: number): Record<string, number> {
  const reached = sectionIds.slice(0, Math.max(1, Math.ceil((sectionIds.length * scroll) / 100)));
  const weights = reached.map((_, i) => 2 + ((i * 5) % 3));
  const sum = weights.reduce((a, b) => a + b, 0);
  const sections: Record<string, number> = {};
  let left = active;
  reached.forEach((id, i) => {
    const share = Math.min(left, Math.floor((totalSeconds * weights[i]!) / sum));
    left -= share;
    if (share > 0) sections[id] = share;
  });
  return sections;
}

interface Played {
  at: number;
  play: () => Promise<unknown>;
}

/** One visit: its views one after the other, beacons every half minute, a download while reading. */
async function playVisit(db: RingiDb, key: SecretKey, catalog: DemoCatalog, scope: LinkScope, deviceId: string, visit: ScriptedVisit, nowMs: number): Promise<void> {
  const label = deviceLabel(visit.browser.userAgent);
  const network = networkHash(key, visit.browser.ip);
  const lastBeaconMs = nowMs - LAST_BEACON_MARGIN_SECONDS * 1000;
  let t = nowMs - visit.at * MINUTE_MS;
  for (const view of visit.views) {
    const doc: DemoDocument | undefined = catalog.get(view.doc);
    if (!doc) continue;
    const seconds = Math.min(view.seconds, Math.floor((lastBeaconMs - t) / 1000));
    if (seconds <= 0) break;
    const { viewId } = await startView(db, {
      scope,
      documentSlug: doc.slug,
      documentCategory: doc.category,
      documentTitle: doc.title,
      sectionIds: doc.sectionIds,
      deviceId,
      deviceLabel: label,
      networkHash: network,
      now: new Date(t),
    });
    let seq = 0;
    for (let active = Math.min(BEACON_EVERY_SECONDS, seconds); ; active = Math.min(active + BEACON_EVERY_SECONDS, seconds)) {
      const beacon = {
        seq: ++seq,
        activeSeconds: active,
        maxScrollPercent: Math.round((view.scroll * active) / view.seconds),
        sections: sectionSecondsAt(doc.sectionIds, view.scroll, view.seconds, active),
        printed: view.print === true && active === view.seconds,
      };
      await recordHeartbeat(db, scope, viewId, beacon, new Date(t + active * 1000));
      if (active >= seconds) break;
    }
    const attachment = doc.attachments[0];
    if (view.download && attachment) await recordDownload(db, scope, doc.slug, attachment, deviceId, new Date(t + seconds * 1000));
    t += (seconds + BETWEEN_DOCUMENTS_SECONDS) * 1000;
  }
}

/**
 * Plays the story for every demo opportunity that has no reading yet (no running totals at all, so
 * never twice, and never over a real reader's data), in one transaction. Returns the opportunities
 * it seeded. `links` holds the active link of each demo contact.
 */
export async function seedReadingHistory(db: RingiDb, key: SecretKey, catalog: DemoCatalog, links: ReadonlyMap<string, LinkScope>, now: Date): Promise<string[]> {
  const nowMs = now.getTime();
  return await db.transaction(async () => {
    const ids = demoHistory.map((h) => h.opportunityId);
    const alreadyRead = new Set(
      // Sharing a link creates the row (ADR 0020): reading is a visit or an automated open.
      (await db
        .select({ id: opportunityEngagement.opportunityId })
        .from(opportunityEngagement)
        .where(and(inArray(opportunityEngagement.opportunityId, ids), or(gt(opportunityEngagement.visits, 0), gt(opportunityEngagement.automatedOpens, 0)))))
        .map((r) => r.id),
    );
    const todo = demoHistory.filter((h) => !alreadyRead.has(h.opportunityId) && Object.keys(h.shared).every((contactId) => links.has(contactId)));

    const steps: Played[] = [];
    for (const history of todo) {
      const firstShare = Math.max(...Object.values(history.shared));
      for (const [contactId, minutes] of Object.entries(history.shared)) {
        // The links were shared before anyone read them (the unopened rule compares the two).
        const sharedAt = new Date(nowMs - minutes * MINUTE_MS);
        await db.update(accessLinks).set({ createdAt: sharedAt }).where(and(eq(accessLinks.id, links.get(contactId)!.accessLinkId), gt(accessLinks.createdAt, sharedAt)));
      }
      const createdAt = new Date(nowMs - firstShare * MINUTE_MS - 3 * DAY_MS);
      await db.update(opportunities).set({ createdAt }).where(and(eq(opportunities.id, history.opportunityId), gt(opportunities.createdAt, createdAt)));
      await seedStagePath(db, history, createdAt, nowMs);
      await rebuildOpportunityAggregates(db, history.opportunityId);

      const devices = new Map<Browser, string>();
      for (const visit of history.visits) {
        const scope = links.get(visit.contactId)!;
        let deviceId = devices.get(visit.browser);
        if (!deviceId) devices.set(visit.browser, (deviceId = newTrackingId()));
        const device = deviceId;
        steps.push({ at: visit.at, play: () => playVisit(db, key, catalog, scope, device, visit, nowMs) });
      }
      for (const open of history.automatedOpens) {
        const agent = describeAgent(classifyRequest({ method: 'GET', userAgent: open.userAgent, headers: new Headers() }));
        steps.push({ at: open.at, play: () => recordAutomatedOpen(db, links.get(open.contactId)!, null, agent, new Date(nowMs - open.at * MINUTE_MS)) });
      }
    }
    // Oldest first, as it happened: ingestion decides new visits and new devices from what came before.
    for (const step of steps.sort((a, b) => b.at - a.at)) await step.play();

    await suppressHotAlerts(db, todo, now);
    return todo.map((h) => h.opportunityId);
  });
}

/** The deal's stage path through the one writer of stage history, unless it has one already. */
async function seedStagePath(db: RingiDb, history: OpportunityHistory, createdAt: Date, nowMs: number): Promise<void> {
  const [deal] = await db.select({ ownerUserId: opportunities.ownerUserId, stage: opportunities.stage }).from(opportunities).where(eq(opportunities.id, history.opportunityId)).limit(1);
  const [recorded] = await db.select({ id: opportunityStageChanges.id }).from(opportunityStageChanges).where(eq(opportunityStageChanges.opportunityId, history.opportunityId)).limit(1);
  // A rep may have moved the demo deal since: its history then starts from the stage it has.
  if (!deal || recorded) return;
  const path = history.stages[history.stages.length - 1]?.stage === deal.stage ? history.stages : [{ stage: deal.stage }];
  let from: number | null = null;
  for (const step of path) {
    const at = step.at === undefined ? createdAt : new Date(nowMs - step.at * MINUTE_MS);
    await recordStageChange(db, { opportunityId: history.opportunityId, fromStage: from, toStage: step.stage, reason: from === null ? 'created' : 'manual', byUserId: deal.ownerUserId, at });
    from = step.stage;
  }
}

/**
 * The Slack worker looks back a day after a restart and would raise hot alerts for seeded reading.
 * A skipped hot alert per opportunity for today and tomorrow (Japan days: the alert's key) takes
 * their place, so nothing is sent about reading that never happened. Visit alerts are not queued
 * at all: the history is played without the alert option of startView.
 */
async function suppressHotAlerts(db: RingiDb, seeded: readonly OpportunityHistory[], now: Date): Promise<void> {
  const dayAgo = DAY_MS / MINUTE_MS;
  for (const history of seeded) {
    const recent = history.visits.some((v) => v.at <= dayAgo) || history.automatedOpens.some((o) => o.at <= dayAgo);
    if (!recent) continue;
    for (const day of new Set([workspaceDay(now), workspaceDay(new Date(now.getTime() + DAY_MS))])) {
      await db.insert(slackOutbox)
        .values({
          idempotencyKey: `hot:${history.opportunityId}:${day}`,
          kind: 'hot',
          opportunityId: history.opportunityId,
          status: 'skipped',
          dueAt: now,
          lastError: 'Demo reading history: not sent.',
        })
        .onConflictDoNothing({ target: slackOutbox.idempotencyKey });
    }
  }
}
