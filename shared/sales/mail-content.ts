import { escapeHtml } from '../platform/merge-fields.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { formatMoney } from './money.ts';
import type { PurchaseOrder, Quote } from './schema.ts';

/** The text and HTML of the mails sales sends: a quote to a contact, a purchase order to a supplier. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const reference = (id: string) => id.slice(-8);

/** 2050 basis points → "20.5%", from integers. */
function percent(bps: number): string {
  const fraction = String(bps % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${Math.floor(bps / 100)}${fraction ? `.${fraction}` : ''}%`;
}

function table(headers: string[], rows: string[][], alignRight: number[]): string {
  const cell = (tag: string, value: string, i: number) =>
    `<${tag} style="padding:4px 8px;text-align:${alignRight.includes(i) ? 'right' : 'left'}">${escapeHtml(value)}</${tag}>`;
  return [
    '<table style="border-collapse:collapse">',
    `<tr>${headers.map((h, i) => cell('th', h, i)).join('')}</tr>`,
    ...rows.map((row) => `<tr>${row.map((v, i) => cell('td', v, i)).join('')}</tr>`),
    '</table>',
  ].join('');
}

function paragraphs(lines: string[]): string {
  return lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('');
}

export function quoteMail(tenant: Tenant, quote: Quote, contact: { firstName: string }): MailContent {
  const money = (amount: number) => formatMoney(amount, quote.currency);
  const ref = `Q-${reference(quote.id)}${quote.revision > 1 ? `-R${quote.revision}` : ''}`;
  const rows = quote.lines.map((l) => [
    `${l.description} [${l.sku}]`,
    String(l.quantity),
    money(l.unitAmount),
    percent(l.taxRateBps),
    money(l.lineAmount),
  ]);
  const intro = [
    `Hello ${contact.firstName},`,
    `Here is our quote ${ref}. It is valid until ${quote.validUntil}.`,
  ];
  const closing = [
    ...(quote.expectedDeliveryDate
      ? [`If you accept it today, we expect to deliver by ${quote.expectedDeliveryDate}.`]
      : []),
    ...(quote.notes ? [quote.notes] : []),
    'Reply to this email to accept it or to ask us anything.',
    tenant.name,
  ];
  const totals = [
    `Subtotal: ${money(quote.subtotal)}`,
    `Tax: ${money(quote.taxTotal)}`,
    `Total: ${money(quote.total)}`,
  ];
  const text = [
    ...intro,
    '',
    ...quote.lines.map(
      (l, i) => `${l.quantity} × ${l.description} [${l.sku}] at ${rows[i]![2]}: ${rows[i]![4]}`,
    ),
    '',
    ...totals,
    '',
    ...closing,
  ].join('\n');
  const html = [
    paragraphs(intro),
    table(['Item', 'Quantity', 'Unit price', 'Tax', 'Amount'], rows, [1, 2, 3, 4]),
    paragraphs(totals),
    paragraphs(closing),
  ].join('\n');
  return { subject: `Quote ${ref} from ${tenant.name}`, text, html };
}

export function purchaseOrderMail(tenant: Tenant, order: PurchaseOrder): MailContent {
  const ref = `PO-${reference(order.id)}`;
  const intro = [`Hello ${order.supplierName},`, `Please supply the following (purchase order ${ref}):`];
  const address = tenant.postalAddress;
  const closing = [
    ...(order.note ? [order.note] : []),
    `Deliver to: ${[...address.lines, `${address.postalCode ?? ''} ${address.city}`.trim(), address.country].join(', ')}`,
    'Please confirm by replying to this email.',
    tenant.name,
  ];
  const rows = order.lines.map((l) => [l.sku, l.name, String(l.quantity)]);
  const text = [
    ...intro,
    '',
    ...rows.map(([sku, name, q]) => `${q} × ${name} [${sku}]`),
    '',
    ...closing,
  ].join('\n');
  const html = [paragraphs(intro), table(['SKU', 'Item', 'Quantity'], rows, [2]), paragraphs(closing)].join(
    '\n',
  );
  return { subject: `Purchase order ${ref} from ${tenant.name}`, text, html };
}
