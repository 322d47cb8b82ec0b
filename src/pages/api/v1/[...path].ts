// /api/v1: the REST API for CRM integrations. Thin: the pipeline (token, scope, rate limit,
// validation, Idempotency-Key) is src/server/api/router.ts, the routes src/server/api/routes.ts.
import type { APIRoute } from 'astro';
import { buildOpenApi } from '../../../server/api/openapi';
import { ApiRouter, type ApiServices } from '../../../server/api/router';
import { apiRoutes } from '../../../server/api/routes';
import { config } from '../../../server/config';
import { getDb } from '../../../server/db/client';
import { allDocumentCards } from '../../../server/documents/catalog';
import { loadSecretKey } from '../../../server/security/secret-box';
import { getSettings } from '../../../server/settings/settings';

export const prerender = false;

let openApi: Record<string, unknown> | undefined;
const router = new ApiRouter(apiRoutes, () => (openApi ??= buildOpenApi(apiRoutes, config.publicBaseUrl)));

export const ALL: APIRoute = async ({ request, url }) => {
  const db = getDb();
  const services: ApiServices = {
    db,
    key: loadSecretKey(),
    publicBaseUrl: config.publicBaseUrl,
    now: () => new Date(),
    documents: allDocumentCards,
    defaults: async () => {
      const settings = await getSettings(db);
      return { roomLocale: settings.defaultRoomLocale, linkExpiryDays: settings.defaultLinkExpiryDays };
    },
  };
  const response = await router.handle(request, url, services);
  response.headers.set('X-Content-Type-Options', 'nosniff');
  return response;
};
