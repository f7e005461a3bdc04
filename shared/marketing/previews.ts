import type { TenantContext } from '../platform/context.ts';
import { NotFoundError } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { getTenant } from '../tenancy/records.ts';
import { mergeValuesFor, type RecipientLinks } from './content.ts';
import { renderMessage } from './message.tsx';
import { contactData } from './recipients.ts';
import type { RenderedEmail, Template } from './schema.ts';
import { getTemplate } from './templates.ts';
import { findTopic } from './topics.ts';

/**
 * A template rendered as a contact would receive it: the preview and the test send. Apart from
 * the templates' records so that the API loads the renderer (preact) only on these routes.
 */

/** Links that look real but do nothing: previews and test sends must not unsubscribe anyone. */
/** A placeholder, like the links: a preview must not hand out a link to the contact's data. */
const SAMPLE_SELF_SERVICE = 'https://example.invalid/self-service (works in real sends)';

export function sampleLinks(): RecipientLinks {
  return {
    unsubscribeUrl: 'https://example.invalid/unsubscribe (works in real sends)',
    preferencesUrl: 'https://example.invalid/preferences (works in real sends)',
  };
}

/**
 * The template as a contact would receive it (sample values without a contact). Unsubscribe and
 * preference links are placeholders: whoever opens a preview must not unsubscribe the contact.
 */
export async function renderForContact(
  ctx: TenantContext,
  content: Pick<Template, 'subject' | 'html' | 'text'>,
  contactId: string | undefined,
  topicId?: string,
): Promise<RenderedEmail> {
  const [tenant, topic, data] = await Promise.all([
    getTenant(ctx),
    topicId ? findTopic(ctx, topicId) : undefined,
    contactId ? contactData(ctx, [contactId], []) : undefined,
  ]);
  const contact = contactId ? data?.get(contactId)?.contact : undefined;
  if (contactId && !contact) throw new NotFoundError('Contact', contactId);
  const links = sampleLinks();
  const person = contact ?? {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    lifecycleStage: 'customer' as const,
    customFields: {},
  };
  return renderMessage(
    content,
    mergeValuesFor(person, tenant, links, { selfServiceLink: SAMPLE_SELF_SERVICE }),
    {
      tenant,
      ...(topic ? { topicName: topic.name } : {}),
      links,
      i18n: await translator(contact?.locale, tenant.locale),
    },
  );
}

export async function previewTemplate(
  ctx: TenantContext,
  id: string,
  contactId: string,
): Promise<RenderedEmail> {
  return renderForContact(ctx, await getTemplate(ctx, id), contactId);
}
