import type { Company, Contact } from '../contacts/schema.ts';
import type { Sender } from '../mail/service.ts';
import { escapeHtml, type MergeValues, renderTemplate } from '../platform/merge-fields.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { formatMoney } from './money.ts';
import type { StoredInvoice } from './records.ts';
import type { DunningLevel } from './schema.ts';

/**
 * Dunning emails: the level's templates rendered with the invoice's merge fields, inside the
 * tenant's branding (name, address, reply-to), as text and HTML. SES builds the MIME message.
 */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
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

export function mergeValues(n: NoticeContext): MergeValues {
  const { invoice, contact, tenant } = n;
  const money = (minor: number) => formatMoney(minor, invoice.currency);
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
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      total: money(invoice.total),
      amountPaid: money(invoice.amountPaid),
      amountDue: money(invoice.amountDue),
      currency: invoice.currency,
      daysOverdue: overdue,
      overdueBy: overdue === 1 ? '1 day' : `${overdue} days`,
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

export function renderNotice(template: DunningLevel['email'], n: NoticeContext): RenderedMail {
  const values = mergeValues(n);
  const text = renderTemplate(template.text, values, 'text');
  const body = template.html ? renderTemplate(template.html, values, 'html') : paragraphs(text);
  return {
    subject: renderTemplate(template.subject, values, 'text').replace(/\s+/g, ' ').trim(),
    text: `${text}\n\n${textFooter(n.tenant)}`,
    html: layout(n.tenant, body, summaryTable(n)),
  };
}

/** Finance's own message: what happened, then the notice as the customer saw it (or would have). */
export function financeMessage(
  notice: RenderedMail,
  tenant: Tenant,
  headline: string,
  tag: string,
): RenderedMail {
  return {
    subject: `[${tag}] ${notice.subject}`,
    text: `${headline}\n\n----------\n\n${notice.text}`,
    html: layout(
      tenant,
      `<p style="padding:12px;background:#fff4e5;border-left:4px solid #e08a00">${escapeHtml(headline)}</p>${extractBody(notice.html)}`,
      '',
    ),
  };
}

/** A message to finance that is not a copy of anything (an interrupted send). */
export function financeAlert(tenant: Tenant, subject: string, text: string): RenderedMail {
  return { subject, text: `${text}\n\n${textFooter(tenant)}`, html: layout(tenant, paragraphs(text), '') };
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function addressLines(tenant: Tenant): string[] {
  const a = tenant.postalAddress;
  return [
    ...a.lines,
    [a.postalCode, a.city].filter(Boolean).join(' '),
    ...(a.region ? [a.region] : []),
    a.country,
  ];
}

function textFooter(tenant: Tenant): string {
  return ['--', tenant.name, ...addressLines(tenant)].join('\n');
}

function summaryTable(n: NoticeContext): string {
  const rows: Array<[string, string]> = [
    ['Invoice', n.invoice.number ?? ''],
    ['Amount due', formatMoney(n.invoice.amountDue, n.invoice.currency)],
    ['Due date', n.invoice.dueDate ?? ''],
  ];
  if (n.daysOverdue > 0) rows.push(['Days overdue', String(n.daysOverdue)]);
  return `<table role="presentation" style="border-collapse:collapse;margin:16px 0">${rows
    .map(
      ([label, value]) =>
        `<tr><td style="padding:4px 16px 4px 0;color:#555">${escapeHtml(label)}</td><td style="padding:4px 0;font-weight:bold">${escapeHtml(value)}</td></tr>`,
    )
    .join('')}</table>`;
}

const BODY_START = '<!--body-->';
const BODY_END = '<!--/body-->';

function extractBody(html: string): string {
  const start = html.indexOf(BODY_START);
  const end = html.indexOf(BODY_END);
  return start >= 0 && end > start ? html.slice(start + BODY_START.length, end) : html;
}

function layout(tenant: Tenant, body: string, summary: string): string {
  const footer = addressLines(tenant).map(escapeHtml).join('<br>');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(tenant.name)}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:Helvetica,Arial,sans-serif;color:#222;line-height:1.5">
<div style="max-width:600px;margin:0 auto;background:#fff;padding:24px;border-radius:6px">
<div style="font-size:20px;font-weight:bold;padding-bottom:12px;border-bottom:3px solid #1f4e79">${escapeHtml(tenant.name)}</div>
${BODY_START}${body}${summary}${BODY_END}
<div style="margin-top:24px;padding-top:12px;border-top:1px solid #ddd;font-size:12px;color:#666">${escapeHtml(tenant.name)}<br>${footer}</div>
</div></body></html>`;
}
