import { randomBytes } from 'node:crypto';
import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { getItem, getItems, type UnitOfWork, unitOfWork, withoutKeys } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { publicUrl } from '../platform/links.ts';
import { signTenantLink } from '../tenancy/link-keys.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { invitationKeys } from './keys.ts';
import type { Invitation, Wave } from './schema.ts';

/**
 * Invitations: one per contact and wave, each with its own signed, expiring link (a JWT whose
 * audience is `survey` and subject the invitation), or for paper letters a short code. Creating
 * one records, in the contact's partition and the same transaction, when the contact was last
 * surveyed (sampling).
 */

export const invitationFromItem = (item: Record<string, unknown>): Invitation =>
  withoutKeys<Invitation>(item);

export async function getInvitation(ctx: TenantContext, id: string, consistent = false): Promise<Invitation> {
  const item = await getItem(ctx, invitationKeys.invitation(ctx.tenantId, id), { consistent });
  if (!item) throw new NotFoundError('Survey invitation', id);
  return invitationFromItem(item);
}

/** The link a recipient opens; valid until the invitation expires. */
export async function invitationUrl(
  tenant: Pick<Tenant, 'id' | 'linkKeys'>,
  invitation: Invitation,
): Promise<string> {
  const token = await signTenantLink(tenant, 'survey', { s: invitation.id }, new Date(invitation.expiresAt));
  return publicUrl(`/v1/survey-forms/${token}`);
}

// Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper is unambiguous.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 8 characters (40 bits), shown as `ABCD-2345`. */
export function newShortCode(): string {
  const bytes = randomBytes(8);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % 32]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** What staff type, read generously: case, spaces and dashes do not matter; I, L → 1 and O → 0. */
export function normalizeShortCode(typed: string): string {
  const clean = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return clean.length === 8 ? `${clean.slice(0, 4)}-${clean.slice(4)}` : clean;
}

export interface NewInvitation {
  wave: Wave;
  contactId: string;
  /** Paper letters: the short code, unique per tenant through a guard item. */
  code?: string;
}

/**
 * Adds an email invitation to the unit of work, unique per (wave, contact) through a guard item.
 * It is not counted here: at 500 sends a second a counter would be a hot item. The wave learns
 * how many invitations were mailed from the sending pipeline when the mailing completes.
 */
export function invitationInto(uow: UnitOfWork, ctx: TenantContext, input: NewInvitation): Invitation {
  const invitation = letterInto(uow, ctx, input);
  const t = ctx.tenantId;
  uow.put(
    {
      ...invitationKeys.invitee(t, input.wave.id, input.contactId),
      entity: 'SurveyInvitee',
      invitationId: invitation.id,
    },
    {
      condition: notExists,
      onConditionFailed: (existing) => new AlreadyInvited(String(existing?.invitationId)),
    },
  );
  return invitation;
}

/**
 * The invitation item and the contact's last-surveyed mark. Paper batches use it alone: their
 * contacts are distinct by construction and the batch counts its letters once.
 */
export function letterInto(uow: UnitOfWork, ctx: TenantContext, input: NewInvitation): Invitation {
  const t = ctx.tenantId;
  const now = ctx.clock.now().toISOString();
  const invitation: Invitation = {
    id: newId(),
    surveyId: input.wave.surveyId,
    waveId: input.wave.id,
    revision: input.wave.revision,
    contactId: input.contactId,
    channel: input.wave.channel,
    ...(input.code ? { code: input.code } : {}),
    createdAt: now,
    expiresAt: input.wave.linkExpiresAt,
  };
  uow.put({
    ...invitationKeys.invitation(t, invitation.id),
    entity: 'SurveyInvitation',
    ...invitation,
    GSI1PK: invitationKeys.ofContact(t, input.contactId),
    GSI1SK: `${now}#${invitation.id}`,
  });
  if (input.code)
    uow.put(
      { ...invitationKeys.code(t, input.code), entity: 'SurveyCode', invitationId: invitation.id },
      { condition: notExists, onConditionFailed: () => new CodeTaken() },
    );
  uow.put({
    ...invitationKeys.surveyed(t, input.contactId),
    entity: 'ContactSurveyed',
    contactId: input.contactId,
    lastSurveyedAt: now,
    surveyId: input.wave.surveyId,
    waveId: input.wave.id,
  });
  return invitation;
}

/** The contact already has an invitation in this wave (a redelivery): use that one. */
export class AlreadyInvited extends Error {
  constructor(readonly invitationId: string) {
    super(`Already invited (${invitationId}).`);
  }
}

/** A freshly drawn code was already in use: draw another. */
export class CodeTaken extends Error {}

export async function invitationByCode(ctx: TenantContext, code: string): Promise<Invitation | undefined> {
  const guard = await getItem(ctx, invitationKeys.code(ctx.tenantId, normalizeShortCode(code)));
  return guard ? getInvitation(ctx, String(guard.invitationId)) : undefined;
}

/** When each contact was last invited to a survey (absent: never). */
export async function lastSurveyed(ctx: TenantContext, contactIds: string[]): Promise<Map<string, string>> {
  const items = await getItems(
    ctx,
    contactIds.map((id) => invitationKeys.surveyed(ctx.tenantId, id)),
  );
  return new Map(items.map((item) => [String(item.contactId), String(item.lastSurveyedAt)]));
}

/**
 * The contact's invitation in this wave, created on first call: a redelivered send finds the
 * invitation (and so the link) the first delivery made.
 */
export async function inviteContact(ctx: TenantContext, wave: Wave, contactId: string): Promise<Invitation> {
  const uow = unitOfWork(ctx);
  const invitation = invitationInto(uow, ctx, { wave, contactId });
  try {
    await uow.commit();
    return invitation;
  } catch (error) {
    if (error instanceof AlreadyInvited) return getInvitation(ctx, error.invitationId, true);
    throw error;
  }
}
