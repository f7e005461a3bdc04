import type { TenantContext } from '../platform/context.ts';
import type { TenantId } from '../platform/db/keys.ts';
import { unitOfWork } from '../platform/db/repository.ts';
import { type DomainError, isDomainError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { publicUrl } from '../platform/links.ts';
import { toFieldIssues } from '../platform/schema.ts';
import { signLink, verifyLink } from '../platform/signed-links.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { type Contact, ContactUpdate } from './schema.ts';
import { applyContactChange, contactWriteContext, getContact, writeContactChangeInto } from './service.ts';
import { addTimelineEntryInto } from './timeline.ts';

/**
 * Self-service: a signed, expiring link lets a contact correct their own data and consent on a
 * small HTML form that works without JavaScript. The submission goes through the API's own
 * schema (ContactUpdate) and the same service, and the history names the contact as the actor.
 * Expired, tampered or stale links get a friendly page, never an error trace.
 */
export const SELF_SERVICE_DAYS = 7;

export async function createSelfServiceLink(
  ctx: TenantContext,
  contactId: string,
): Promise<{ url: string; expiresAt: string }> {
  await getContact(ctx, contactId);
  const expiresAt = new Date(ctx.clock.now().getTime() + SELF_SERVICE_DAYS * 86_400_000);
  const token = await signLink('self-service', { t: ctx.tenantId, s: contactId }, expiresAt);
  return { url: publicUrl(`/v1/self-service/${token}`), expiresAt: expiresAt.toISOString() };
}

export interface HtmlPage {
  status: number;
  html: string;
}

type ContextFor = (tenantId: TenantId, contactId: string) => TenantContext;

async function open(
  token: string,
  contextFor: ContextFor,
  now: Date,
): Promise<{ ctx: TenantContext; contact: Contact; company: string } | HtmlPage> {
  const check = await verifyLink('self-service', token, now);
  if (!check.ok)
    return check.reason === 'expired'
      ? notice(410, 'This link has expired', 'Ask us for a new link and we will send one right away.')
      : notice(404, 'This link does not work', 'Check that you copied the whole link from your email.');
  try {
    const ctx = contextFor(check.claims.t as TenantId, check.claims.s);
    const [contact, tenant] = await Promise.all([getContact(ctx, check.claims.s), getTenant(ctx)]);
    return { ctx, contact, company: tenant.name };
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof TypeError)
      return notice(404, 'This link no longer works', 'The details it pointed to are no longer held.');
    throw error;
  }
}

export async function selfServiceForm(token: string, contextFor: ContextFor, now: Date): Promise<HtmlPage> {
  const opened = await open(token, contextFor, now);
  if ('html' in opened) return opened;
  return { status: 200, html: form(opened.company, token, opened.contact, {}) };
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
  if (fields.consent === 'granted' || fields.consent === 'denied')
    update.marketingConsent = { status: fields.consent, source: 'self-service' };
  return update;
}

const FORM_FIELD: Record<string, string> = {
  'body.phones.0.number': 'phone',
  'body.phones.0': 'phone',
  'body.addresses.0.lines': 'line1',
  'body.addresses.0.lines.0': 'line1',
  'body.addresses.0.city': 'city',
  'body.addresses.0.country': 'country',
  'body.addresses.0.region': 'region',
  'body.addresses.0.postalCode': 'postalCode',
};

export async function submitSelfService(
  token: string,
  fields: Record<string, string>,
  contextFor: ContextFor,
  now: Date,
): Promise<HtmlPage> {
  const opened = await open(token, contextFor, now);
  if ('html' in opened) return opened;
  const { ctx, contact, company } = opened;
  const errorsFrom = (issues: Array<{ path: string; message: string }>) =>
    Object.fromEntries(issues.map((i) => [FORM_FIELD[i.path] ?? i.path.replace(/^body\./, ''), i.message]));
  const parsed = ContactUpdate.safeParse(updateFromForm(contact, fields));
  if (!parsed.success)
    return {
      status: 400,
      html: form(company, token, contact, errorsFrom(toFieldIssues(parsed.error, 'body')), fields),
    };
  try {
    const write = await contactWriteContext(ctx, parsed.data);
    const { next, fields: changed } = applyContactChange(ctx, contact, parsed.data, write);
    if (changed.length === 0) return thanks(company);
    const uow = unitOfWork(ctx);
    writeContactChangeInto(uow, ctx, contact, next, changed);
    addTimelineEntryInto(uow, ctx, contact.id, {
      kind: 'self_service',
      title: 'Updated their details',
      summary: `Changed: ${changed.join(', ')}`,
    });
    await uow.commit();
    return thanks(company);
  } catch (error) {
    if (error instanceof ValidationError)
      return { status: 400, html: form(company, token, contact, errorsFrom(error.issues), fields) };
    if (isDomainError(error))
      return {
        status: (error as DomainError).kind === 'conflict' ? 409 : 400,
        html: form(company, token, contact, { email: friendly(error as DomainError) }, fields),
      };
    throw error;
  }
}

function friendly(error: DomainError): string {
  return error.kind === 'conflict'
    ? 'This email address is already used by someone else in our records.'
    : 'Your details could not be saved as they are; please check them.';
}

// HTML

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin-top:.8rem;font-weight:600}input[type=text],input[type=email],input[type=tel]{width:100%;padding:.4rem;box-sizing:border-box}
.error{color:#b00020;font-weight:normal}fieldset{margin-top:1rem}button{margin-top:1.2rem;padding:.5rem 1.2rem}</style>
</head><body>${body}</body></html>`;
}

function notice(status: number, title: string, message: string): HtmlPage {
  return { status, html: page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`) };
}

function thanks(company: string): HtmlPage {
  return notice(200, 'Thank you', `${company} has your details as you gave them. You can close this page.`);
}

function form(
  company: string,
  token: string,
  contact: Contact,
  errors: Record<string, string>,
  submitted?: Record<string, string>,
): string {
  const address = contact.addresses[0];
  const current: Record<string, string> = {
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email ?? '',
    phone: contact.phones[0]?.number ?? '',
    line1: address?.lines[0] ?? '',
    line2: address?.lines[1] ?? '',
    city: address?.city ?? '',
    postalCode: address?.postalCode ?? '',
    region: address?.region ?? '',
    country: address?.country ?? '',
  };
  const value = (name: string) => submitted?.[name] ?? current[name] ?? '';
  const input = (name: string, label: string, type = 'text') =>
    `<label for="${name}">${escapeHtml(label)}${errors[name] ? ` <span class="error">${escapeHtml(errors[name])}</span>` : ''}</label>
<input type="${type}" id="${name}" name="${name}" value="${escapeHtml(value(name))}">`;
  const consent = submitted?.consent ?? contact.marketingConsent?.status;
  const otherErrors = Object.entries(errors).filter(([name]) => !(name in current));
  return page(
    `Your details at ${company}`,
    `<h1>Your details at ${escapeHtml(company)}</h1>
<p>Correct anything that is wrong and save. Leave a field empty to remove it.</p>
${otherErrors.map(([name, message]) => `<p class="error">${escapeHtml(name)}: ${escapeHtml(message)}</p>`).join('\n')}
<form method="post" action="${escapeHtml(publicUrl(`/v1/self-service/${token}`))}">
${input('firstName', 'First name')}
${input('lastName', 'Last name')}
${input('email', 'Email', 'email')}
${input('phone', 'Phone', 'tel')}
<fieldset><legend>Postal address</legend>
${input('line1', 'Street')}
${input('line2', 'More address')}
${input('postalCode', 'Postal code')}
${input('city', 'City')}
${input('region', 'Region or state')}
${input('country', 'Country code (e.g. FR, US)')}
</fieldset>
<fieldset><legend>News and offers by email</legend>
<label><input type="radio" name="consent" value="granted"${consent === 'granted' ? ' checked' : ''}> Yes, send me news and offers</label>
<label><input type="radio" name="consent" value="denied"${consent === 'denied' ? ' checked' : ''}> No, thank you</label>
</fieldset>
<button type="submit">Save my details</button>
</form>`,
  );
}
