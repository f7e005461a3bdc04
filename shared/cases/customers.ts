import { getContactItem } from '../contacts/records.ts';
import { createContactInto, findContactIdByEmail } from '../contacts/service.ts';
import type { TenantContext } from '../platform/context.ts';
import type { UnitOfWork } from '../platform/db/repository.ts';
import { UnprocessableError } from '../platform/errors.ts';
import type { NewCase } from './cases.ts';
import type { CaseCreate } from './schema.ts';

/*
 * Who a case opened through the API is for: the contact named, the one with the requester's
 * address, or a new lead. Apart from cases.ts, and loaded when a case is created, so that the
 * contacts service (and its events) is not in the cold start of the cases API.
 */

/** The case's customer: an existing contact (with their company), or a lead created in `uow`. */
export async function customerFor(
  ctx: TenantContext,
  uow: UnitOfWork,
  body: CaseCreate,
): Promise<Pick<NewCase, 'contactId' | 'companyId' | 'requester'>> {
  const contactId =
    body.contactId ??
    (body.requesterEmail ? await findContactIdByEmail(ctx, body.requesterEmail) : undefined);
  if (contactId) {
    const item = await getContactItem(ctx, contactId);
    if (!item) throw UnprocessableError.field('body.contactId', `No contact ${contactId}.`);
    const email = body.requesterEmail ?? (typeof item.email === 'string' ? item.email : undefined);
    return {
      contactId,
      ...(typeof item.companyId === 'string' ? { companyId: item.companyId } : {}),
      requester: {
        name: body.requesterName ?? `${String(item.firstName)} ${String(item.lastName)}`.trim(),
        ...(email ? { email } : {}),
      },
    };
  }
  if (!body.requesterEmail) return { requester: { name: body.requesterName ?? '' } };
  const [firstName, ...rest] = (body.requesterName ?? body.requesterEmail.split('@')[0]!).split(/\s+/);
  const contact = createContactInto(uow, ctx, {
    firstName: firstName!.slice(0, 100),
    lastName: (rest.join(' ') || '-').slice(0, 100),
    email: body.requesterEmail,
    lifecycleStage: 'lead',
    tags: [],
  });
  return {
    contactId: contact.id,
    requester: { name: body.requesterName ?? '', email: body.requesterEmail },
  };
}
