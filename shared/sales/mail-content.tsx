import type { ComponentChildren } from 'preact';
import type { Translator } from '../platform/i18n/translator.ts';
import { Paragraphs, renderEmail } from '../platform/pages/email.tsx';
import { addressLines } from '../tenancy/address.ts';
import type { Tenant } from '../tenancy/schema.ts';
import type { PurchaseOrder, Quote } from './commerce-schema.ts';

/**
 * The text and HTML of the mails sales sends, in the reader's language: a quote to a contact
 * (theirs, else the tenant's), a purchase order to a supplier (the tenant's).
 */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const reference = (id: string) => id.slice(-8);

const CELL = { padding: '4px 8px', textAlign: 'left' } as const;
const NUMBER = { ...CELL, textAlign: 'right' } as const;

function Table({ headers, rows, right }: { headers: string[]; rows: string[][]; right: number[] }) {
  const style = (i: number) => (right.includes(i) ? NUMBER : CELL);
  return (
    <table style={{ borderCollapse: 'collapse' }}>
      <tr>
        {headers.map((h, i) => (
          <th style={style(i)}>{h}</th>
        ))}
      </tr>
      {rows.map((row) => (
        <tr>
          {row.map((v, i) => (
            <td style={style(i)}>{v}</td>
          ))}
        </tr>
      ))}
    </table>
  );
}

const email = (tenant: Tenant, i18n: Translator, children: ComponentChildren) =>
  renderEmail({
    lang: i18n.locale,
    brand: tenant.name,
    footer: [tenant.name, ...addressLines(tenant)],
    children,
  });

export function quoteMail(
  tenant: Tenant,
  quote: Quote,
  contact: { firstName: string },
  i18n: Translator,
): MailContent {
  const money = (amount: number) => i18n.money(amount, quote.currency);
  const ref = `Q-${reference(quote.id)}${quote.revision > 1 ? `-R${quote.revision}` : ''}`;
  const rows = quote.lines.map((l) => [
    `${l.description} [${l.sku}]`,
    i18n.number(l.quantity),
    money(l.unitAmount),
    i18n.percent(l.taxRateBps),
    money(l.lineAmount),
  ]);
  const intro = [
    i18n.t('quote.mail.greeting', { firstName: contact.firstName }),
    i18n.t('quote.mail.intro', { ref, validUntil: i18n.date(quote.validUntil) }),
  ];
  const closing = [
    ...(quote.expectedDeliveryDate
      ? [i18n.t('quote.mail.delivery', { date: i18n.date(quote.expectedDeliveryDate) })]
      : []),
    ...(quote.notes ? [quote.notes] : []),
    i18n.t('quote.mail.reply'),
    tenant.name,
  ];
  const totals = [
    i18n.t('quote.mail.subtotal', { amount: money(quote.subtotal) }),
    i18n.t('quote.mail.tax', { amount: money(quote.taxTotal) }),
    i18n.t('quote.mail.total', { amount: money(quote.total) }),
  ];
  const text = [
    ...intro,
    '',
    ...quote.lines.map((l, i) =>
      i18n.t('quote.mail.line', {
        quantity: rows[i]![1]!,
        item: `${l.description} [${l.sku}]`,
        unitPrice: rows[i]![2]!,
        amount: rows[i]![4]!,
      }),
    ),
    '',
    ...totals,
    '',
    ...closing,
  ].join('\n');
  const html = email(
    tenant,
    i18n,
    <>
      <Paragraphs text={intro.join('\n\n')} />
      <Table
        headers={[
          i18n.t('quote.mail.item'),
          i18n.t('quote.mail.quantity'),
          i18n.t('quote.mail.unitPrice'),
          i18n.t('quote.mail.taxRate'),
          i18n.t('quote.mail.amount'),
        ]}
        rows={rows}
        right={[1, 2, 3, 4]}
      />
      <Paragraphs text={totals.join('\n\n')} />
      <Paragraphs text={closing.join('\n\n')} />
    </>,
  );
  return { subject: i18n.t('quote.mail.subject', { ref, company: tenant.name }), text, html };
}

export function purchaseOrderMail(tenant: Tenant, order: PurchaseOrder, i18n: Translator): MailContent {
  const ref = `PO-${reference(order.id)}`;
  const intro = [
    i18n.t('purchaseOrder.mail.greeting', { supplier: order.supplierName }),
    i18n.t('purchaseOrder.mail.intro', { ref }),
  ];
  const closing = [
    ...(order.note ? [order.note] : []),
    i18n.t('purchaseOrder.mail.deliverTo', { address: addressLines(tenant).join(', ') }),
    i18n.t('purchaseOrder.mail.confirm'),
    tenant.name,
  ];
  const rows = order.lines.map((l) => [l.sku, l.name, i18n.number(l.quantity)]);
  const text = [
    ...intro,
    '',
    ...order.lines.map((l, i) =>
      i18n.t('purchaseOrder.mail.line', { quantity: rows[i]![2]!, item: `${l.name} [${l.sku}]` }),
    ),
    '',
    ...closing,
  ].join('\n');
  const html = email(
    tenant,
    i18n,
    <>
      <Paragraphs text={intro.join('\n\n')} />
      <Table
        headers={[
          i18n.t('purchaseOrder.mail.sku'),
          i18n.t('purchaseOrder.mail.item'),
          i18n.t('purchaseOrder.mail.quantity'),
        ]}
        rows={rows}
        right={[2]}
      />
      <Paragraphs text={closing.join('\n\n')} />
    </>,
  );
  return { subject: i18n.t('purchaseOrder.mail.subject', { ref, company: tenant.name }), text, html };
}
