// Inferred approval progress (issue 19): which step of the buyer's 稟議 the reading points to, and
// when a long-cycle deal has started its evaluation (the hand-off signal). Pure: the facts come from
// approval-facts.ts, the words from approval-messages.ts; every rule and why is in docs/approval-rules.md.
// Nothing here changes a deal: a suggestion waits for the rep to accept or dismiss it.
import crypto from 'node:crypto';
import type { buyingRoles } from '../db/tables';

export type BuyingRole = (typeof buyingRoles)[number];

/** A reader's reading of one document on the deal. */
export interface ReaderDocument {
  slug: string;
  title: string;
  category: string | null;
  activeSeconds: number;
}

/** A person reading the deal's room: a contact, or another browser on a contact's link (a possible reader). */
export interface Reader {
  /** `contact:<id>` or `browser:<device id>`: what evidence keys are built from. */
  key: string;
  /** The contact, or for a possible reader the contact whose link it opened. */
  contactName: string;
  role: BuyingRole;
  /** Another browser on the contact's link, not named yet: perhaps a colleague it was forwarded to. */
  possible: boolean;
  firstSeenAt: Date;
  documents: ReaderDocument[];
}

export interface ApprovalFacts {
  now: Date;
  stage: number;
  stageOutcome: 'open' | 'won' | 'lost';
  salesCycle: 'short' | 'long';
  readers: Reader[];
  /** Visits of the deal, any order (a bounded recent set): when people came, for silences. */
  visits: { startedAt: Date; lastActivityAt: Date }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A reader whose first read on the deal is this recent, and who was not its first reader, is new. */
export const NEW_READER_DAYS = 14;
/** Time on security documents that shows a review rather than a glance. */
export const SECURITY_REVIEW_SECONDS = 120;
/** A document counts as read by someone from this much active time. */
export const READ_SECONDS = 30;
/** People (named contacts) who must have read a document for "read by several people". */
export const SEVERAL_PEOPLE = 2;
/** A gap without any visit this long is a silence; a return counts when it is this recent. */
export const SILENCE_DAYS = 21;
export const RETURN_WITHIN_DAYS = 7;
/** The default pipeline's 稟議中 / Internal approval (db/migrations/0001): where drafting and final approval belong. */
export const INTERNAL_APPROVAL_STAGE = 4;

/** Documents a buyer circulates for approval: reading them is evaluation, not browsing. */
export const KEY_CATEGORIES: readonly string[] = ['pricing', 'security', 'roi', 'approval-template'];
/** The functions that sign a 稟議 off (not the champion who drives it, nor the people who will use it). */
export const SIGNING_ROLES: readonly BuyingRole[] = ['manager', 'decision-maker', 'it-security', 'finance-purchasing', 'legal'];

export interface ReaderRef {
  name: string;
  role: BuyingRole;
  possible: boolean;
}

export type Evidence =
  | { rule: 'it-review'; reader: ReaderRef; seconds: number; documents: string[] }
  | { rule: 'ringi-drafting'; pricing: ReaderRef[]; template: ReaderRef[] }
  | { rule: 'final-approval'; reader: ReaderRef; at: Date }
  | { rule: 'key-document-readers'; document: string; readers: ReaderRef[] }
  | { rule: 'signing-new-reader'; reader: ReaderRef; at: Date }
  | { rule: 'return-after-silence'; silentDays: number; at: Date };

export type ApprovalRule = 'it-review' | 'ringi-drafting' | 'final-approval';
export type EvaluationRule = 'key-document-readers' | 'signing-new-reader' | 'return-after-silence';

export interface Suggestion {
  rule: ApprovalRule;
  /** Rule, kind and the evidence's readers and documents: a decision is stored under it, so new evidence asks again. */
  key: string;
  /** The stage accepting moves the deal to; null: a next step only (accepting records it as done). */
  stage: number | null;
  evidence: Evidence;
}

const refOf = (r: Reader): ReaderRef => ({ name: r.contactName, role: r.role, possible: r.possible });

function keyOf(rule: string, kind: string, parts: string[]): string {
  const digest = crypto.createHash('sha256').update([...parts].sort().join('\n')).digest('base64url').slice(0, 16);
  return `${rule}:${kind}:${digest}`;
}

const secondsIn = (r: Reader, categories: readonly string[]) => r.documents.filter((d) => d.category !== null && categories.includes(d.category)).reduce((sum, d) => sum + d.activeSeconds, 0);
const readersOf = (readers: Reader[], category: string) =>
  readers.filter((r) => !r.possible && r.documents.some((d) => d.category === category && d.activeSeconds >= READ_SECONDS));

/** The deal's first reading: a reader who came after it, recently, is new. */
function newReaders(facts: ApprovalFacts): Reader[] {
  if (facts.readers.length === 0) return [];
  const first = Math.min(...facts.readers.map((r) => r.firstSeenAt.getTime()));
  const since = facts.now.getTime() - NEW_READER_DAYS * DAY_MS;
  return facts.readers.filter((r) => r.firstSeenAt.getTime() > first && r.firstSeenAt.getTime() >= since);
}

/** A stage move when the deal is behind the step, else (when given) a next step; never backwards. */
function atStep(facts: ApprovalFacts, rule: ApprovalRule, stage: number, evidence: Evidence, parts: string[], nextStepWhenReached: boolean): Suggestion | null {
  if (facts.stage < stage) return { rule, key: keyOf(rule, `stage-${stage}`, parts), stage, evidence };
  return nextStepWhenReached ? { rule, key: keyOf(rule, 'step', parts), stage: null, evidence } : null;
}

/** What the reading says about the buyer's approval, for an open deal. Oldest rule first. */
export function approvalSuggestions(facts: ApprovalFacts): Suggestion[] {
  if (facts.stageOutcome !== 'open') return [];
  const out: Suggestion[] = [];

  // IT review: a new reader, or someone from IT, spends real time on the security documents.
  const fresh = new Set(newReaders(facts));
  for (const reader of facts.readers) {
    if (!fresh.has(reader) && reader.role !== 'it-security') continue;
    const seconds = secondsIn(reader, ['security']);
    if (seconds < SECURITY_REVIEW_SECONDS) continue;
    const documents = reader.documents.filter((d) => d.category === 'security').map((d) => d.title);
    out.push({ rule: 'it-review', key: keyOf('it-review', 'step', [reader.key]), stage: null, evidence: { rule: 'it-review', reader: refOf(reader), seconds, documents } });
  }

  // 稟議 being drafted: pricing and the approval template each read by several people.
  const pricing = readersOf(facts.readers, 'pricing');
  const template = readersOf(facts.readers, 'approval-template');
  if (pricing.length >= SEVERAL_PEOPLE && template.length >= SEVERAL_PEOPLE) {
    const s = atStep(facts, 'ringi-drafting', INTERNAL_APPROVAL_STAGE, { rule: 'ringi-drafting', pricing: pricing.map(refOf), template: template.map(refOf) }, [
      ...pricing.map((r) => `p:${r.key}`),
      ...template.map((r) => `t:${r.key}`),
    ], false);
    if (s) out.push(s);
  }

  // Final approval: the decision maker opened the room.
  for (const reader of facts.readers) {
    if (reader.possible || reader.role !== 'decision-maker') continue;
    const s = atStep(facts, 'final-approval', INTERNAL_APPROVAL_STAGE, { rule: 'final-approval', reader: refOf(reader), at: reader.firstSeenAt }, [reader.key], true);
    if (s) out.push(s);
  }
  return out;
}

/** The longest recent silence the deal's reading broke: days without a visit before a return in the last days. */
export function returnAfterSilence(facts: Pick<ApprovalFacts, 'now' | 'visits'>): { silentDays: number; at: Date } | null {
  const visits = [...facts.visits].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const recentFrom = facts.now.getTime() - RETURN_WITHIN_DAYS * DAY_MS;
  let best: { silentDays: number; at: Date } | null = null;
  let lastEnd: number | null = null;
  for (const visit of visits) {
    const start = visit.startedAt.getTime();
    if (lastEnd !== null && start >= recentFrom) {
      const gap = start - lastEnd;
      if (gap >= SILENCE_DAYS * DAY_MS && (!best || gap > best.silentDays * DAY_MS)) best = { silentDays: Math.floor(gap / DAY_MS), at: visit.startedAt };
    }
    lastEnd = Math.max(lastEnd ?? 0, visit.lastActivityAt.getTime());
  }
  return best;
}

/**
 * Signs that a long-cycle deal's buyer has started evaluating: the moment content or inside sales
 * hands it to field sales. Empty for short-cycle and closed deals.
 */
export function evaluationSignals(facts: ApprovalFacts): Evidence[] {
  if (facts.salesCycle !== 'long' || facts.stageOutcome !== 'open') return [];
  const out: Evidence[] = [];
  const documents = new Map<string, { title: string; readers: Reader[] }>();
  for (const reader of facts.readers) {
    if (reader.possible) continue;
    for (const d of reader.documents) {
      if (d.category === null || !KEY_CATEGORIES.includes(d.category) || d.activeSeconds < READ_SECONDS) continue;
      const entry = documents.get(d.slug) ?? { title: d.title, readers: [] };
      entry.readers.push(reader);
      documents.set(d.slug, entry);
    }
  }
  for (const { title, readers } of documents.values()) {
    if (readers.length >= SEVERAL_PEOPLE) out.push({ rule: 'key-document-readers', document: title, readers: readers.map(refOf) });
  }
  for (const reader of newReaders(facts)) {
    if (!reader.possible && SIGNING_ROLES.includes(reader.role)) out.push({ rule: 'signing-new-reader', reader: refOf(reader), at: reader.firstSeenAt });
  }
  const back = returnAfterSilence(facts);
  if (back) out.push({ rule: 'return-after-silence', ...back });
  return out;
}
