import type { Contact } from '../contacts/schema.ts';
import type { TenantContext } from '../platform/context.ts';
import { queryAll } from '../platform/db/repository.ts';
import { purchaseKeys } from '../sales/keys.ts';
import { lastSurveyed } from './invitations.ts';
import type { SurveySampling } from './schema.ts';

/**
 * Sampling rules decide who of a wave's audience is invited: not someone invited to any survey
 * within the last N days (survey fatigue), and only customers of at least N days. A customer's
 * tenure starts at their first purchase; a customer with no purchase on record (imported as a
 * customer) counts from when their record was created.
 */
export interface Candidate {
  contactId: string;
  lifecycleStage: Contact['lifecycleStage'];
  /** ISO instant the contact became a customer, when they are one. */
  customerSince?: string;
  /** ISO instant of their last survey invitation, if any. */
  lastSurveyedAt?: string;
}

export type SkipReason = 'recently_surveyed' | 'not_a_customer' | 'customer_too_recent';
export type Verdict = { invite: true } | { invite: false; reason: SkipReason };

const DAY_MS = 86_400_000;

export function sample(candidate: Candidate, rules: SurveySampling, now: Date): Verdict {
  const daysSince = (iso: string) => (now.getTime() - Date.parse(iso)) / DAY_MS;
  if (
    rules.skipIfSurveyedWithinDays !== undefined &&
    candidate.lastSurveyedAt &&
    daysSince(candidate.lastSurveyedAt) < rules.skipIfSurveyedWithinDays
  )
    return { invite: false, reason: 'recently_surveyed' };
  if (rules.customersForAtLeastDays !== undefined) {
    if (candidate.lifecycleStage !== 'customer' || !candidate.customerSince)
      return { invite: false, reason: 'not_a_customer' };
    if (daysSince(candidate.customerSince) < rules.customersForAtLeastDays)
      return { invite: false, reason: 'customer_too_recent' };
  }
  return { invite: true };
}

/** Reads what the rules need about a batch of contacts, and only that. */
export async function candidatesOf(
  ctx: TenantContext,
  contacts: Contact[],
  rules: SurveySampling,
): Promise<Candidate[]> {
  const surveyed =
    rules.skipIfSurveyedWithinDays !== undefined
      ? await lastSurveyed(
          ctx,
          contacts.map((c) => c.id),
        )
      : new Map<string, string>();
  const since = new Map<string, string>();
  if (rules.customersForAtLeastDays !== undefined) {
    await Promise.all(
      contacts
        .filter((c) => c.lifecycleStage === 'customer')
        .map(async (contact) => {
          const bought = await queryAll(ctx, {
            partition: purchaseKeys.contactPartition(ctx.tenantId, contact.id),
            sort: { beginsWith: 'BOUGHT#' },
          });
          const first = bought
            .map((item) => String(item.firstBoughtAt))
            .sort()
            .at(0);
          since.set(contact.id, first ?? contact.createdAt);
        }),
    );
  }
  return contacts.map((contact) => ({
    contactId: contact.id,
    lifecycleStage: contact.lifecycleStage,
    ...(since.has(contact.id) ? { customerSince: since.get(contact.id) } : {}),
    ...(surveyed.has(contact.id) ? { lastSurveyedAt: surveyed.get(contact.id) } : {}),
  }));
}
