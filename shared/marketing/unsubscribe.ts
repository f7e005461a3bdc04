import { SubscriptionChanged } from '../../events/marketing.ts';
import { getContact } from '../contacts/records.ts';
import type { Contact } from '../contacts/schema.ts';
import { applyContactChange, writeContactChangeInto } from '../contacts/service.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { currentContact } from '../contacts/tombstones.ts';
import type { TenantContext } from '../platform/context.ts';
import { type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import { retryWhileRaced } from '../platform/db/retries.ts';
import { PreconditionFailedError } from '../platform/errors.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import { publicUrl } from '../platform/links.ts';
import type { Visit } from '../platform/pages/reply.ts';
import type { HtmlPage } from '../platform/pages/shell.tsx';
import type { LinkClaims, LinkPurpose } from '../platform/signed-links.ts';
import { openTenantLink, signTenantLink } from '../tenancy/link-keys.ts';
import { linkProblemPage, tenantNotice } from '../tenancy/page.tsx';
import type { Tenant } from '../tenancy/schema.ts';
import { ChoiceMoved, choiceInto, findTopic, subscriptionsOf } from './topics.ts';
import { confirmUnsubscribePage, preferencesFormPage, unsubscribedPage } from './unsubscribe-page.tsx';

/**
 * The pages marketing email links to, opened without a login through signed links, in the
 * contact's language (else the tenant's), through the page shell:
 * - the List-Unsubscribe URL: a POST unsubscribes at once from the email's topic (RFC 8058
 *   one-click, what mail clients send), with no confirmation step; a GET (a person clicking, or a
 *   mail scanner following links) shows one button that POSTs, and unsubscribes nobody by itself;
 * - the preference page: every topic with a checkbox, and "no marketing email at all", as a form
 *   that works without JavaScript.
 * Both links never expire (an unsubscribe link must work as long as the email is kept); the
 * tenant can retire them by rotating its link keys (shared/tenancy/link-keys.ts).
 */
type ContextFor = (tenantId: string, contactId: string) => TenantContext;

interface Opened {
  ctx: TenantContext;
  claims: LinkClaims;
  tenant: Tenant;
  contact: Contact | undefined;
  i18n: Translator;
}

async function open(
  purpose: LinkPurpose,
  token: string,
  contextFor: ContextFor,
  visit: Visit,
): Promise<Opened | HtmlPage> {
  const link = await openTenantLink(purpose, token, contextFor, visit.now);
  if (!link.ok) {
    const reader = link.ctx && link.claims ? await currentContact(link.ctx, link.claims.s) : undefined;
    const i18n = await translator(reader?.locale, link.tenant?.locale, visit.browserLocale);
    return linkProblemPage(link.reason, link.tenant, i18n, {
      title: i18n.t('link.invalid.title'),
      message: i18n.t('link.invalid.body'),
    });
  }
  // A link mailed before a merge speaks for the contact the person is now.
  const contact = await currentContact(link.ctx, link.claims.s);
  return {
    ctx: link.ctx,
    claims: link.claims,
    tenant: link.tenant,
    contact,
    i18n: await translator(contact?.locale, link.tenant.locale),
  };
}

async function preferencesLink(tenant: Tenant, contactId: string): Promise<string> {
  return publicUrl(`/v1/preferences/${await signTenantLink(tenant, 'preferences', { s: contactId })}`);
}

export async function unsubscribePage(
  token: string,
  contextFor: ContextFor,
  visit: Visit,
): Promise<HtmlPage> {
  const opened = await open('unsubscribe', token, contextFor, visit);
  if ('html' in opened) return opened;
  const topic = opened.claims.x?.p ? await findTopic(opened.ctx, opened.claims.x.p) : undefined;
  return confirmUnsubscribePage(opened.tenant, opened.i18n, topic?.name);
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
export async function unsubscribe(token: string, contextFor: ContextFor, visit: Visit): Promise<HtmlPage> {
  const opened = await open('unsubscribe', token, contextFor, visit);
  if ('html' in opened) return opened;
  const { ctx, claims, tenant, contact, i18n } = opened;
  const topicId = claims.x?.p;
  const topic = topicId ? await findTopic(ctx, topicId) : undefined;
  if (contact) {
    // Read, decide and write again when another request (a mail client's retry) got there first:
    // the second finds the choice made and records nothing twice.
    await retryWhileRaced(
      async () => {
        const now = await currentContact(ctx, contact.id);
        // Erased meanwhile: there is no one left to unsubscribe, and nothing to mail.
        if (!now) return;
        const uow = unitOfWork(ctx);
        if (topicId) {
          const current = (await subscriptionsOf(ctx, now.id)).find((s) => s.topicId === topicId);
          if (!current?.chosen || current.status !== 'unsubscribed')
            choiceInto(
              uow,
              ctx,
              {
                contactId: now.id,
                topicId,
                status: 'unsubscribed',
                source: 'one-click unsubscribe',
                ...(claims.x?.m ? { mailingId: claims.x.m } : {}),
              },
              { replaces: current?.chosen && current.at ? { at: current.at } : null },
            );
        } else consentInto(uow, ctx, now, 'denied', 'one-click unsubscribe', claims.x?.m);
        await uow.commit();
      },
      (error) => error instanceof ChoiceMoved || error instanceof PreconditionFailedError,
      'The unsubscribe could not be recorded just now; please try again.',
    );
    // Counting the unsubscribe on its mailing loads the feedback machinery (mailing settlement,
    // suppressions) on this path only, not with every page of the function.
    if (claims.x?.m)
      await (await import('./feedback.ts')).recordMilestone(
        ctx,
        // The send was recorded for the recipient the link names, merged away since or not.
        { tenantId: ctx.tenantId, mailingId: claims.x.m, contactId: claims.s },
        'unsubscribed',
        undefined,
        ctx.clock.now().toISOString(),
      );
  }
  return unsubscribedPage(
    tenant,
    i18n,
    topic?.name,
    contact ? await preferencesLink(tenant, contact.id) : undefined,
  );
}

export async function preferencesPage(
  token: string,
  contextFor: ContextFor,
  visit: Visit,
): Promise<HtmlPage> {
  const opened = await open('preferences', token, contextFor, visit);
  if ('html' in opened) return opened;
  const { ctx, tenant, contact, i18n } = opened;
  if (!contact) return noLongerHeld(tenant, i18n);
  const subscriptions = await subscriptionsOf(ctx, contact.id);
  return preferencesFormPage(tenant, i18n, contact, subscriptions, false);
}

const noLongerHeld = (tenant: Tenant, i18n: Translator) =>
  tenantNotice(404, tenant, i18n, i18n.t('link.invalid.title'), i18n.t('preferences.gone.body'));

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
  visit: Visit,
): Promise<HtmlPage> {
  const opened = await open('preferences', token, contextFor, visit);
  if ('html' in opened) return opened;
  const { ctx, tenant, contact, i18n } = opened;
  if (!contact) return noLongerHeld(tenant, i18n);
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
  return preferencesFormPage(tenant, i18n, now, await subscriptionsOf(ctx, contact.id), true);
}
