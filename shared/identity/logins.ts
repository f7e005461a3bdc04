import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { TenantContext } from '../platform/context.ts';
import { getItem, unitOfWork } from '../platform/db/repository.ts';
import { getMember } from '../tenancy/records.ts';
import { MEMBER_ATTRIBUTE, TENANT_ATTRIBUTE } from './attributes.ts';
import { cognito } from './cognito.ts';
import { identityConfig } from './config.ts';
import { identityKeys } from './keys.ts';

/**
 * Members and their Cognito users. Adding a member invites them (Cognito mails a temporary
 * password; they choose their own on first sign-in); deactivating one disables their user and
 * ends their sessions. The user carries the tenant and member ids as attributes only the API
 * writes, and the member's login item records the user's `sub`: a token is honoured only while
 * both agree, so a user re-created under the same email cannot inherit someone's membership.
 */
export interface Login {
  memberId: string;
  username: string;
  sub?: string;
  /** `unavailable`: the address already signs in to another company's workspace. */
  status: 'enabled' | 'disabled' | 'unavailable';
  invitedAt: string;
}

const attribute = (attributes: AttributeType[] | undefined, name: string) =>
  attributes?.find((a) => a.Name === name)?.Value;

export async function getLogin(ctx: TenantContext, memberId: string): Promise<Login | undefined> {
  const item = await getItem(ctx, identityKeys.login(ctx.tenantId, memberId), { consistent: true });
  return item as Login | undefined;
}

/**
 * Creates the member's Cognito user, which mails the invitation. Safe to repeat: a second
 * delivery finds the user it created (same tenant and member) and only records the link.
 */
export async function inviteMember(ctx: TenantContext, memberId: string): Promise<Login | undefined> {
  const member = await getMember(ctx, memberId);
  if (member.status !== 'active') return undefined;
  const existing = await getLogin(ctx, memberId);
  if (existing) return existing;
  const username = member.email.toLowerCase();
  const userPoolId = identityConfig.USER_POOL_ID;
  let attributes: AttributeType[] | undefined;
  try {
    const created = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: username,
        DesiredDeliveryMediums: ['EMAIL'],
        UserAttributes: [
          { Name: 'email', Value: username },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'name', Value: member.name },
          { Name: TENANT_ATTRIBUTE, Value: ctx.tenantId },
          { Name: MEMBER_ATTRIBUTE, Value: memberId },
        ],
      }),
    );
    attributes = created.User?.Attributes;
  } catch (error) {
    if ((error as { name?: string }).name !== 'UsernameExistsException') throw error;
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
    attributes = user.UserAttributes;
  }
  const ours =
    attribute(attributes, TENANT_ATTRIBUTE) === ctx.tenantId &&
    attribute(attributes, MEMBER_ATTRIBUTE) === memberId;
  const login: Login = {
    memberId,
    username,
    status: ours ? 'enabled' : 'unavailable',
    invitedAt: ctx.clock.now().toISOString(),
    ...(ours ? { sub: attribute(attributes, 'sub') } : {}),
  };
  if (!ours) ctx.logger.warn('member email already signs in elsewhere', { memberId });
  await unitOfWork(ctx)
    .put({ ...identityKeys.login(ctx.tenantId, memberId), entity: 'MemberLogin', ...login })
    .commit();
  return login;
}

/** Disables the member's user and signs them out everywhere; repeating it changes nothing. */
export async function disableLogin(ctx: TenantContext, memberId: string): Promise<void> {
  const login = await getLogin(ctx, memberId);
  if (login?.status !== 'enabled') return;
  const target = { UserPoolId: identityConfig.USER_POOL_ID, Username: login.username };
  await cognito.send(new AdminDisableUserCommand(target));
  await cognito.send(new AdminUserGlobalSignOutCommand(target));
  await unitOfWork(ctx)
    .update(identityKeys.login(ctx.tenantId, memberId), { set: { status: 'disabled' } })
    .commit();
}
