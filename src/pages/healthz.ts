// GET /healthz: the load balancer's health check (src/server/http/health.ts). No session, no secrets.
import type { APIRoute } from 'astro';
import { getDb } from '../server/db/client';
import { healthResponse } from '../server/http/health';

export const prerender = false;

export const GET: APIRoute = () => healthResponse(getDb());
