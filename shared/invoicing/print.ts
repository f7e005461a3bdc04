import { getCompany } from '../contacts/companies.ts';
import { getContact } from '../contacts/service.ts';
import type { TenantContext } from '../platform/context.ts';
import { NotFoundError } from '../platform/errors.ts';
import { escapeHtml, renderTemplate } from '../platform/merge-fields.ts';
import { daysBetween, localDate } from '../platform/time.ts';
import { getTenant } from '../tenancy/tenants.ts';
import { ERASED_CONTACT } from './keys.ts';
import { mergeValues } from './mail.ts';
import { formatMoney, formatTaxRate } from './money.ts';
import { getDunningPolicy } from './policy.ts';
import { getStoredInvoice } from './records.ts';

/** What the browser may do with the printable page: show it and its inline styles, nothing else. */
export const PRINT_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const STYLE = `
body{font-family:Helvetica,Arial,sans-serif;color:#222;margin:40px auto;max-width:800px;line-height:1.4}
header{display:flex;justify-content:space-between;border-bottom:3px solid #1f4e79;padding-bottom:16px}
h1{margin:0;font-size:28px;color:#1f4e79}
.muted{color:#666}
.parties{display:flex;justify-content:space-between;margin:24px 0}
table{width:100%;border-collapse:collapse;margin:16px 0}
th,td{padding:8px;border-bottom:1px solid #ddd;text-align:left}
th.n,td.n{text-align:right}
.totals{width:50%;margin-left:auto}
.totals td{border:none;padding:4px 8px}
.due td{font-weight:bold;font-size:18px;border-top:2px solid #222}
.stamp{display:inline-block;border:3px solid #b00;color:#b00;padding:4px 12px;font-weight:bold;text-transform:uppercase;transform:rotate(-4deg)}
@media print{body{margin:0}}
`;

/**
 * The invoice as a self-contained HTML page for printing or saving as PDF from a browser: no
 * script, no external resource, every value escaped.
 */
export async function printInvoice(ctx: TenantContext, id: string): Promise<string> {
  const invoice = await getStoredInvoice(ctx, id);
  const [tenant, policy, contact] = await Promise.all([
    getTenant(ctx),
    getDunningPolicy(ctx),
    getContact(ctx, invoice.contactId).catch((error) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }),
  ]);
  const company = invoice.companyId
    ? await getCompany(ctx, invoice.companyId).catch((error) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      })
    : undefined;
  const money = (minor: number) => escapeHtml(formatMoney(minor, invoice.currency));
  const today = localDate(ctx.clock.now(), tenant.timeZone);
  const instructions = renderTemplate(
    invoice.paymentInstructions ?? policy.paymentInstructions,
    mergeValues({
      tenant,
      invoice,
      contact,
      company,
      level: { name: '' },
      daysOverdue: invoice.dueDate ? daysBetween(invoice.dueDate, today) : 0,
      paymentInstructions: '',
    }),
    'text',
  );
  const title = invoice.number ? `Invoice ${invoice.number}` : 'Draft invoice';
  const address = tenant.postalAddress;
  const from = [
    tenant.name,
    ...address.lines,
    [address.postalCode, address.city].filter(Boolean).join(' '),
    ...(address.region ? [address.region] : []),
    address.country,
    tenant.replyTo ?? tenant.financeEmail,
  ];
  const to = [
    ...(company ? [company.name] : []),
    ...(invoice.contactErasedAt ? [ERASED_CONTACT] : []),
    ...(contact ? [`${contact.firstName} ${contact.lastName}`] : []),
    ...(contact?.email ? [contact.email] : []),
  ];
  const stamp =
    invoice.status === 'draft' || invoice.status === 'paid' || invoice.status === 'void'
      ? `<p><span class="stamp">${escapeHtml(invoice.status)}</span></p>`
      : '';
  const rows = invoice.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description)}</td><td class="n">${line.quantity}</td>` +
        `<td class="n">${money(line.unitAmount)}</td><td class="n">${escapeHtml(formatTaxRate(line.taxRateBps))}</td>` +
        `<td class="n">${money(line.subtotal)}</td></tr>`,
    )
    .join('\n');
  const block = (lines: string[]) => lines.map(escapeHtml).join('<br>');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ${escapeHtml(tenant.name)}</title><style>${STYLE}</style></head>
<body>
<header><div><h1>${escapeHtml(title)}</h1>${stamp}</div>
<div class="n">${invoice.issueDate ? `Issued ${escapeHtml(invoice.issueDate)}<br>` : ''}${invoice.dueDate ? `Due ${escapeHtml(invoice.dueDate)}` : `Payment terms: ${invoice.paymentTermsDays} days`}</div></header>
<section class="parties"><div><div class="muted">From</div>${block(from)}</div><div><div class="muted">Bill to</div>${block(to)}</div></section>
<table><thead><tr><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Tax</th><th class="n">Amount</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<table class="totals">
<tr><td>Subtotal</td><td class="n">${money(invoice.subtotal)}</td></tr>
<tr><td>Tax</td><td class="n">${money(invoice.taxTotal)}</td></tr>
<tr><td>Total</td><td class="n">${money(invoice.total)}</td></tr>
${invoice.amountPaid ? `<tr><td>Paid</td><td class="n">${money(invoice.amountPaid)}</td></tr>` : ''}
<tr class="due"><td>Amount due</td><td class="n">${money(invoice.status === 'void' ? 0 : invoice.amountDue)}</td></tr>
</table>
${invoice.status === 'void' ? '' : `<h2>How to pay</h2><p>${escapeHtml(instructions)}</p>`}
${invoice.notes ? `<h2>Notes</h2><p>${escapeHtml(invoice.notes).replace(/\n/g, '<br>')}</p>` : ''}
</body></html>`;
}
