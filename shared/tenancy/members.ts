import { MemberAdded, MemberDeactivated, MemberRoleChanged } from '../../events/tenancy.ts';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import {
  assertIfMatch,
  type Page,
  queryAll,
  queryPage,
  type UnitOfWork,
  unitOfWork,
  whileVersion,
} from '../platform/db/repository.ts';
import { ConflictError, PreconditionFailedError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { keysOfMember, revokeInto } from './api-keys.ts';
import { changesBetween, recordAudit } from './audit.ts';
import { tenancyKeys } from './keys.ts';
import { getMember, getTenant, toMember } from './records.ts';
import type { Member, MemberCreate, MemberUpdate } from './schema.ts';
import { claimSeatInto } from './seats.ts';
import { assertVerified } from './verification.ts';

/**
 * Members: the tenant's staff. Email is unique per tenant (a guard item in the same partition);
 * the last active admin can be neither demoted nor deactivated, so a tenant never locks itself out.
 */

const emailTaken = (email: string) => () =>
  new ConflictError(`A member with email ${email} already exists.`, { email });

/** Adds a new member to the unit of work (used by sign-up for the first admin, too). */
export function addMemberInto(uow: UnitOfWork, ctx: TenantContext, input: MemberCreate): Member {
  const now = ctx.clock.now().toISOString();
  const member: Member = {
    id: newId(),
    name: input.name,
    email: input.email,
    role: input.role,
    ...(input.team ? { team: input.team } : {}),
    status: 'active',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  uow
    .put(
      { ...tenancyKeys.member(ctx.tenantId, member.id), entity: 'Member', ...member },
      { condition: notExists },
    )
    .put(
      { ...tenancyKeys.memberEmail(ctx.tenantId, member.email), entity: 'MemberEmail', memberId: member.id },
      { condition: notExists, onConditionFailed: emailTaken(member.email) },
    );
  recordAudit(uow, ctx, {
    action: 'member.created',
    target: { type: 'member', id: member.id },
    changes: { role: { from: null, to: member.role } },
  });
  uow.publish(MemberAdded, {
    memberId: member.id,
    role: member.role,
    ...(member.team ? { team: member.team } : {}),
  });
  return member;
}

export async function createMember(ctx: TenantContext, input: MemberCreate): Promise<Member> {
  assertVerified(await getTenant(ctx), 'add members');
  const uow = unitOfWork(ctx);
  await claimSeatInto(uow, ctx);
  const member = addMemberInto(uow, ctx, input);
  await uow.commit();
  return member;
}

export async function listMembers(
  ctx: TenantContext,
  page: { limit: number; cursor?: string },
): Promise<Page<Member>> {
  return queryPage(
    ctx,
    { partition: tenancyKeys.members(ctx.tenantId), sort: { beginsWith: 'MEMBER#' } },
    page,
    toMember,
  );
}

async function activeAdmins(ctx: TenantContext): Promise<Member[]> {
  const items = await queryAll(ctx, {
    partition: tenancyKeys.members(ctx.tenantId),
    sort: { beginsWith: 'MEMBER#' },
  });
  return items.map(toMember).filter((m) => m.role === 'admin' && m.status === 'active');
}

async function assertNotLastAdmin(ctx: TenantContext, member: Member, what: string): Promise<void> {
  if (member.role !== 'admin' || member.status !== 'active') return;
  const admins = await activeAdmins(ctx);
  if (admins.length <= 1)
    throw new ConflictError(`Cannot ${what} the last active admin; make another member admin first.`);
}

export async function updateMember(
  ctx: TenantContext,
  id: string,
  input: MemberUpdate,
  ifMatch?: number | 'any',
): Promise<Member> {
  const current = await getMember(ctx, id);
  const expected = typeof ifMatch === 'number' ? ifMatch : current.version;
  assertIfMatch(ifMatch, current);
  if (current.status !== 'active') throw new ConflictError(`Member ${id} is deactivated.`);
  if (input.role && input.role !== 'admin') await assertNotLastAdmin(ctx, current, 'demote');
  const next: Member = {
    ...current,
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.role !== undefined ? { role: input.role } : {}),
    updatedAt: ctx.clock.now().toISOString(),
    version: current.version + 1,
  };
  if (input.team === null) delete next.team;
  else if (input.team !== undefined) next.team = input.team;
  const changes = changesBetween(current, {
    name: next.name,
    email: next.email,
    role: next.role,
    team: next.team,
  });
  if (Object.keys(changes).length === 0) return current;

  const uow = unitOfWork(ctx).update(tenancyKeys.member(ctx.tenantId, id), {
    set: { name: next.name, email: next.email, role: next.role, team: next.team },
    ...whileVersion(expected),
  });
  if (changes.email) {
    uow
      .delete(tenancyKeys.memberEmail(ctx.tenantId, current.email))
      .put(
        { ...tenancyKeys.memberEmail(ctx.tenantId, next.email), entity: 'MemberEmail', memberId: id },
        { condition: notExists, onConditionFailed: emailTaken(next.email) },
      );
  }
  if (changes.role) {
    // Keys act with their member's role: move them in the same change.
    for (const key of await keysOfMember(ctx, id)) {
      if (key.status === 'active')
        uow.update(tenancyKeys.apiKey(ctx.tenantId, key.id), { set: { role: next.role } });
    }
    uow.publish(MemberRoleChanged, { memberId: id, from: current.role, to: next.role });
  }
  recordAudit(uow, ctx, {
    action: changes.role ? 'member.role_changed' : 'member.updated',
    target: { type: 'member', id },
    changes,
  });
  await uow.commit();
  return next;
}

/** Deactivates the member and revokes every key they had, in one change. */
export async function deactivateMember(ctx: TenantContext, id: string): Promise<Member> {
  const current = await getMember(ctx, id);
  if (current.status === 'deactivated') return current;
  await assertNotLastAdmin(ctx, current, 'deactivate');
  const keys = (await keysOfMember(ctx, id)).filter((k) => k.status === 'active');
  const uow = unitOfWork(ctx).update(tenancyKeys.member(ctx.tenantId, id), {
    set: { status: 'deactivated' },
    ...whileVersion(
      current.version,
      () => new PreconditionFailedError('The member changed meanwhile; retry.'),
    ),
  });
  for (const key of keys) revokeInto(uow, ctx, key);
  recordAudit(uow, ctx, { action: 'member.deactivated', target: { type: 'member', id } });
  uow.publish(MemberDeactivated, { memberId: id, revokedKeys: keys.length });
  await uow.commit();
  return {
    ...current,
    status: 'deactivated',
    version: current.version + 1,
    updatedAt: ctx.clock.now().toISOString(),
  };
}
