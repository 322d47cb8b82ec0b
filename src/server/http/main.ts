// Ringi's server: one request pipeline in front of Astro, and the background jobs. The same modules
// as Astro's pages, in one process: `npm start` runs it from Astro's build (server-entry.ts) and
// `npm run dev` from Astro's dev server (astro-integration.ts), see docs/adr/0016.
// A request goes: forwarded headers, the request guard (ADR 0009), the token-guessing limit (ADR
// 0010), then a reading beacon on a plain node:http path (ADR 0003), a prospect page from its room's
// template (ADR 0006), or else Astro (static files and SSR pages).
import type http from 'node:http';
import { config } from '../config';
import { prepareDatabase, type RingiDb } from '../db/client';
import { startLeasedJob } from '../db/job-leases';
import { syncContentDirectory, syncReportLines } from '../documents/content-sync';
import { discardStaleDrafts, DRAFT_KEEP_DAYS } from '../documents/versions';
import { loadSecretKey } from '../security/secret-box';
import { webhookUrlForRecipient } from '../settings/settings';
import { alertPolicy } from '../slack/policy';
import { opportunityEngagementSummary } from '../tracking/read-model';
import { AGGREGATES_VERSION, buildAggregatesOnce } from '../tracking/aggregates';
import { purgeExpiredTracking } from '../tracking/retention';
import { deliver } from '../slack/sender';
import { startSlackWorker } from '../slack/worker';
import { DEFAULT_READ_SETTLE_MS } from '../webhooks/events';
import { startWebhookWorker } from '../webhooks/worker';
import { handleBeacon } from './beacon-endpoint';
import { matchBeaconPath } from './beacon-request';
import { trustedForwardedFor, trustProxyFromEnv } from './client-address';
import { guardRequest } from './request-guard';
import { ProspectPages, type TemplateRenderer } from './prospect-page-cache';
import { tokenGuessingGuard } from './token-guessing';

export interface RingiServer {
  /** Answers `req` itself, or hands it to `astro` (Astro's handler: static files and pages). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, astro: http.RequestListener): void;
  /** Stops the background jobs (the Slack worker finishes its round). */
  stop(): Promise<void>;
}

/**
 * Opens (and migrates) the database, then starts the background jobs. Without `renderPage` (the dev
 * server) prospect pages are rendered by Astro on every request: the same bytes, only slower.
 */
export async function startRingi({ renderPage }: { renderPage?: TemplateRenderer } = {}): Promise<RingiServer> {
  const db = await prepareDatabase(); // migrate before the first request, not during it
  // content/ in git publishes its changed documents before the first request (ADR 0018).
  const content = syncReportLines(await syncContentDirectory(db, config.contentDir));
  for (const line of content.info) console.log(line);
  for (const line of content.problems) console.error(line);
  const serverKey = loadSecretKey();
  const prospectPages = renderPage ? new ProspectPages(db, renderPage) : null;
  const trustProxy = trustProxyFromEnv(process.env.RINGI_TRUST_PROXY);
  const refuseTokenGuessing = tokenGuessingGuard(db);

  const handle: RingiServer['handle'] = (req, res, astro) => {
    // Astro.clientAddress (sign-in throttling, network hashes) must not be chosen by the client.
    const forwardedFor = trustedForwardedFor(req.headers['x-forwarded-for'], trustProxy);
    if (forwardedFor) req.headers['x-forwarded-for'] = forwardedFor;
    else delete req.headers['x-forwarded-for'];
    if (!guardRequest(req, res, trustProxy)) return;
    if (refuseTokenGuessing(req, res, forwardedFor ?? req.socket.remoteAddress)) return;
    const beacon = req.method === 'POST' || req.method === 'PUT' ? matchBeaconPath((req.url ?? '/').split('?')[0]!) : null;
    if (beacon) {
      handleBeacon(db, req, res, beacon).catch((error: unknown) => {
        console.error('beacon failed:', error instanceof Error ? error.message : error);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (!prospectPages) return astro(req, res);
    prospectPages.serve(req, res, astro).catch((error: unknown) => {
      console.error('request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };

  const slackWorker = startSlackWorker(
    {
      db,
      now: () => new Date(),
      policy: () => alertPolicy(db),
      // The rep's own webhook, else the workspace's (RINGI_SLACK_WEBHOOK_URL wins over the stored one).
      webhookFor: (recipientUserId) => webhookUrlForRecipient(db, recipientUserId, { key: serverKey }),
      deliver,
      publicBaseUrl: config.publicBaseUrl,
      scoreOf: async (opportunityId, now) => (await opportunityEngagementSummary(db, opportunityId, now))?.score ?? null,
    },
    Number(process.env.RINGI_SLACK_WORKER_INTERVAL_MS ?? 5000),
  );
  const webhookWorker = startWebhookWorker(
    {
      db,
      key: serverKey,
      now: () => new Date(),
      policy: () => alertPolicy(db),
      scoreOf: async (opportunityId, now) => (await opportunityEngagementSummary(db, opportunityId, now))?.score ?? null,
      settleMs: process.env.RINGI_WEBHOOK_READ_SETTLE_SECONDS ? Number(process.env.RINGI_WEBHOOK_READ_SETTLE_SECONDS) * 1000 : DEFAULT_READ_SETTLE_MS,
    },
    Number(process.env.RINGI_WEBHOOK_WORKER_INTERVAL_MS ?? 5000),
  );
  const retention = startDailyPurge(db);
  const aggregates = startAggregatesBuild(db);
  return {
    handle,
    stop: () => {
      return Promise.all([slackWorker.stop(), webhookWorker.stop(), retention.stop(), aggregates.stop()]).then(() => undefined);
    },
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A database from before the dashboard's aggregates (or from before their AGGREGATES_VERSION) gets
 * them built on start, in the background: batches of opportunities that let requests through in
 * between (ADR 0020). Until then an opportunity's aggregates are built at its next view. Instances
 * that find another one building ask again a minute later.
 */
export function startAggregatesBuild(db: RingiDb, options: { retryMs?: number; onDone?: (outcome: 'built' | 'done-before') => void } = {}): { stop: () => Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const attempt = () => {
    running = buildAggregatesOnce(db)
      .then((outcome) => {
        if (outcome === 'busy') {
          if (!stopped) (timer = setTimeout(attempt, options.retryMs ?? 60_000)).unref();
          return;
        }
        if (outcome === 'built') console.log(`dashboard aggregates built (version ${AGGREGATES_VERSION})`);
        options.onDone?.(outcome);
      })
      .catch((error: unknown) => console.error('building the dashboard aggregates failed:', error instanceof Error ? error.message : error));
  };
  attempt();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Purges raw tracking past the retention period, and studio drafts nobody published, once a day
 * across every instance on the database (a job lease, src/server/db/job-leases.ts): each instance
 * asks every ten minutes, starting a minute after start, and the one that wins the day's claim purges.
 */
function startDailyPurge(db: RingiDb): { stop: () => Promise<void> } {
  return startLeasedJob(db, {
    name: 'retention-purge',
    intervalMs: DAY_MS,
    checkEveryMs: 10 * 60_000,
    firstCheckAfterMs: 60_000,
    run: async (now) => {
      const drafts = await discardStaleDrafts(db, now);
      if (drafts > 0) console.log(`content studio: discarded ${drafts} draft(s) nobody published in ${DRAFT_KEEP_DAYS} days`);
      const result = await purgeExpiredTracking(db, now);
      if (result.visits + result.linkEvents + result.slackAlerts + result.signInCounters > 0) {
        console.log(`retention: purged ${result.visits} visits, ${result.documentViews} views, ${result.linkEvents} link events before ${result.cutoff.toISOString()}; ${result.slackAlerts} done Slack alerts; ${result.signInCounters} expired sign-in counters`);
      }
    },
  });
}
