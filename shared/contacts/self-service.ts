import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { type DomainError, isDomainError, ValidationError } from '../platform/errors.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import type { Visit } from '../platform/pages/reply.ts';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import { openTenantLink } from '../tenancy/link-keys.ts';
import { linkProblemPage, tenantNotice } from '../tenancy/page.tsx';
import { getTenant } from '../tenancy/records.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { getContact } from './records.ts';
import { type Contact, ContactUpdate } from './schema.ts';
import { selfServiceLinkFor } from './self-service-link.ts';
import { type FormProblem, selfServicePage } from './self-service-page.tsx';
import { applyContactChange, contactWriteContext, writeContactChangeInto } from './service.ts';
import { addTimelineEntryInto } from './timeline.ts';
import { currentContact } from './tombstones.ts';

/**
 * Self-service: a signed link lets a contact correct their own data, consent and language on a
 * small HTML form that works without JavaScript, in their language. The submission goes through
 * the API's own schema (ContactUpdate) and the same service, and the history names the contact as
 * the actor. The link expires after SELF_SERVICE_DAYS (it opens personal data, and is sent on
 * request); expired, tampered, revoked or stale links get a friendly page, never an error trace.
 */
export async function createSelfServiceLink(
  ctx: TenantContext,
  contactId: string,
): Promise<{ url: string; expiresAt: string }> {
  const [tenant] = await Promise.all([getTenant(ctx), getContact(ctx, contactId)]);
  return selfServiceLinkFor(tenant, contactId, ctx.clock.now());
}

type ContextFor = (tenantId: TenantId, contactId: string) => TenantContext;

interface Opened {
  ctx: TenantContext;
  contact: Contact;
  tenant: Tenant;
  i18n: Translator;
}

async function open(token: string, contextFor: ContextFor, visit: Visit): Promise<Opened | HtmlPage> {
  const link = await openTenantLink('self-service', token, (t, s) => contextFor(t as TenantId, s), visit.now);
  if (!link.ok) {
    const reader = link.ctx && link.claims ? await currentContact(link.ctx, link.claims.s) : undefined;
    const i18n = await translator(reader?.locale, link.tenant?.locale, visit.browserLocale);
    return linkProblemPage(link.reason, link.tenant, i18n, {
      title: i18n.t('selfService.expired.title'),
      message: i18n.t('selfService.expired.body', { company: link.tenant?.name ?? '' }),
    });
  }
  const { ctx, tenant } = link;
  // A link mailed before a merge opens the contact the person is now.
  const contact = await currentContact(ctx, link.claims.s);
  if (contact) return { ctx, contact, tenant, i18n: await translator(contact.locale, tenant.locale) };
  const i18n = await translator(tenant.locale);
  return tenantNotice(404, tenant, i18n, i18n.t('selfService.gone.title'), i18n.t('selfService.gone.body'));
}

export async function selfServiceForm(
  token: string,
  contextFor: ContextFor,
  visit: Visit,
): Promise<HtmlPage> {
  const opened = await open(token, contextFor, visit);
  if ('html' in opened) return opened;
  return selfServicePage(200, opened, {}, undefined);
}

/** Reads the form as a ContactUpdate: the same schema, and the same service, as the API. */
function updateFromForm(contact: Contact, fields: Record<string, string>): unknown {
  const text = (name: string) => (fields[name] ?? '').trim();
  const update: Record<string, unknown> = {
    firstName: text('firstName'),
    lastName: text('lastName'),
    email: text('email') === '' ? null : text('email'),
  };
  if (text('phone') || contact.phones.length)
    update.phones = text('phone')
      ? [{ number: text('phone'), type: contact.phones[0]?.type ?? 'mobile' }, ...contact.phones.slice(1)]
      : contact.phones.slice(1);
  const addressGiven = ['line1', 'city', 'postalCode', 'region', 'country'].some((n) => text(n) !== '');
  if (addressGiven || contact.addresses.length) {
    const address = {
      type: contact.addresses[0]?.type ?? 'home',
      lines: [text('line1'), text('line2')].filter(Boolean),
      ...(text('city') ? { city: text('city') } : {}),
      ...(text('postalCode') ? { postalCode: text('postalCode') } : {}),
      ...(text('region') ? { region: text('region') } : {}),
      country: text('country'),
    };
    update.addresses = addressGiven ? [address, ...contact.addresses.slice(1)] : contact.addresses.slice(1);
  }
  // The form always sends the consent box; only a changed answer is a new consent. Sending the
  // same answer again would replace the original proof (its source and date) with this visit.
  const consent = fields.consent;
  if ((consent === 'granted' || consent === 'denied') && consent !== contact.marketingConsent?.status)
    update.marketingConsent = { status: consent, source: 'self-service' };
  if (fields.locale !== undefined) update.locale = text('locale') === '' ? null : text('locale');
  return update;
}

/** The form field an API path is about. */
const FORM_FIELD: Record<string, string> = {
  'body.firstName': 'firstName',
  'body.lastName': 'lastName',
  'body.email': 'email',
  'body.phones': 'phone',
  'body.phones.0': 'phone',
  'body.phones.0.number': 'phone',
  'body.addresses.0.lines': 'line1',
  'body.addresses.0.lines.0': 'line1',
  'body.addresses.0.lines.1': 'line2',
  'body.addresses.0.city': 'city',
  'body.addresses.0.country': 'country',
  'body.addresses.0.region': 'region',
  'body.addresses.0.postalCode': 'postalCode',
  'body.locale': 'locale',
};

/** The problems of a submission by form field, in the reader's language (the API's are English). */
/**
 * One problem per form field, saying what is wrong with it: too long whatever the field (a
 * 5,000-character name is not empty), otherwise the field's own hint.
 */
function formProblems(issues: Array<{ path: string; tooLong?: boolean }>): FormProblem[] {
  const seen = new Set<string>();
  return issues.flatMap((issue) => {
    const field = FORM_FIELD[issue.path] ?? 'form';
    if (seen.has(field)) return [];
    seen.add(field);
    return [issue.tooLong ? { field, message: 'selfService.invalid.tooLong' as const } : { field }];
  });
}

export async function submitSelfService(
  token: string,
  fields: Record<string, string>,
  contextFor: ContextFor,
  visit: Visit,
): Promise<HtmlPage> {
  const opened = await open(token, contextFor, visit);
  if ('html' in opened) return opened;
  const { ctx, contact, tenant } = opened;
  const parsed = ContactUpdate.safeParse(updateFromForm(contact, fields));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: ['body', ...issue.path.map(String)].join('.'),
      tooLong: issue.code === 'too_big',
    }));
    return selfServicePage(400, opened, fields, formProblems(issues));
  }
  try {
    const write = await contactWriteContext(ctx, parsed.data);
    const { next, fields: changed } = applyContactChange(ctx, contact, parsed.data, write);
    if (changed.length) {
      const uow = unitOfWork(ctx);
      writeContactChangeInto(uow, ctx, contact, next, changed);
      addTimelineEntryInto(uow, ctx, contact.id, {
        kind: 'self_service',
        title: 'Updated their details',
        summary: `Changed: ${changed.join(', ')}`,
      });
      await uow.commit();
    }
    // Thanked in the language they just chose, if they chose one.
    const i18n = await translator(next.locale, tenant.locale);
    return tenantNotice(
      200,
      tenant,
      i18n,
      i18n.t('selfService.thanks.title'),
      i18n.t('selfService.thanks.body', { company: tenant.name }),
    );
  } catch (error) {
    if (error instanceof ValidationError)
      return selfServicePage(400, opened, fields, formProblems(error.issues));
    if (isDomainError(error)) {
      const conflict = (error as DomainError).kind === 'conflict';
      return selfServicePage(conflict ? 409 : 400, opened, fields, [
        { field: 'email', message: conflict ? 'selfService.error.emailTaken' : 'selfService.error.other' },
      ]);
    }
    throw error;
  }
}
