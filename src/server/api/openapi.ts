// The OpenAPI 3.1 document of /api/v1, generated from the route table and its zod schemas (the same
// objects the handlers parse with). OpenAPI 3.1 uses JSON Schema 2020-12, which z.toJSONSchema emits.
import { z } from 'zod/v4';
import { webhookEventTypes } from '../db/tables';
import { API_PREFIX, API_RATE_LIMIT, type RouteDefinition } from './router';

type JsonSchema = Record<string, unknown>;

/** A schema as JSON Schema for a request (`input`: what may be sent) or a response (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

function parametersOf(route: RouteDefinition): unknown[] {
  const list: unknown[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...propertySchema } = property;
      list.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: propertySchema });
    }
  };
  add(route.params, 'path');
  add(route.query, 'query');
  if (route.method === 'POST') {
    list.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Repeat a POST safely: the first answer is kept 24 h and replayed for the same request; the same key with another body answers 422.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return list;
}

export function buildOpenApi(routes: readonly RouteDefinition[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, { description, schema }]) => [
        status,
        schema ? { description, content: { 'application/json': { schema: jsonSchemaOf(schema, 'output') } } } : { description },
      ]),
    );
    const parameters = parametersOf(route);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: [{ bearerToken: [] }],
      'x-required-scope': route.scope,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ringi API',
      version: '1.0.0',
      description: [
        'Accounts, contacts and opportunities (found and upserted by the CRM’s externalId), rooms, access links, and who read what.',
        'Authenticate with `Authorization: Bearer <token>` (an API token from the admin settings or `npm run ringi -- api-token create`).',
        'Tokens have the `read` or `write` scope; write includes read.',
        `Each token may send ${API_RATE_LIMIT.burst} requests at once and ${API_RATE_LIMIT.perMinute} a minute; beyond that 429 with Retry-After.`,
        'Lists are paged with `limit` and `cursor` (pass `nextCursor` back; null on the last page).',
        `Errors: {"error": {"code", "message"}}. Outgoing webhooks (Standard Webhooks signatures) carry the events ${webhookEventTypes.join(', ')}.`,
      ].join(' '),
    },
    servers: [{ url: `${serverUrl.replace(/\/+$/, '')}${API_PREFIX}` }],
    components: { securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token: <id>.<secret>' } } },
    paths,
  };
}
