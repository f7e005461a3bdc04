import { DunningNoticeSent } from '../../events/invoicing.ts';
import type { Company, Contact } from '../contacts/schema.ts';
import { addTimelineEntryInto } from '../contacts/timeline.ts';
import { sendMail } from '../mail/service.ts';
import { isTransientSesError } from '../platform/aws/ses.ts';
import type { TenantContext } from '../platform/context.ts';
import { and, notExists } from '../platform/db/expressions.ts';
import { type Item, queryAll, type UnitOfWork, unitOfWork } from '../platform/db/repository.ts';
import type { MessageKey } from '../platform/i18n/catalog.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import { backOff } from '../platform/retry.ts';
import type { Tenant } from '../tenancy/schema.ts';
import { statusIs } from './invoices.ts';
import { invoiceKeys, type NoticeRecipient } from './keys.ts';
import { financeAlert, financeMessage, type RenderedMail, renderNotice, senderOf } from './mail.tsx';
import { defaultLevels, defaultPaymentInstructions } from './policy.ts';
import type { StoredInvoice } from './records.ts';
import type { DunningLevel, DunningNoticeStatus } from './schema.ts';
import { addInvoiceEntryInto } from './timeline.ts';

/**
 * Exactly-once dunning emails, as "at most once, and never silently lost":
 *
 * 1. claim: one transaction writes a `sending` notice per email of the level (customer, and finance
 *    when it gets a copy), `skipped` notices for earlier levels that were never handled, and a
 *    `dunningPending` marker on the invoice; every notice is `attribute_not_exists`, so of two
 *    sweeps only one can claim a level, and a level claimed once is never claimed again;
 * 2. send through SES;
 * 3. record: the notice becomes `sent` (with the SES message id), `suppressed`, `undeliverable` or
 *    `failed`, in the same transaction as the invoice's dunning state, its timelines and the
 *    DunningNoticeSent event; the marker goes when the level's last email is recorded.
 *
 * A crash between 1 and 3 leaves the marker. The next sweep that sees it older than
 * STALE_CLAIM_MS (longer than the sweep can run) cannot know whether SES got the message, so it
 * never re-sends: the notice becomes `uncertain` and finance gets an alert saying so, once.
 */
export const STALE_CLAIM_MS = 15 * 60_000;

/**
 * SES throttling or failing on its side, past the SDK's own retries: a few more tries over about
 * ten seconds (exponential backoff, full jitter) before the notice is recorded `failed`, so that a
 * moment of SES trouble does not cost a customer their reminder.
 */
const SES_RETRIES = {
  numOfAttempts: 5,
  startingDelay: 500,
  timeMultiple: 2,
  maxDelay: 4000,
  jitter: 'full' as const,
  retry: (error: unknown) => isTransientSesError(error),
};

export interface DunningRun {
  ctx: TenantContext;
  tenant: Tenant;
  /** The tenant's local date the sweep acts on. */
  today: string;
  paymentInstructions: string;
  /**
   * The tenant never saved a policy: each customer's notice is the default one in their own
   * language; a saved policy's texts are the tenant's and are sent as written.
   */
  defaultPolicy?: boolean;
}

export interface Customer {
  contact: Contact | undefined;
  company: Company | undefined;
}

/** Why an email did not go, as the catalog says it (`dunning.reason.*`) and as the records keep it. */
interface Why {
  code: 'noAddress' | 'noContact' | 'noFinanceAddress' | 'suppressed' | 'blocked' | 'refused' | 'interrupted';
  /** The suppression reason or the SES error's name. */
  detail?: string;
}

type Delivery =
  | { status: 'sent'; to: string; messageId: string }
  | {
      status: 'suppressed' | 'blocked' | 'undeliverable' | 'failed' | 'uncertain';
      to?: string;
      /** In English, for the invoice's records. */
      reason: string;
      why: Why;
    };

const REASONS: Record<Why['code'], MessageKey> = {
  noAddress: 'dunning.reason.noAddress',
  noContact: 'dunning.reason.noContact',
  noFinanceAddress: 'dunning.reason.noFinanceAddress',
  suppressed: 'dunning.reason.suppressed',
  blocked: 'dunning.reason.blocked',
  refused: 'dunning.reason.refused',
  interrupted: 'dunning.reason.interrupted',
};

const reasonIn = (i18n: Translator, why: Why) => i18n.t(REASONS[why.code], { detail: why.detail ?? '' });

async function undelivered(
  status: Exclude<Delivery['status'], 'sent'>,
  why: Why,
  to?: string,
): Promise<Delivery> {
  const reason = reasonIn(await translator('en-US'), why);
  return { status, ...(to ? { to } : {}), reason, why };
}

export class LevelBusy extends Error {
  constructor() {
    super('Another sweep is handling this invoice, or it was settled meanwhile.');
  }
}

function noticeItem(
  ctx: TenantContext,
  invoice: StoredInvoice,
  level: DunningLevel,
  recipient: NoticeRecipient,
  status: DunningNoticeStatus,
  extra: Record<string, unknown> = {},
): Item {
  return {
    ...invoiceKeys.notice(ctx.tenantId, invoice.id, level.id, recipient),
    entity: 'DunningNotice',
    invoiceId: invoice.id,
    levelId: level.id,
    levelName: level.name,
    recipient,
    status,
    ...extra,
  };
}

/** Step 1: claims the level's emails and records the earlier levels that will never be sent. */
export async function claimLevel(
  run: DunningRun,
  invoice: StoredInvoice,
  level: DunningLevel,
  skipped: DunningLevel[],
): Promise<string> {
  const { ctx } = run;
  const claimedAt = ctx.clock.now().toISOString();
  const uow = unitOfWork(ctx);
  const busy = () => new LevelBusy();
  uow.put(noticeItem(ctx, invoice, level, 'customer', 'sending', { claimedAt }), {
    condition: notExists,
    onConditionFailed: busy,
  });
  if (level.copyFinance) {
    uow.put(noticeItem(ctx, invoice, level, 'finance', 'sending', { claimedAt }), {
      condition: notExists,
      onConditionFailed: busy,
    });
  }
  for (const earlier of skipped) {
    uow.put(
      noticeItem(ctx, invoice, earlier, 'customer', 'skipped', {
        claimedAt,
        reason: `${level.name} was already due when the sweep reached this invoice.`,
      }),
      { condition: notExists, onConditionFailed: busy },
    );
    addInvoiceEntryInto(uow, ctx, invoice.id, {
      kind: 'dunning',
      title: `${earlier.name} skipped`,
      summary: `${level.name} was already due (the sweep ran late or dunning was paused), so only it is sent.`,
    });
  }
  uow.update(invoiceKeys.invoice(ctx.tenantId, invoice.id), {
    set: {
      dunningPending: { levelId: level.id, claimedAt },
      ...Object.fromEntries(skipped.map((s) => [`dunningNotices.${s.id}`, 'skipped'])),
    },
    condition: and(
      statusIs('open', 'partially_paid'),
      (e) => `attribute_not_exists(${e.name('dunningPending')})`,
    ),
    onConditionFailed: busy,
  });
  await uow.commit();
  return claimedAt;
}

async function deliver(
  run: DunningRun,
  to: string | undefined,
  missing: Why,
  mail: RenderedMail,
  tags: Record<string, string>,
): Promise<Delivery> {
  if (!to) return undelivered('undeliverable', missing);
  try {
    // The notice is claimed, so trying again in place cannot send it twice: only an answer that
    // says SES took nothing is retried.
    const outcome = await backOff(
      () => sendMail(run.ctx, { category: 'transactional', sender: senderOf(run.tenant), to, ...mail, tags }),
      SES_RETRIES,
    );
    if (outcome.status === 'sent') return { status: 'sent', to, messageId: outcome.messageId };
    if (outcome.status === 'blocked')
      return undelivered('blocked', { code: 'blocked', detail: outcome.reason }, to);
    return undelivered('suppressed', { code: 'suppressed', detail: outcome.reason }, to);
  } catch (error) {
    run.ctx.logger.error('dunning email failed', { to, error: String(error) });
    // SES answered with an error: nothing was sent. No answer at all: it may have been.
    const answered =
      typeof (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 'number';
    const detail = (error as Error).name;
    return answered
      ? undelivered('failed', { code: 'refused', detail }, to)
      : undelivered('uncertain', { code: 'interrupted', detail }, to);
  }
}

function describeDelivery(
  level: DunningLevel,
  who: string,
  delivery: Delivery,
): { title: string; summary?: string } {
  if (delivery.status === 'sent')
    return { title: `${level.name} sent to ${delivery.to}`, summary: `SES message ${delivery.messageId}.` };
  const verb = delivery.status === 'uncertain' ? 'may not have reached' : 'not delivered to';
  return { title: `${level.name} ${verb} ${delivery.to ?? who}`, summary: delivery.reason };
}

/**
 * Steps 2 and 3 for the customer, then for finance: the customer's notice, and finance's copy when
 * the level asks for one or the customer could not be reached (a suppressed address, no address).
 */
export async function sendLevel(
  run: DunningRun,
  invoice: StoredInvoice,
  level: DunningLevel,
  customer: Customer,
  daysOverdue: number,
): Promise<{ customer: Delivery; finance?: Delivery }> {
  const { ctx, tenant } = run;
  const [reader, finance] = await Promise.all([
    translator(customer.contact?.locale, tenant.locale),
    translator(tenant.locale),
  ]);
  const own = run.defaultPolicy ? defaultLevels(reader).find((l) => l.id === level.id) : undefined;
  const notice = renderNotice(
    own?.email ?? level.email,
    {
      tenant,
      invoice,
      contact: customer.contact,
      company: customer.company,
      level: own ?? level,
      daysOverdue,
      paymentInstructions:
        invoice.paymentInstructions ??
        (run.defaultPolicy ? defaultPaymentInstructions(reader) : run.paymentInstructions),
    },
    reader,
  );
  const tags = { kind: 'dunning', invoiceId: invoice.id, level: level.id };
  const missing: Why = customer.contact ? { code: 'noAddress' } : { code: 'noContact' };
  const toCustomer = await deliver(run, customer.contact?.email, missing, notice, {
    ...tags,
    recipient: 'customer',
  });
  const financeNeeded = level.copyFinance || toCustomer.status !== 'sent';
  const now = ctx.clock.now().toISOString();

  const uow = unitOfWork(ctx).update(invoiceKeys.notice(ctx.tenantId, invoice.id, level.id, 'customer'), {
    set: recordOf(toCustomer, now),
    condition: (e) => `${e.name('status')} IN (${e.value('sending')}, ${e.value('uncertain')})`,
  });
  if (financeNeeded && !level.copyFinance) {
    uow.put(noticeItem(ctx, invoice, level, 'finance', 'sending', { claimedAt: now }), {
      condition: notExists,
    });
  }
  uow.update(invoiceKeys.invoice(ctx.tenantId, invoice.id), {
    set: {
      [`dunningNotices.${level.id}`]: toCustomer.status,
      dunningLevel: level.id,
      lastNoticeAt: now,
      ...(financeNeeded ? {} : { dunningPending: undefined }),
    },
  });
  const who = customer.contact
    ? `${customer.contact.firstName} ${customer.contact.lastName}`
    : 'the customer';
  const described = describeDelivery(level, who, toCustomer);
  addInvoiceEntryInto(uow, ctx, invoice.id, { kind: 'dunning', ...described });
  if (customer.contact) {
    addTimelineEntryInto(uow, ctx, invoice.contactId, {
      kind: 'dunning',
      title: `Invoice ${invoice.number}: ${described.title}`,
      ...(toCustomer.status === 'sent' ? { summary: notice.subject } : { summary: described.summary! }),
      ref: { type: 'invoice', id: invoice.id },
    });
  }
  if (toCustomer.status === 'sent') publishSent(uow, invoice, level, 'customer', toCustomer, daysOverdue);
  await uow.commit();
  invoice.dunningNotices = { ...invoice.dunningNotices, [level.id]: toCustomer.status };
  invoice.dunningLevel = level.id;
  if (!financeNeeded) return { customer: toCustomer };

  const amount = finance.money(invoice.amountDue, invoice.currency);
  const about =
    daysOverdue > 0
      ? finance.t('dunning.finance.aboutOverdue', { number: invoice.number!, amount, days: daysOverdue })
      : finance.t('dunning.finance.aboutDue', {
          number: invoice.number!,
          amount,
          dueDate: finance.date(invoice.dueDate!),
        });
  const message =
    toCustomer.status === 'sent'
      ? financeMessage(
          notice,
          tenant,
          finance,
          finance.t('dunning.finance.copy', { level: level.name, to: toCustomer.to, about }),
          finance.t('dunning.finance.tag.copy'),
        )
      : financeMessage(
          notice,
          tenant,
          finance,
          finance.t(
            toCustomer.status === 'uncertain' ? 'dunning.finance.uncertain' : 'dunning.finance.notDelivered',
            {
              level: level.name,
              about,
              to: toCustomer.to ?? (customer.contact ? who : finance.t('dunning.finance.theCustomer')),
              reason: reasonIn(finance, toCustomer.why),
            },
          ),
          finance.t(
            toCustomer.status === 'uncertain'
              ? 'dunning.finance.tag.check'
              : 'dunning.finance.tag.notDelivered',
          ),
        );
  const toFinance = await deliver(run, tenant.financeEmail, { code: 'noFinanceAddress' }, message, {
    ...tags,
    recipient: 'finance',
  });
  const record = unitOfWork(ctx)
    .update(invoiceKeys.notice(ctx.tenantId, invoice.id, level.id, 'finance'), {
      set: recordOf(toFinance, ctx.clock.now().toISOString()),
      condition: (e) => `${e.name('status')} IN (${e.value('sending')}, ${e.value('uncertain')})`,
    })
    .update(invoiceKeys.invoice(ctx.tenantId, invoice.id), { set: { dunningPending: undefined } });
  addInvoiceEntryInto(record, ctx, invoice.id, {
    kind: 'dunning',
    ...(toFinance.status === 'sent'
      ? { title: `Finance told (${toFinance.to})`, summary: message.subject }
      : { title: `Finance could not be told (${tenant.financeEmail})`, summary: toFinance.reason }),
  });
  if (toFinance.status === 'sent') publishSent(record, invoice, level, 'finance', toFinance, daysOverdue);
  await record.commit();
  return { customer: toCustomer, finance: toFinance };
}

function recordOf(delivery: Delivery, at: string): Record<string, unknown> {
  return delivery.status === 'sent'
    ? { status: 'sent', to: delivery.to, messageId: delivery.messageId, sentAt: at }
    : { status: delivery.status, to: delivery.to, reason: delivery.reason, recordedAt: at };
}

function publishSent(
  uow: UnitOfWork,
  invoice: StoredInvoice,
  level: DunningLevel,
  recipient: 'customer' | 'finance',
  delivery: Extract<Delivery, { status: 'sent' }>,
  daysOverdue: number,
): void {
  uow.publish(DunningNoticeSent, {
    invoiceId: invoice.id,
    number: invoice.number!,
    contactId: invoice.contactId,
    levelId: level.id,
    offsetDays: level.offsetDays,
    recipient,
    to: delivery.to,
    messageId: delivery.messageId,
    daysOverdue,
  });
}

/**
 * An interrupted level (its marker older than STALE_CLAIM_MS): every notice still `sending`
 * becomes `uncertain`, the marker goes, and finance is alerted, all claimed in one transaction
 * conditional on the marker, so two sweeps cannot both resolve it. Nothing is re-sent.
 */
export async function resolveInterrupted(
  run: DunningRun,
  invoice: StoredInvoice,
  level: Pick<DunningLevel, 'id' | 'name'>,
): Promise<void> {
  const { ctx, tenant } = run;
  const pending = invoice.dunningPending!;
  const notices = await queryAll(ctx, {
    partition: invoiceKeys.partition(ctx.tenantId, invoice.id),
    sort: { beginsWith: `NOTICE#${level.id}#` },
    consistent: true,
  });
  const interrupted = notices.filter((n) => n.status === 'sending');
  const customerInterrupted = interrupted.some((n) => n.recipient === 'customer');
  const now = ctx.clock.now().toISOString();
  const reason = 'The send was interrupted before its outcome was recorded; it is not re-sent.';
  const uow = unitOfWork(ctx);
  for (const notice of interrupted) {
    uow.update(invoiceKeys.notice(ctx.tenantId, invoice.id, level.id, notice.recipient as NoticeRecipient), {
      set: { status: 'uncertain', reason, recordedAt: now },
      condition: (e) => `${e.name('status')} = ${e.value('sending')}`,
    });
  }
  uow.update(invoiceKeys.invoice(ctx.tenantId, invoice.id), {
    set: {
      dunningPending: undefined,
      ...(customerInterrupted
        ? {
            [`dunningNotices.${level.id}`]: 'uncertain',
            dunningLevel: level.id,
            lastNoticeAt: pending.claimedAt,
          }
        : {}),
    },
    condition: (e) => `${e.name('dunningPending.claimedAt')} = ${e.value(pending.claimedAt)}`,
    onConditionFailed: () => new LevelBusy(),
  });
  const recipients = interrupted
    .map((n) => (n.recipient === 'customer' ? 'the customer' : 'finance'))
    .join(' and ');
  if (interrupted.length) {
    uow.put(noticeItem(ctx, invoice, level as DunningLevel, 'alert', 'sending', { claimedAt: now }), {
      condition: notExists,
      onConditionFailed: () => new LevelBusy(),
    });
    addInvoiceEntryInto(uow, ctx, invoice.id, {
      kind: 'dunning',
      title: `${level.name} to ${recipients} may or may not have been sent`,
      summary: reason,
    });
  }
  await uow.commit();
  delete invoice.dunningPending;
  if (customerInterrupted) {
    invoice.dunningNotices = { ...invoice.dunningNotices, [level.id]: 'uncertain' };
    invoice.dunningLevel = level.id;
  }
  if (!interrupted.length) return;

  const i18n = await translator(tenant.locale);
  const who = interrupted.map((n) => n.recipient);
  const alert = financeAlert(
    tenant,
    i18n,
    `[${i18n.t('dunning.finance.tag.check')}] ${i18n.t('dunning.alert.subject', { level: level.name, number: invoice.number! })}`,
    i18n.t('dunning.alert.body', {
      level: level.name,
      number: invoice.number!,
      amount: i18n.money(invoice.amountDue, invoice.currency),
      dueDate: i18n.date(invoice.dueDate!),
      recipients: who.includes('customer') ? (who.includes('finance') ? 'both' : 'customer') : 'finance',
      at: i18n.dateTime(pending.claimedAt, tenant.timeZone),
    }),
  );
  const outcome = await deliver(run, tenant.financeEmail, { code: 'noFinanceAddress' }, alert, {
    kind: 'dunning',
    invoiceId: invoice.id,
    level: level.id,
    recipient: 'finance',
  });
  await unitOfWork(ctx)
    .update(invoiceKeys.notice(ctx.tenantId, invoice.id, level.id, 'alert'), {
      set: recordOf(outcome, ctx.clock.now().toISOString()),
    })
    .commit();
}
