import { describe, expect, it } from 'vitest';
import { canArchiveAccount, canAssignOwner, canEditAccount, canEditOpportunity, canManageWorkspace, canView } from '../../src/server/auth/permissions';
import { allows } from '../../src/server/auth/guard';
import { publisherRoles } from '../../src/server/documents/studio';

const admin = { id: 'admin-1', role: 'admin' as const };
const sato = { id: 'rep-sato', role: 'rep' as const };
const tanaka = { id: 'rep-tanaka', role: 'rep' as const };

describe('permissions', () => {
  it('let every signed-in user see everything', () => {
    expect([admin, sato, tanaka].every(canView)).toBe(true);
  });
  it('let reps edit only their own opportunities, admins all', () => {
    const satosDeal = { ownerUserId: 'rep-sato' };
    expect(canEditOpportunity(sato, satosDeal)).toBe(true);
    expect(canEditOpportunity(tanaka, satosDeal)).toBe(false);
    expect(canEditOpportunity(admin, satosDeal)).toBe(true);
  });
  it('share accounts for editing but keep archiving and workspace settings to admins', () => {
    expect(canEditAccount(sato)).toBe(true);
    expect(canArchiveAccount(sato)).toBe(false);
    expect(canArchiveAccount(admin)).toBe(true);
    expect(canManageWorkspace(sato)).toBe(false);
    expect(canManageWorkspace(admin)).toBe(true);
  });
  it('let only admins give an opportunity to another owner', () => {
    expect(canAssignOwner(sato)).toBe(false);
    expect(canAssignOwner(admin)).toBe(true);
  });
});

describe('which roles a page lets in (requireUser)', () => {
  it('closes every page to content editors unless the page names them', () => {
    expect(allows('content', {})).toBe(false);
    expect(allows('rep', {})).toBe(true);
    expect(allows('admin', {})).toBe(true);
    expect(allows('content', { role: 'admin' })).toBe(false);
    expect(allows('rep', { roles: publisherRoles })).toBe(false);
    expect(allows('content', { roles: publisherRoles })).toBe(true);
    // Admins can do everything a content editor can.
    expect(allows('admin', { roles: publisherRoles })).toBe(true);
  });
});
