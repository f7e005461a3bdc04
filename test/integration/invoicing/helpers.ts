import { inject } from 'vitest';
import { createContact } from '../../../shared/contacts/service.ts';
import { createInvoice, issueInvoice } from '../../../shared/invoicing/invoices.ts';
import type { Invoice, InvoiceCreate } from '../../../shared/invoicing/schema.ts';
import { fixedClock } from '../../../shared/platform/clock.ts';
import type { TenantContext } from '../../../shared/platform/context.ts';
import { newId } from '../../../shared/platform/ids.ts';
import type { TenantSignup } from '../../../shared/tenancy/schema.ts';
import { newTenant, type TestTenant } from '../../support/tenants.ts';

/** A tenant with one customer who has an email address. */
export async function billingTenant(overrides: Partial<TenantSignup> = {}) {
  const tenant = await newTenant({ timeZone: 'Europe/Paris', currency: 'EUR', ...overrides });
  const email = `grace-${newId().toLowerCase()}@navy.example`;
  const contact = await createContact(tenant.ctx, {
    firstName: 'Grace',
    lastName: 'Hopper',
    email,
    lifecycleStage: 'customer',
    tags: [],
    ownerId: tenant.admin.id,
  });
  return { ...tenant, contact, email, financeEmail: tenant.tenant.financeEmail };
}

/** The admin's context at a given instant. */
export function at(tenant: TestTenant, instant: string): TenantContext {
  return tenant.as(
    { type: 'member', memberId: tenant.admin.id, role: 'admin', keyId: tenant.apiKey.id },
    fixedClock(instant),
  );
}

/** The sweep's context on a given instant (as the scheduler's job input `asOf` gives it). */
export function sweepAt(tenant: TestTenant, instant: string): TenantContext {
  return tenant.as({ type: 'system', process: 'dunning-sweep' }, fixedClock(instant));
}

export const oneLine = (unitAmount = 125_000): InvoiceCreate['lines'] => [
  { description: 'Consulting', quantity: 1, unitAmount, taxRateBps: 0 },
];

/** Creates and issues an invoice; dates are the tenant's local dates. */
export async function issuedInvoice(
  ctx: TenantContext,
  contactId: string,
  dates: { issueDate: string; dueDate: string },
  unitAmount?: number,
): Promise<Invoice> {
  const draft = await createInvoice(ctx, { contactId, lines: oneLine(unitAmount), ...dates });
  return issueInvoice(ctx, draft.id);
}

interface StoredMail {
  messageId: string;
  subject: string;
  destination: { to: string[] };
  replyTo: string[];
  from: string;
  body: { text?: string; html?: string };
}

/** Mails the SES emulator received for one address (the emulator is shared by every test file). */
export async function mailsTo(address: string): Promise<StoredMail[]> {
  const store = (await (await fetch(`${inject('sesEndpoint')}/store`)).json()) as { emails: StoredMail[] };
  return store.emails.filter((mail) => mail.destination.to.includes(address));
}
