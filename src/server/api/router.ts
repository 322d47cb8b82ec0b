// The /api/v1 request pipeline, one place for every route: find the route, check the token, the
// per-token rate limit and the scope, parse path, query and body with the route's zod schemas, run
// Idempotency-Key for POSTs, call the handler, answer JSON (errors in the one shape of http/json.ts).
import { z } from 'zod/v4';
import type { Actor } from '../crm/common';
import type { Queryable } from '../db/client';
import { BODY_LIMITS } from '../http/body-limits';
import { readBoundedBody } from '../http/forms';
import { describeIssues, jsonError, jsonOk } from '../http/json';
import { RateLimiter, type RateLimitRule } from '../security/rate-limit';
import type { SecretKey } from '../security/secret-box';
import { findStoredAnswer, InFlightKeys, isValidIdempotencyKey, requestFingerprint, storeAnswer } from './idempotency';
import { authenticateApiToken, bearerToken, scopeAllows, type ApiTokenScope } from './tokens';

export const API_PREFIX = '/api/v1';
/** Per token: bursts of 120 requests, 600 a minute sustained. */
export const API_RATE_LIMIT: RateLimitRule = { burst: 120, perMinute: 600 };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A refusal a handler returns; turned into the JSON error shape. */
export class ApiProblem extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    readonly code: 'bad_request' | 'forbidden' | 'not_found' | 'conflict' | 'invalid_payload',
    message: string,
  ) {
    super(message);
  }
}

export interface ApiServices {
  db: Queryable;
  key: SecretKey;
  publicBaseUrl: string;
  now: () => Date;
  /** The document catalog (Astro's content layer at run time; a fixed list in tests). */
  documents: () => Promise<{ slug: string; title: string; summary: string; category: string; language: 'ja' | 'en'; version: string; updated: Date; readingMinutes: number }[]>;
  /** Workspace defaults for rooms and links made through the API. */
  defaults: () => Promise<{ roomLocale: 'ja' | 'en'; linkExpiryDays: number }> | { roomLocale: 'ja' | 'en'; linkExpiryDays: number };
  allowPrivateWebhooks?: boolean;
}

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  tokenId: string;
  scope: ApiTokenScope;
  services: ApiServices;
  now: Date;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDefinition<P extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, B extends Schema | undefined = Schema | undefined> {
  method: HttpMethod;
  /** Under /api/v1, with `{name}` for path parameters. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: ApiTokenScope;
  params?: P;
  query?: Q;
  body?: B;
  /** Status → schema of the body (null: no body) and what it means, for the OpenAPI document. */
  responses: Record<number, { description: string; schema: Schema | null }>;
  handler: (input: HandlerInput<Out<P>, Out<Q>, Out<B>>) => Promise<ApiAnswer>;
}

/** Keeps each route's handler typed by its own schemas. */
export function route<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(definition: RouteDefinition<P, Q, B>): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

interface CompiledRoute {
  definition: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

function compile(definition: RouteDefinition): CompiledRoute {
  const names: string[] = [];
  const source = definition.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { definition, pattern: new RegExp(`^${source}/?$`), names };
}

const retryAfterHeaders = (seconds: number) => ({ 'Retry-After': String(seconds) });

export class ApiRouter {
  private readonly compiled: CompiledRoute[];
  private readonly limiter: RateLimiter;
  private readonly inFlight = new InFlightKeys();

  constructor(
    readonly routes: readonly RouteDefinition[],
    private readonly openApi: () => unknown,
    rateLimit: RateLimitRule = API_RATE_LIMIT,
  ) {
    this.compiled = routes.map(compile);
    this.limiter = new RateLimiter(rateLimit);
  }

  async handle(request: Request, url: URL, services: ApiServices): Promise<Response> {
    try {
      return await this.dispatch(request, url, services);
    } catch (error) {
      if (error instanceof ApiProblem) return jsonError(error.status, error.code, error.message);
      console.error('api request failed:', error instanceof Error ? error.message : 'unknown error');
      return jsonError(500, 'unavailable', 'The request failed on the server; nothing was changed unless a later read shows it.');
    }
  }

  private async dispatch(request: Request, url: URL, services: ApiServices): Promise<Response> {
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname;
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (path === '/openapi.json' && method === 'GET') return jsonOk(this.openApi(), 200, { 'Cache-Control': 'no-cache' });

    const matches = this.compiled.map((c) => ({ c, match: c.pattern.exec(path) })).filter((m) => m.match !== null);
    if (matches.length === 0) return jsonError(404, 'not_found', `No API resource at ${API_PREFIX}${path}. The list is at ${API_PREFIX}/openapi.json.`);
    const found = matches.find((m) => m.c.definition.method === method);
    if (!found) {
      const response = jsonError(405, 'method_not_allowed', `${request.method} is not supported here.`);
      response.headers.set('Allow', [...new Set(matches.map((m) => m.c.definition.method))].join(', '));
      return response;
    }
    const { definition, names } = found.c;

    const now = services.now();
    const auth = await authenticateApiToken(services.db, bearerToken(request.headers.get('authorization')), now);
    if (!auth.ok) {
      const response = jsonError(401, 'unauthorized', auth.message);
      response.headers.set('WWW-Authenticate', 'Bearer realm="ringi-api"');
      return response;
    }
    const { tokenId, scope, actor } = auth.value;
    const limit = this.limiter.take(tokenId, now.getTime());
    if (!limit.allowed) {
      return withHeaders(jsonError(429, 'rate_limited', `Too many requests for this token; retry after ${limit.retryAfterSeconds} s.`), retryAfterHeaders(limit.retryAfterSeconds));
    }
    if (!scopeAllows(scope, definition.scope)) return jsonError(403, 'forbidden', `This token has the ${scope} scope; ${definition.method} ${definition.path} needs ${definition.scope}.`);

    const rawParams = Object.fromEntries(names.map((name, i) => [name, safeDecode(found.match![i + 1]!)]));
    const params = definition.params ? definition.params.safeParse(rawParams) : { success: true as const, data: undefined };
    if (!params.success) return jsonError(404, 'not_found', `No such resource: ${describeIssues(issuesOf(params.error))}.`);
    const query = definition.query ? definition.query.safeParse(Object.fromEntries(url.searchParams)) : { success: true as const, data: undefined };
    if (!query.success) return jsonError(400, 'bad_request', `Query: ${describeIssues(issuesOf(query.error))}.`);

    let bodyText = '';
    let body: unknown = undefined;
    if (definition.body) {
      const type = request.headers.get('content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) return jsonError(415, 'unsupported_media_type', 'Send the body as application/json.');
      const bytes = await readBoundedBody(request, BODY_LIMITS.api);
      if (bytes === 'tooLarge') return jsonError(413, 'payload_too_large', `At most ${BODY_LIMITS.api} bytes.`);
      bodyText = new TextDecoder().decode(bytes);
      let json: unknown;
      try {
        json = JSON.parse(bodyText);
      } catch {
        return jsonError(400, 'bad_request', 'The body is not valid JSON.');
      }
      const parsed = definition.body.safeParse(json);
      if (!parsed.success) return jsonError(422, 'invalid_payload', describeIssues(issuesOf(parsed.error)));
      body = parsed.data;
    }

    const input = { params: params.data, query: query.data, body, actor, tokenId, scope, services, now };
    const idempotencyKey = definition.method === 'POST' ? request.headers.get('idempotency-key') : null;
    if (idempotencyKey === null) return toResponse(await definition.handler(input));

    if (!isValidIdempotencyKey(idempotencyKey)) return jsonError(400, 'bad_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    const fingerprint = requestFingerprint(definition.method, url.pathname, bodyText);
    if (!this.inFlight.claim(tokenId, idempotencyKey)) return jsonError(409, 'conflict', 'A request with this Idempotency-Key is still being processed; retry later.');
    try {
      const stored = await findStoredAnswer(services.db, services.key, tokenId, idempotencyKey, fingerprint, now);
      if (stored.kind === 'mismatch') return jsonError(422, 'invalid_payload', 'This Idempotency-Key was used with a different request; use a new key for a new request.');
      if (stored.kind === 'replay') return new Response(stored.body, { status: stored.status, headers: { ...jsonHeaders, 'Idempotent-Replayed': 'true' } });
      const answer = await definition.handler(input).catch((error: unknown) => {
        if (error instanceof ApiProblem) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
        throw error;
      });
      if (answer.status < 500) {
        await storeAnswer(services.db, services.key, { tokenId, key: idempotencyKey, fingerprint, status: answer.status, body: JSON.stringify(answer.body) }, now);
      }
      return toResponse(answer);
    } finally {
      this.inFlight.release(tokenId, idempotencyKey);
    }
  }
}

const jsonHeaders = { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' };

function toResponse(answer: ApiAnswer): Response {
  if (answer.status === 204) return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store', ...answer.headers } });
  return jsonOk(answer.body, answer.status, answer.headers);
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function issuesOf(error: z.ZodError): { path: (string | number)[]; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message }));
}
