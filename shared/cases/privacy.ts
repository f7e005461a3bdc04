import type { TenantContext } from '../platform/context.ts';
import { getItem, queryAll, unitOfWork } from '../platform/db/repository.ts';
import { ConflictError } from '../platform/errors.ts';
import { caseKeys } from './keys.ts';

/** What an erased conversation says in place of what was written. */
export const ERASED_TEXT = '(erased with the contact)';
/** Messages per transaction: far below TransactWriteItems' 100 actions. */
const CHUNK = 25;

/**
 * Erasure of a contact (ContactErased) anonymises their cases: each case stays, with its number,
 * status, priority, channel, timings and SLA clocks (what the contact centre's numbers need), and
 * loses the person: the requester's name and address, the link to the contact (the company, a
 * business, stays), the subject, and
 * in every message the text, subject, sender and phone number (agents' replies and notes too: they
 * quote and name the customer). Attachments follow the documents' erasure (docs/documents.md).
 * Messages go first and the case last, so a run cut short is found again by the contact's index
 * and finished; a second run finds nothing left.
 */
export async function anonymiseContactCases(ctx: TenantContext, contactId: string): Promise<number> {
  const cases = await queryAll(ctx, {
    index: 'GSI3',
    partition: caseKeys.ofContact(ctx.tenantId, contactId),
  });
  for (const listed of cases) {
    const caseId = String(listed.id);
    const messages = await queryAll(ctx, {
      partition: caseKeys.partition(ctx.tenantId, caseId),
      sort: { beginsWith: 'MSG#' },
    });
    const left = messages.filter((m) => m.text !== ERASED_TEXT || m.from !== undefined);
    for (let i = 0; i < left.length; i += CHUNK) {
      const uow = unitOfWork(ctx);
      for (const message of left.slice(i, i + CHUNK)) {
        const call = message.call as { durationSeconds: number } | undefined;
        uow.update(caseKeys.message(ctx.tenantId, caseId, String(message.id)), {
          set: {
            text: ERASED_TEXT,
            subject: ERASED_TEXT,
            ...(call ? { call: { durationSeconds: call.durationSeconds } } : {}),
          },
          remove: ['from', 'truncated'],
        });
      }
      await uow.commit();
    }
    const current = await getItem(ctx, caseKeys.case(ctx.tenantId, caseId), { consistent: true });
    if (!current || current.contactId !== contactId) continue;
    await unitOfWork(ctx)
      .update(caseKeys.case(ctx.tenantId, caseId), {
        set: {
          subject: ERASED_TEXT,
          requester: { name: '' },
          personErasedAt: ctx.clock.now().toISOString(),
        },
        remove: ['contactId', 'GSI3PK', 'GSI3SK'],
        bumpVersion: true,
        condition: (e) => `${e.name('version')} = ${e.value(current.version)}`,
      })
      .commit();
  }
  return cases.length;
}

/**
 * A merge moves the duplicate's cases to the kept contact (ContactsMerged), so that the kept
 * contact lists them and its erasure anonymises them. Each case moves only while it still names
 * the duplicate; running it again finds nothing left.
 */
export async function moveContactCases(ctx: TenantContext, fromId: string, toId: string): Promise<number> {
  const cases = await queryAll(ctx, { index: 'GSI3', partition: caseKeys.ofContact(ctx.tenantId, fromId) });
  for (const listed of cases)
    await unitOfWork(ctx)
      .update(caseKeys.case(ctx.tenantId, String(listed.id)), {
        set: { contactId: toId, GSI3PK: caseKeys.ofContact(ctx.tenantId, toId) },
        bumpVersion: true,
        condition: (e) => `${e.name('contactId')} = ${e.value(fromId)}`,
        onConditionFailed: () => new ConflictError('The case no longer names the merged contact.'),
      })
      .commit()
      .catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
  return cases.length;
}
