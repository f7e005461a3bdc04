import { getCompany, getContact } from '../contacts/records.ts';
import type { TenantContext } from '../platform/context.ts';
import { absentIfNotFound } from '../platform/errors.ts';
import { translator } from '../platform/i18n/translator.ts';
import { renderTemplate } from '../platform/merge-fields.ts';
import { Lines } from '../platform/pages/components.tsx';
import { type HtmlPage, renderPage, Shell } from '../platform/pages/shell.tsx';
import { daysBetween, localDate } from '../platform/time.ts';
import { addressLines } from '../tenancy/address.ts';
import { getTenant } from '../tenancy/records.ts';
import { ERASED_CONTACT } from './keys.ts';
import { mergeValues } from './mail.tsx';
import { defaultPaymentInstructions, getDunningPolicy } from './policy.ts';
import { getStoredInvoice } from './records.ts';

const STAMPS = {
  draft: 'invoice.print.stamp.draft',
  paid: 'invoice.print.stamp.paid',
  void: 'invoice.print.stamp.void',
} as const;

/**
 * The invoice as a self-contained page for printing or saving as PDF from a browser, through the
 * page shell (no script, no external resource, every value escaped by the renderer), in the
 * customer's language (else the tenant's): it is the customer's document.
 */
export async function printInvoice(ctx: TenantContext, id: string): Promise<HtmlPage> {
  const invoice = await getStoredInvoice(ctx, id);
  const [tenant, contact] = await Promise.all([
    getTenant(ctx),
    getContact(ctx, invoice.contactId).catch(absentIfNotFound),
  ]);
  const [policy, company, i18n] = await Promise.all([
    getDunningPolicy(ctx, tenant.locale),
    invoice.companyId ? getCompany(ctx, invoice.companyId).catch(absentIfNotFound) : undefined,
    translator(contact?.locale, tenant.locale),
  ]);
  const money = (minor: number) => i18n.money(minor, invoice.currency);
  const today = localDate(ctx.clock.now(), tenant.timeZone);
  const instructions = renderTemplate(
    invoice.paymentInstructions ??
      (policy.isDefault ? defaultPaymentInstructions(i18n) : policy.paymentInstructions),
    mergeValues(
      {
        tenant,
        invoice,
        contact,
        company,
        level: { name: '' },
        daysOverdue: invoice.dueDate ? daysBetween(invoice.dueDate, today) : 0,
        paymentInstructions: '',
      },
      i18n,
    ),
    'text',
  );
  const title = invoice.number
    ? i18n.t('invoice.print.title', { number: invoice.number })
    : i18n.t('invoice.print.draftTitle');
  const from = [tenant.name, ...addressLines(tenant), tenant.replyTo ?? tenant.financeEmail];
  const to = [
    ...(company ? [company.name] : []),
    ...(invoice.contactErasedAt ? [ERASED_CONTACT] : []),
    ...(contact ? [`${contact.firstName} ${contact.lastName}`] : []),
    ...(contact?.email ? [contact.email] : []),
  ];
  const stamp = invoice.status in STAMPS ? STAMPS[invoice.status as keyof typeof STAMPS] : undefined;
  return renderPage(
    200,
    <Shell lang={i18n.locale} title={`${title} · ${tenant.name}`} look="document">
      <div class="head">
        <div>
          <h1>{title}</h1>
          {stamp ? (
            <p>
              <span class="stamp">{i18n.t(stamp)}</span>
            </p>
          ) : null}
        </div>
        <div class="n">
          {invoice.issueDate ? (
            <div>{i18n.t('invoice.print.issued', { date: i18n.date(invoice.issueDate) })}</div>
          ) : null}
          <div>
            {invoice.dueDate
              ? i18n.t('invoice.print.due', { date: i18n.date(invoice.dueDate) })
              : i18n.t('invoice.print.terms', { days: invoice.paymentTermsDays })}
          </div>
        </div>
      </div>
      <div class="parties">
        <div>
          <div class="muted">{i18n.t('invoice.print.from')}</div>
          <div class="lines">{from.join('\n')}</div>
        </div>
        <div>
          <div class="muted">{i18n.t('invoice.print.billTo')}</div>
          <div class="lines">{to.join('\n')}</div>
        </div>
      </div>
      {/* Scrolls sideways on a phone; focusable so that a keyboard can scroll it too (WCAG 2.1.1). */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe scrollable-region-focusable) */}
      <section class="scroll" aria-label={i18n.t('invoice.print.lines')} tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{i18n.t('invoice.print.description')}</th>
              <th scope="col" class="n">
                {i18n.t('invoice.print.quantity')}
              </th>
              <th scope="col" class="n">
                {i18n.t('invoice.print.unitPrice')}
              </th>
              <th scope="col" class="n">
                {i18n.t('invoice.print.tax')}
              </th>
              <th scope="col" class="n">
                {i18n.t('invoice.print.amount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line) => (
              <tr>
                <td>{line.description}</td>
                <td class="n">{i18n.number(line.quantity)}</td>
                <td class="n">{money(line.unitAmount)}</td>
                <td class="n">{i18n.percent(line.taxRateBps)}</td>
                <td class="n">{money(line.subtotal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <table class="totals">
        <tbody>
          <tr>
            <th scope="row">{i18n.t('invoice.print.subtotal')}</th>
            <td class="n">{money(invoice.subtotal)}</td>
          </tr>
          <tr>
            <th scope="row">{i18n.t('invoice.print.tax')}</th>
            <td class="n">{money(invoice.taxTotal)}</td>
          </tr>
          <tr>
            <th scope="row">{i18n.t('invoice.print.total')}</th>
            <td class="n">{money(invoice.total)}</td>
          </tr>
          {invoice.amountPaid ? (
            <tr>
              <th scope="row">{i18n.t('invoice.print.paid')}</th>
              <td class="n">{money(invoice.amountPaid)}</td>
            </tr>
          ) : null}
          <tr class="due">
            <th scope="row">{i18n.t('invoice.print.amountDue')}</th>
            <td class="n">{money(invoice.status === 'void' ? 0 : invoice.amountDue)}</td>
          </tr>
        </tbody>
      </table>
      {invoice.status === 'void' ? null : (
        <>
          <h2>{i18n.t('invoice.print.howToPay')}</h2>
          <p>{instructions}</p>
        </>
      )}
      {invoice.notes ? (
        <>
          <h2>{i18n.t('invoice.print.notes')}</h2>
          <p>
            <Lines text={invoice.notes} />
          </p>
        </>
      ) : null}
    </Shell>,
  );
}
