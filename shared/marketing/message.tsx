import type { Translator } from '../platform/i18n/translator.ts';
import { publicUrl } from '../platform/links.ts';
import { type MergeValues, renderTemplate } from '../platform/merge-fields.ts';
import { renderFragment } from '../platform/pages/email.tsx';
import { postalAddressLine } from '../tenancy/address.ts';
import { signTenantLink } from '../tenancy/link-keys.ts';
import type { Tenant } from '../tenancy/schema.ts';
import type { Content, RecipientLinks } from './content.ts';

/**
 * The email one recipient receives: merged content, the compliance footer every marketing email
 * carries (who sends it, why, the tenant's postal address, unsubscribe and preference links) and
 * the RFC 8058 one-click unsubscribe headers. Loaded by the sender and by previews, not by the
 * API's other routes (preact renders the footer).
 */
/**
 * Signed links for one recipient of one mailing, with the tenant's current link key. They do not
 * expire: an unsubscribe link must work for as long as the email sits in someone's mailbox (until
 * the tenant rotates its keys). `s` is the contact; `m` the mailing and `p` the topic, so the
 * unsubscribe applies to what this email was about.
 */
export async function recipientLinks(
  tenant: Pick<Tenant, 'id' | 'linkKeys'>,
  contactId: string,
  mailingId: string,
  topicId: string | undefined,
): Promise<RecipientLinks> {
  const claims = { s: contactId, x: { m: mailingId, ...(topicId ? { p: topicId } : {}) } };
  const [unsubscribe, preferences] = await Promise.all([
    signTenantLink(tenant, 'unsubscribe', claims),
    signTenantLink(tenant, 'preferences', { s: contactId }),
  ]);
  return {
    unsubscribeUrl: publicUrl(`/v1/unsubscribe/${unsubscribe}`),
    preferencesUrl: publicUrl(`/v1/preferences/${preferences}`),
  };
}

export interface Footer {
  tenant: Tenant;
  topicName?: string;
  links: RecipientLinks;
  /** Transactional mailings carry no unsubscribe links: nothing to unsubscribe from. */
  transactional?: boolean;
  /** The recipient's language (the footer is the product's text, not the tenant's). */
  i18n: Translator;
}

function why({ topicName, tenant, i18n }: Footer): string {
  return topicName
    ? i18n.t('mail.footer.whyTopic', { topic: topicName, company: tenant.name })
    : i18n.t('mail.footer.why', { company: tenant.name });
}

function footerText(footer: Footer): string {
  const { i18n, links } = footer;
  return [
    '',
    '--',
    why(footer),
    postalAddressLine(footer.tenant),
    ...(footer.transactional
      ? []
      : [
          i18n.t('mail.footer.unsubscribeAt', { url: links.unsubscribeUrl }),
          i18n.t('mail.footer.chooseAt', { url: links.preferencesUrl }),
        ]),
  ].join('\n');
}

function footerHtml(footer: Footer): string {
  const { i18n, links } = footer;
  return renderFragment(
    <div
      style={{
        marginTop: '32px',
        paddingTop: '12px',
        borderTop: '1px solid #dddddd',
        fontSize: '12px',
        color: '#4a4f57',
      }}
    >
      <p>
        {why(footer)}
        <br />
        {postalAddressLine(footer.tenant)}
      </p>
      {footer.transactional ? null : (
        <p>
          <a href={links.unsubscribeUrl}>{i18n.t('mail.footer.unsubscribe')}</a> &middot;{' '}
          <a href={links.preferencesUrl}>{i18n.t('mail.footer.choose')}</a>
        </p>
      )}
    </div>,
  );
}

/** The footer goes inside `<body>` when the HTML has one, else at the end. */
function withHtmlFooter(html: string, footer: string): string {
  const close = html.search(/<\/body\s*>/i);
  return close >= 0 ? `${html.slice(0, close)}${footer}\n${html.slice(close)}` : `${html}\n${footer}`;
}

/**
 * RFC 8058 one-click unsubscribe (what Gmail and Yahoo require of bulk senders): an HTTPS URL
 * that unsubscribes on POST, a mailto, and the header that says the URL takes a one-click POST.
 */
export function unsubscribeHeaders(links: RecipientLinks, mailbox: string): Record<string, string> {
  const mailto = `mailto:${mailbox}?subject=unsubscribe&body=${encodeURIComponent(links.unsubscribeUrl)}`;
  return {
    'List-Unsubscribe': `<${links.unsubscribeUrl}>, <${mailto}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/**
 * The email one recipient receives: merged content, the footer and, for marketing email, the
 * unsubscribe headers.
 */
export function renderMessage(content: Content, values: MergeValues, footer: Footer): RenderedMessage {
  const mailbox = footer.tenant.replyTo ?? footer.tenant.sender.email;
  return {
    subject: renderTemplate(content.subject, values, 'text')
      .replace(/[\r\n]+/g, ' ')
      .slice(0, 998),
    html: withHtmlFooter(renderTemplate(content.html, values, 'html'), footerHtml(footer)),
    text: `${renderTemplate(content.text, values, 'text')}\n${footerText(footer)}`,
    headers: footer.transactional ? {} : unsubscribeHeaders(footer.links, mailbox),
  };
}
