// The one pipeline of admin forms. Every admin page or endpoint that takes a POSTed form runs it:
//   read    same origin only, bounded size (forms.ts readForm);
//   authorize  the target exists and the user may act on it (a rule from auth/permissions.ts);
//   parse + act  the page's `act`: zod schemas and the rules live in the src/server function it calls;
//   respond    303 to where the action leads (with a flash: `?saved=…`), the form again with its
//              errors (400 by default), or the one refusal page (refusal.ts).
// Why not Astro Actions: see docs/adr/0013-admin-form-pipeline.md.
import { adminHeaders } from '../auth/guard';
import type { SessionUser } from '../auth/sessions';
import { BODY_LIMITS } from './body-limits';
import { crossSiteRefusal, readForm, type PostedForm } from './forms';
import { refusalResponse, type RefusalKind, type RefusalOptions } from './refusal';

export interface AdminFormContext {
  request: Request;
  url: URL;
  /** A page's response, whose status a refused form sets (endpoints have none). */
  response?: { status?: number };
}

/**
 * What the act step answers. `failed` is whatever the page needs to show the form again; `show` is a
 * result shown once instead of redirecting (a generated password never goes into a URL).
 */
export type FormOutcome<F> =
  | { ok: true; redirect: string }
  | { ok: true; show: F }
  | { ok: false; reason: 'invalid'; failed: F; status?: 400 | 409 | 429 }
  /** Refused: the refusal page, with a reason more precise than the page's default when given. */
  | { ok: false; reason: RefusalKind; detail?: RefusalOptions['detail'] };

export interface AdminFormSpec<F> {
  /** Size cap of the body; text forms by default. */
  maxBytes?: number;
  /** The authorize step's verdict, from `authorize()`: refused before the form is read. */
  refuse?: RefusalKind | null;
  /** Detail and way back of the refusal page. */
  refusal?: RefusalOptions;
  act: (form: PostedForm) => FormOutcome<F> | Promise<FormOutcome<F>>;
}

/** The authorize step: the target must exist and the permission rule must allow the user. */
export function authorize<T>(target: T | null | undefined, allowed: (target: T) => boolean): RefusalKind | null {
  if (target === null || target === undefined) return 'not_found';
  return allowed(target) ? null : 'forbidden';
}

export function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: location } });
}

/**
 * Runs a POST through the pipeline. Returns a response to send as it is (redirect or refusal), what
 * to render the page with (a failure, its status already set, or a result to show), or null when
 * nothing was posted.
 */
export async function handleAdminForm<F>(context: AdminFormContext, user: SessionUser, spec: AdminFormSpec<F>): Promise<Response | F | null> {
  if (context.request.method !== 'POST') return null;
  const form = await readForm(context.request, context.url, spec.maxBytes ?? BODY_LIMITS.textForm);
  if (!form.ok && form.problem === 'crossSite') return crossSiteRefusal();
  if (spec.refuse) return refusalResponse(user.locale, spec.refuse, spec.refusal);
  if (!form.ok) return refusalResponse(user.locale, form.problem === 'tooLarge' ? 'too_large' : 'bad_request', spec.refusal);
  const outcome = await spec.act(form);
  if (outcome.ok) return 'redirect' in outcome ? seeOther(outcome.redirect) : outcome.show;
  if (outcome.reason !== 'invalid') return refusalResponse(user.locale, outcome.reason, { ...spec.refusal, ...(outcome.detail && { detail: outcome.detail }) });
  if (context.response) context.response.status = outcome.status ?? 400;
  return outcome.failed;
}

/** For endpoints, whose forms live on other pages: every outcome is a redirect or a refusal. */
export async function answerAdminPost(context: AdminFormContext, user: SessionUser, spec: AdminFormSpec<never>): Promise<Response> {
  return (await handleAdminForm(context, user, spec)) ?? refusalResponse(user.locale, 'bad_request', spec.refusal);
}
