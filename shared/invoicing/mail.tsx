import type { Company, Contact } from '../contacts/schema.ts';
import type { Sender } from '../mail/service.ts';
import type { Translator } from '../platform/i18n/translator.ts';
import { type MergeValues, renderTemplate } from '../platform/merge-fields.ts';
import { Paragraphs, renderEmail, renderFragment, TrustedHtml } from '../platform/pages/email.tsx';
import { addressLines } from '../tenancy/address.ts';
import type { Tenant } from '../tenancy/schema.ts';
import type { StoredInvoice } from './records.ts';
import type { DunningLevel } from './schema.ts';

/**
 * Dunning emails: the level's templates rendered with the invoice's merge fields, inside the
 * tenant's branding (name, address, reply-to), as text and HTML. Amounts, dates and the texts the
 * product adds (the summary, finance's headlines) follow the reader's locale. SES builds the MIME
 * message.
 */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A customer's notice, with its content alone for the copy finance receives. */
export interface RenderedNotice extends RenderedMail {
  content: string;
}

/** From the tenant's sender; replies go to its reply-to address, or to finance, who chase payment. */
export function senderOf(tenant: Tenant): Sender {
  return {
    name: tenant.sender.name,
    email: tenant.sender.email,
    replyTo: tenant.replyTo ?? tenant.financeEmail,
  };
}

export interface NoticeContext {
  tenant: Tenant;
  invoice: StoredInvoice;
  contact: Contact | undefined;
  company: Company | undefined;
  level: Pick<DunningLevel, 'name'>;
  daysOverdue: number;
  /** The invoice's or the policy's instructions, still a template. */
  paymentInstructions: string;
}

/** The merge fields of dunning templates, written for the reader of `i18n`. */
export function mergeValues(n: NoticeContext, i18n: Translator): MergeValues {
  const { invoice, contact, tenant } = n;
  const money = (minor: number) => i18n.money(minor, invoice.currency);
  const date = (value: string | undefined) => (value ? i18n.date(value) : undefined);
  const overdue = Math.max(0, n.daysOverdue);
  const values: MergeValues = {
    contact: {
      firstName: contact?.firstName,
      lastName: contact?.lastName,
      fullName: contact ? `${contact.firstName} ${contact.lastName}` : undefined,
      email: contact?.email,
    },
    company: { name: n.company?.name },
    invoice: {
      number: invoice.number,
      issueDate: date(invoice.issueDate),
      dueDate: date(invoice.dueDate),
      total: money(invoice.total),
      amountPaid: money(invoice.amountPaid),
      amountDue: money(invoice.amountDue),
      currency: invoice.currency,
      daysOverdue: overdue,
      overdueBy: i18n.t('dunning.overdueBy', { days: overdue }),
      daysUntilDue: Math.max(0, -n.daysOverdue),
    },
    level: { name: n.level.name },
    tenant: {
      name: tenant.name,
      email: tenant.replyTo ?? tenant.sender.email,
      financeEmail: tenant.financeEmail,
    },
  };
  values.paymentInstructions = renderTemplate(n.paymentInstructions, values, 'text');
  return values;
}

const LABEL = { padding: '4px 16px 4px 0', color: '#4a4f57' };
const VALUE = { padding: '4px 0', fontWeight: 'bold' };

function Summary({ n, i18n }: { n: NoticeContext; i18n: Translator }) {
  const rows: Array<[string, string]> = [
    [i18n.t('dunning.summary.invoice'), n.invoice.number ?? ''],
    [i18n.t('dunning.summary.amountDue'), i18n.money(n.invoice.amountDue, n.invoice.currency)],
    [i18n.t('dunning.summary.dueDate'), n.invoice.dueDate ? i18n.date(n.invoice.dueDate) : ''],
  ];
  if (n.daysOverdue > 0) rows.push([i18n.t('dunning.summary.daysOverdue'), i18n.number(n.daysOverdue)]);
  return (
    <table role="presentation" style={{ borderCollapse: 'collapse', margin: '16px 0' }}>
      {rows.map(([label, value]) => (
        <tr>
          <td style={LABEL}>{label}</td>
          <td style={VALUE}>{value}</td>
        </tr>
      ))}
    </table>
  );
}

function textFooter(tenant: Tenant): string {
  return ['--', tenant.name, ...addressLines(tenant)].join('\n');
}

function layout(tenant: Tenant, i18n: Translator, content: string): string {
  return renderEmail({
    lang: i18n.locale,
    brand: tenant.name,
    footer: [tenant.name, ...addressLines(tenant)],
    children: <TrustedHtml html={content} />,
  });
}

export function renderNotice(
  template: DunningLevel['email'],
  n: NoticeContext,
  i18n: Translator,
): RenderedNotice {
  const values = mergeValues(n, i18n);
  const text = renderTemplate(template.text, values, 'text');
  // A template's HTML has its merge values escaped by renderTemplate; the rest is the renderer's.
  const content = renderFragment(
    <>
      {template.html ? (
        <TrustedHtml html={renderTemplate(template.html, values, 'html')} />
      ) : (
        <Paragraphs text={text} />
      )}
      <Summary n={n} i18n={i18n} />
    </>,
  );
  return {
    subject: renderTemplate(template.subject, values, 'text').replace(/\s+/g, ' ').trim(),
    text: `${text}\n\n${textFooter(n.tenant)}`,
    html: layout(n.tenant, i18n, content),
    content,
  };
}

/** Finance's own message: what happened, then the notice as the customer saw it (or would have). */
export function financeMessage(
  notice: RenderedNotice,
  tenant: Tenant,
  i18n: Translator,
  headline: string,
  tag: string,
): RenderedMail {
  const content = renderFragment(
    <>
      <p style={{ padding: '12px', background: '#fff4e5', borderLeft: '4px solid #e08a00' }}>{headline}</p>
      <TrustedHtml html={notice.content} />
    </>,
  );
  return {
    subject: `[${tag}] ${notice.subject}`,
    text: `${headline}\n\n----------\n\n${notice.text}`,
    html: layout(tenant, i18n, content),
  };
}

/** A message to finance that is not a copy of anything (an interrupted send). */
export function financeAlert(tenant: Tenant, i18n: Translator, subject: string, text: string): RenderedMail {
  return {
    subject,
    text: `${text}\n\n${textFooter(tenant)}`,
    html: layout(tenant, i18n, renderFragment(<Paragraphs text={text} />)),
  };
}
