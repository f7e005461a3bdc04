import { SubscriptionChanged } from '../../events/marketing.ts';
import type { Contact } from '../contacts/schema.ts';
import { applyContactChange, getContact, writeContactChangeInto } from '../contacts/service.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import type { TenantContext } from '../platform/context.ts';
import { type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import { NotFoundError } from '../platform/errors.ts';
import { publicUrl } from '../platform/links.ts';
import { escapeHtml } from '../platform/merge-fields.ts';
import { type LinkClaims, type LinkPurpose, signLink, verifyLink } from '../platform/signed-links.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { postalAddressLine } from './content.ts';
import { recordMilestone } from './feedback.ts';
import type { Subscription } from './schema.ts';
import { choiceInto, findTopic, subscriptionsOf } from './topics.ts';

/**
 * The pages marketing email links to, opened without a login through signed links:
 * - the List-Unsubscribe URL: a POST unsubscribes at once from the email's topic (RFC 8058
 *   one-click, what mail clients send), with no confirmation step; a GET (a person clicking, or a
 *   mail scanner following links) shows one button that POSTs, and unsubscribes nobody by itself;
 * - the preference page: every topic with a checkbox, and "no marketing email at all", as a form
 *   that works without JavaScript.
 */
export interface HtmlPage {
  status: number;
  html: string;
}

type ContextFor = (tenantId: string, contactId: string) => TenantContext;

interface Opened {
  ctx: TenantContext;
  claims: LinkClaims;
  tenant: Tenant;
  contact: Contact | undefined;
}

async function open(purpose: LinkPurpose, token: string, contextFor: ContextFor): Promise<Opened | HtmlPage> {
  const check = await verifyLink(purpose, token);
  if (!check.ok)
    return notice(404, 'This link does not work', 'Check that you opened the whole link from the email.');
  try {
    const ctx = contextFor(check.claims.t, check.claims.s);
    const [tenant, contact] = await Promise.all([
      getTenant(ctx),
      getContact(ctx, check.claims.s).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }),
    ]);
    return { ctx, claims: check.claims, tenant, contact };
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof TypeError)
      return notice(404, 'This link does not work', 'The sender of this email no longer uses it.');
    throw error;
  }
}

async function preferencesLink(ctx: TenantContext, contactId: string): Promise<string> {
  return publicUrl(`/v1/preferences/${await signLink('preferences', { t: ctx.tenantId, s: contactId })}`);
}

export async function unsubscribePage(token: string, contextFor: ContextFor): Promise<HtmlPage> {
  const opened = await open('unsubscribe', token, contextFor);
  if ('html' in opened) return opened;
  const topic = opened.claims.x?.p ? await findTopic(opened.ctx, opened.claims.x.p) : undefined;
  const what = topic ? `“${topic.name}” emails` : 'marketing email';
  return page(
    opened.tenant,
    `Unsubscribe from ${what}`,
    `<p>Stop receiving ${escapeHtml(what)} from ${escapeHtml(opened.tenant.name)}?</p>
<form method="post" action="${escapeHtml(publicUrl(`/v1/unsubscribe/${token}`))}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

/** Consent to marketing email, changed by the contact themselves, in the unit of work. */
function consentInto(
  uow: UnitOfWork,
  ctx: TenantContext,
  contact: Contact,
  status: 'granted' | 'denied',
  source: string,
  mailingId?: string,
) {
  const { next, fields } = applyContactChange(ctx, contact, { marketingConsent: { status, source } });
  if (fields.length === 0) return;
  writeContactChangeInto(uow, ctx, contact, next, fields);
  addTimelineEntryInto(uow, ctx, contact.id, {
    kind: 'self_service',
    title:
      status === 'denied' ? 'Unsubscribed from all marketing email' : 'Agreed to receive marketing email',
    summary: `Through the ${source}.`,
  });
  uow.publish(SubscriptionChanged, {
    contactId: contact.id,
    status: status === 'denied' ? 'unsubscribed' : 'subscribed',
    source,
    ...(mailingId ? { mailingId } : {}),
  });
}

/**
 * One-click unsubscribe: from the email's topic, or from all marketing email when it had none.
 * Idempotent: a second POST (mail clients retry) changes nothing and counts nothing again.
 */
export async function unsubscribe(token: string, contextFor: ContextFor): Promise<HtmlPage> {
  const opened = await open('unsubscribe', token, contextFor);
  if ('html' in opened) return opened;
  const { ctx, claims, tenant, contact } = opened;
  const topicId = claims.x?.p;
  const topic = topicId ? await findTopic(ctx, topicId) : undefined;
  if (contact) {
    const uow = unitOfWork(ctx);
    if (topicId) {
      const current = (await subscriptionsOf(ctx, contact.id)).find((s) => s.topicId === topicId);
      if (!current?.chosen || current.status !== 'unsubscribed')
        choiceInto(uow, ctx, {
          contactId: contact.id,
          topicId,
          status: 'unsubscribed',
          source: 'one-click unsubscribe',
          ...(claims.x?.m ? { mailingId: claims.x.m } : {}),
        });
    } else consentInto(uow, ctx, contact, 'denied', 'one-click unsubscribe', claims.x?.m);
    await uow.commit();
    if (claims.x?.m)
      await recordMilestone(
        ctx,
        { tenantId: ctx.tenantId, mailingId: claims.x.m, contactId: contact.id },
        'unsubscribed',
        undefined,
        ctx.clock.now().toISOString(),
      );
  }
  const what = topic ? `“${topic.name}” emails` : 'marketing email';
  const more = contact
    ? `<p><a href="${escapeHtml(await preferencesLink(ctx, contact.id))}">Choose what you receive</a></p>`
    : '';
  return page(
    tenant,
    'You are unsubscribed',
    `<p>You will receive no more ${escapeHtml(what)} from ${escapeHtml(tenant.name)}.</p>${more}`,
  );
}

function preferencesForm(
  tenant: Tenant,
  token: string,
  contact: Contact,
  subscriptions: Subscription[],
  saved: boolean,
): string {
  const stopped = contact.marketingConsent?.status === 'denied';
  const boxes = subscriptions
    .map(
      (s) =>
        `<label><input type="checkbox" name="topic" value="${escapeHtml(s.topicId)}"${
          !stopped && s.status === 'subscribed' ? ' checked' : ''
        }> ${escapeHtml(s.topicName)}</label>`,
    )
    .join('\n');
  return `${saved ? '<p class="saved">Your choices are saved.</p>' : ''}
<p>Choose the emails ${escapeHtml(tenant.name)} sends you at ${escapeHtml(contact.email ?? 'your address')}.</p>
<form method="post" action="${escapeHtml(publicUrl(`/v1/preferences/${token}`))}">
<fieldset><legend>I want to receive</legend>
${boxes || '<p>There is nothing to choose from yet.</p>'}
</fieldset>
<fieldset><legend>Or</legend>
<label><input type="checkbox" name="all" value="stop"${stopped ? ' checked' : ''}> No marketing email at all</label>
</fieldset>
<button type="submit">Save my choices</button>
</form>`;
}

export async function preferencesPage(token: string, contextFor: ContextFor): Promise<HtmlPage> {
  const opened = await open('preferences', token, contextFor);
  if ('html' in opened) return opened;
  const { ctx, tenant, contact } = opened;
  if (!contact) return notice(404, 'This link does not work', 'We no longer hold your details.');
  const subscriptions = await subscriptionsOf(ctx, contact.id);
  return page(
    tenant,
    'Your email preferences',
    preferencesForm(tenant, token, contact, subscriptions, false),
  );
}

const values = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Saves the form: each topic ticked or not becomes the contact's choice (only changes are
 * written); ticking a topic also records consent to marketing email, which the choice expresses;
 * "no marketing email at all" withdraws consent and leaves the topic choices as they were.
 */
export async function savePreferences(
  token: string,
  fields: Record<string, string | string[]>,
  contextFor: ContextFor,
): Promise<HtmlPage> {
  const opened = await open('preferences', token, contextFor);
  if ('html' in opened) return opened;
  const { ctx, tenant, contact } = opened;
  if (!contact) return notice(404, 'This link does not work', 'We no longer hold your details.');
  const source = 'preference page';
  const wanted = new Set(values(fields.topic));
  const stopAll = values(fields.all).includes('stop');
  const subscriptions = await subscriptionsOf(ctx, contact.id);
  const uow = unitOfWork(ctx);
  if (stopAll) consentInto(uow, ctx, contact, 'denied', source);
  else {
    for (const s of subscriptions) {
      const status = wanted.has(s.topicId) ? 'subscribed' : 'unsubscribed';
      if (!s.chosen || s.status !== status)
        choiceInto(uow, ctx, { contactId: contact.id, topicId: s.topicId, status, source });
    }
    if (wanted.size > 0 && contact.marketingConsent?.status !== 'granted')
      consentInto(uow, ctx, contact, 'granted', source);
  }
  await uow.commit();
  const now = await getContact(ctx, contact.id);
  return page(
    tenant,
    'Your email preferences',
    preferencesForm(tenant, token, now, await subscriptionsOf(ctx, contact.id), true),
  );
}

function page(tenant: Tenant, title: string, body: string): HtmlPage {
  return {
    status: 200,
    html: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.5rem 0}fieldset{margin-top:1rem}button{margin-top:1.2rem;padding:.5rem 1.2rem}
.saved{background:#e8f5e9;padding:.5rem}footer{margin-top:2rem;font-size:.8rem;color:#666}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
<footer>${escapeHtml(tenant.name)}, ${escapeHtml(postalAddressLine(tenant))}</footer></body></html>`,
  };
}

function notice(status: number, title: string, message: string): HtmlPage {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`,
  };
}
