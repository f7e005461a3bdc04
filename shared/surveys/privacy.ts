import { contactKeys } from '../contacts/keys.ts';
import type { TenantContext } from '../platform/context.ts';
import { getItem, type Item, queryAll, unitOfWork } from '../platform/db/repository.ts';
import { invitationKeys, responseKeys } from './keys.ts';
import { getRevision } from './records.ts';

/**
 * What surveys hold about a person, under the contacts module's contract (docs/contacts.md):
 * erasure removes their invitations and last-surveyed mark and anonymizes their responses (the
 * scores stay, counted in the aggregates, without the person or their written words); a merge
 * moves everything to the contact that stays. Both are idempotent: a redelivery finds nothing
 * left to do.
 */

async function responsesOf(ctx: TenantContext, contactId: string): Promise<Item[]> {
  return queryAll(ctx, { index: 'GSI3', partition: responseKeys.ofContact(ctx.tenantId, contactId) });
}

async function invitationsOf(ctx: TenantContext, contactId: string): Promise<Item[]> {
  return queryAll(ctx, { index: 'GSI1', partition: invitationKeys.ofContact(ctx.tenantId, contactId) });
}

export async function eraseSurveyData(ctx: TenantContext, contactId: string): Promise<void> {
  const t = ctx.tenantId;
  for (const response of await responsesOf(ctx, contactId)) {
    const revision = await getRevision(ctx, String(response.surveyId), Number(response.revision));
    const answers = { ...(response.answers as Record<string, unknown>) };
    for (const question of revision.questions) if (question.type === 'text') delete answers[question.id];
    await unitOfWork(ctx)
      .update(responseKeys.response(t, String(response.id)), {
        set: { answers },
        remove: ['contactId', 'GSI3PK', 'GSI3SK'],
      })
      .commit();
  }
  for (const invitation of await invitationsOf(ctx, contactId)) {
    const uow = unitOfWork(ctx)
      .delete(invitationKeys.invitation(t, String(invitation.id)))
      .delete(invitationKeys.invitee(t, String(invitation.waveId), contactId));
    if (invitation.code) uow.delete(invitationKeys.code(t, String(invitation.code)));
    await uow.commit();
  }
  await unitOfWork(ctx).delete(invitationKeys.surveyed(t, contactId)).commit();
  await dropTriggerClaims(ctx, contactId);
}

/** The contact's trigger claims (waves.ts, startTriggeredWave): they name the contact. */
async function dropTriggerClaims(ctx: TenantContext, contactId: string): Promise<void> {
  const claims = await queryAll(ctx, {
    partition: contactKeys.partition(ctx.tenantId, contactId),
    sort: { beginsWith: invitationKeys.triggerClaimPrefix },
    consistent: true,
  });
  for (const claim of claims)
    await unitOfWork(ctx)
      .delete({ PK: String(claim.PK), SK: String(claim.SK) })
      .commit();
}

export async function moveSurveyData(ctx: TenantContext, keptId: string, mergedId: string): Promise<void> {
  const t = ctx.tenantId;
  for (const response of await responsesOf(ctx, mergedId))
    await unitOfWork(ctx)
      .update(responseKeys.response(t, String(response.id)), {
        set: { contactId: keptId, GSI3PK: responseKeys.ofContact(t, keptId) },
      })
      .commit();
  for (const invitation of await invitationsOf(ctx, mergedId))
    await unitOfWork(ctx)
      .update(invitationKeys.invitation(t, String(invitation.id)), {
        set: { contactId: keptId, GSI1PK: invitationKeys.ofContact(t, keptId) },
      })
      .commit();
  await dropTriggerClaims(ctx, mergedId);
  const [kept, merged] = await Promise.all([
    getItem(ctx, invitationKeys.surveyed(t, keptId), { consistent: true }),
    getItem(ctx, invitationKeys.surveyed(t, mergedId), { consistent: true }),
  ]);
  if (!merged) return;
  const uow = unitOfWork(ctx).delete(invitationKeys.surveyed(t, mergedId));
  if (!kept || String(kept.lastSurveyedAt) < String(merged.lastSurveyedAt))
    uow.put({ ...merged, ...invitationKeys.surveyed(t, keptId), contactId: keptId });
  await uow.commit();
}
