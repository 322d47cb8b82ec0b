// Ringi's production server: reading beacons on a plain node:http path, everything else through
// Astro's node adapter (static files and SSR pages). Built to dist/ringi-server.mjs by `npm run build`.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { config } from '../config';
import { DOCUMENT_REFRESH_MS, refreshDocumentPerformance } from '../dashboard/dashboard';
import { prepareDatabase, type RingiDb } from '../db/client';
import { loadSecretKey } from '../security/secret-box';
import { webhookUrlForRecipient } from '../settings/settings';
import { alertPolicy } from '../slack/policy';
import { opportunityEngagementSummary } from '../tracking/read-model';
import { purgeExpiredTracking } from '../tracking/retention';
import { deliver } from '../slack/sender';
import { startSlackWorker } from '../slack/worker';
import { handleBeacon } from './beacon-endpoint';
import { matchBeaconPath } from './beacon-request';
import { trustedForwardedFor, trustProxyFromEnv } from './client-address';
import { guardRequest } from './request-guard';
import { ProspectPages } from './prospect-page-cache';
import { tokenGuessingGuard } from './token-guessing';

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next?: (error?: unknown) => void) => void;

async function main(): Promise<void> {
  const db = await prepareDatabase(); // migrate before the first request, not during it
  const serverKey = loadSecretKey();
  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const astroEntry = pathToFileURL(path.resolve(process.env.RINGI_ASTRO_ENTRY ?? 'dist/server/entry.mjs')).href;
  const { handler } = (await import(astroEntry)) as { handler: NodeHandler };

  const astro: http.RequestListener = (req, res) =>
    handler(req, res, (error?: unknown) => {
      if (error) console.error('request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(error ? 500 : 404).end();
    });

  const prospectPages = new ProspectPages(db, handler);
  const trustProxy = trustProxyFromEnv(process.env.RINGI_TRUST_PROXY);
  const refuseTokenGuessing = tokenGuessingGuard(db);
  const server = http.createServer((req, res) => {
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
    prospectPages.serve(req, res, astro).catch((error: unknown) => {
      console.error('request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 4321);
  server.listen(port, host, () => console.log(`Ringi listening on http://${host}:${port}`));

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
  const retention = startDailyPurge(db);
  const documentTable = keepDocumentTableFresh(db);
  const stop = () => {
    clearInterval(retention);
    clearInterval(documentTable);
    server.close();
    void slackWorker.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The dashboard's unfiltered document table, recomputed off the request path (ADR 0007). */
function keepDocumentTableFresh(db: RingiDb): NodeJS.Timeout {
  const refresh = async () => {
    try {
      await refreshDocumentPerformance(db);
    } catch (error) {
      console.error('document table refresh failed:', error instanceof Error ? error.message : error);
    }
  };
  setImmediate(refresh);
  const timer = setInterval(refresh, DOCUMENT_REFRESH_MS);
  timer.unref();
  return timer;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Purges raw tracking past the retention period a minute after start, then once a day. */
function startDailyPurge(db: RingiDb): NodeJS.Timeout {
  const purge = async () => {
    try {
      const result = await purgeExpiredTracking(db, new Date());
      if (result.visits + result.linkEvents + result.slackAlerts + result.signInCounters > 0) {
        console.log(`retention: purged ${result.visits} visits, ${result.documentViews} views, ${result.linkEvents} link events before ${result.cutoff.toISOString()}; ${result.slackAlerts} done Slack alerts; ${result.signInCounters} expired sign-in counters`);
      }
    } catch (error) {
      console.error('retention purge failed:', error instanceof Error ? error.message : error);
    }
  };
  setTimeout(purge, 60_000).unref();
  const timer = setInterval(purge, DAY_MS);
  timer.unref();
  return timer;
}

main().catch((error: unknown) => {
  console.error(`ringi: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
