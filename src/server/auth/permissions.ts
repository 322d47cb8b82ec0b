// Who may do what in the rep workspace. Pure rules; pages and endpoints ask them after requireUser().
import type { SessionUser } from './sessions';

/** Who is acting: the signed-in user as requireUser() returns it (only id and role matter). */
export type Actor = Pick<SessionUser, 'id' | 'role'>;

/** Every rep sees every account, opportunity and reading activity: selling is a team sport. */
export function canView(_actor: Actor): boolean {
  return true;
}

/** Reps edit their own opportunities and rooms; admins edit all. */
export function canEditOpportunity(actor: Actor, opportunity: { ownerUserId: string }): boolean {
  return actor.role === 'admin' || opportunity.ownerUserId === actor.id;
}

/** Accounts and contacts are shared records: any rep may create and edit them, only admins archive them. */
export function canEditAccount(actor: Actor): boolean {
  return actor.role === 'admin' || actor.role === 'rep';
}

export function canArchiveAccount(actor: Actor): boolean {
  return actor.role === 'admin';
}

/** Settings, users and Slack webhooks are admin-only. */
export function canManageWorkspace(actor: Actor): boolean {
  return actor.role === 'admin';
}

/** Reps own what they create; only admins give an opportunity to someone else. */
export function canAssignOwner(actor: Actor): boolean {
  return actor.role === 'admin';
}
