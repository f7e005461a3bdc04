import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { assertIfMatch, getItem, unitOfWork } from '../platform/db/repository.ts';
import { type FieldIssue, PreconditionFailedError, ValidationError } from '../platform/errors.ts';
import type { MessageKey } from '../platform/i18n/catalog.ts';
import { type Translator, translator } from '../platform/i18n/translator.ts';
import { checkTemplate } from '../platform/merge-fields.ts';
import { getTenant } from '../tenancy/records.ts';
import { invoiceKeys } from './keys.ts';
import type { DunningLevel, DunningPolicy, DunningPolicyInput } from './schema.ts';

/**
 * The tenant's dunning policy is data: ordered levels, each an offset from the due date, an email
 * template, whether finance gets a copy, and what happens to the collections task. Until the
 * tenant saves one, the default below applies (version 0).
 */

/** Every merge field a dunning template may use (docs/invoicing.md describes each). */
export const DUNNING_MERGE_FIELDS = [
  'contact.firstName',
  'contact.lastName',
  'contact.fullName',
  'contact.email',
  'company.name',
  'invoice.number',
  'invoice.issueDate',
  'invoice.dueDate',
  'invoice.total',
  'invoice.amountPaid',
  'invoice.amountDue',
  'invoice.currency',
  'invoice.daysOverdue',
  'invoice.overdueBy',
  'invoice.daysUntilDue',
  'level.name',
  'tenant.name',
  'tenant.email',
  'tenant.financeEmail',
  'paymentInstructions',
] as const;

interface DefaultLevel extends Omit<DunningLevel, 'name' | 'email'> {
  text: { name: MessageKey; subject: MessageKey; body: MessageKey; more?: MessageKey };
}

/** The default levels' shape; their names and emails are the catalog's, in the reader's language. */
const DEFAULT_LEVELS: DefaultLevel[] = [
  {
    id: 'courtesy',
    offsetDays: -3,
    copyFinance: false,
    action: 'none',
    text: {
      name: 'dunning.courtesy.name',
      subject: 'dunning.courtesy.subject',
      body: 'dunning.courtesy.body',
    },
  },
  {
    id: 'first-reminder',
    offsetDays: 1,
    copyFinance: true,
    action: 'none',
    text: {
      name: 'dunning.firstReminder.name',
      subject: 'dunning.firstReminder.subject',
      body: 'dunning.firstReminder.body',
      more: 'dunning.firstReminder.more',
    },
  },
  {
    id: 'second-reminder',
    offsetDays: 7,
    copyFinance: true,
    action: 'raise_priority',
    text: {
      name: 'dunning.secondReminder.name',
      subject: 'dunning.secondReminder.subject',
      body: 'dunning.secondReminder.body',
    },
  },
  {
    id: 'final-notice',
    offsetDays: 14,
    copyFinance: true,
    action: 'raise_priority',
    text: {
      name: 'dunning.finalNotice.name',
      subject: 'dunning.finalNotice.subject',
      body: 'dunning.finalNotice.body',
    },
  },
  {
    id: 'escalation',
    offsetDays: 30,
    copyFinance: true,
    action: 'escalate',
    text: {
      name: 'dunning.escalation.name',
      subject: 'dunning.escalation.subject',
      body: 'dunning.escalation.body',
    },
  },
];

/**
 * The catalog's messages take the merge fields as their arguments, so that formatting one gives a
 * template in the reader's language that the tenant could also have written (and can, by saving
 * a policy: from then on its own texts are sent as they are, in whatever language it wrote them).
 */
const FIELDS = {
  number: '{{invoice.number}}',
  dueDate: '{{invoice.dueDate}}',
  amountDue: '{{invoice.amountDue}}',
  overdueBy: '{{invoice.overdueBy}}',
  paymentInstructions: '{{paymentInstructions}}',
  email: '{{tenant.email}}',
};

/** The default levels, their names and emails in the language of `i18n`. */
export function defaultLevels(i18n: Translator): DunningLevel[] {
  const greeting = i18n.t('dunning.template.greeting', {
    firstName: `{{contact.firstName | "${i18n.t('dunning.template.nobody')}"}}`,
  });
  return DEFAULT_LEVELS.map(({ text, ...level }) => ({
    ...level,
    name: i18n.t(text.name),
    email: {
      subject: i18n.t(text.subject, FIELDS),
      text: [
        greeting,
        i18n.t(text.body, FIELDS),
        i18n.t('dunning.template.howToPay', FIELDS),
        ...(text.more ? [i18n.t(text.more)] : []),
        i18n.t('dunning.template.signature'),
        '{{tenant.name}}',
      ].join('\n\n'),
    },
  }));
}

export function defaultPaymentInstructions(i18n: Translator): string {
  return i18n.t('dunning.template.paymentInstructions', FIELDS);
}

export function defaultPolicy(i18n: Translator): DunningPolicy {
  return {
    levels: defaultLevels(i18n),
    paymentInstructions: defaultPaymentInstructions(i18n),
    isDefault: true,
    version: 0,
  };
}

/**
 * The tenant's policy, or the default one (version 0) written in `locale` (the tenant's locale,
 * read when not given).
 */
export async function getDunningPolicy(ctx: TenantContext, locale?: string): Promise<DunningPolicy> {
  const item = await getItem(ctx, invoiceKeys.policy(ctx.tenantId));
  if (!item) return defaultPolicy(await translator(locale ?? (await getTenant(ctx)).locale));
  return {
    levels: item.levels as DunningLevel[],
    paymentInstructions: String(item.paymentInstructions),
    isDefault: false,
    updatedAt: String(item.updatedAt),
    version: Number(item.version),
  };
}

/** What is wrong with a policy, with the path of each problem; empty when it can be saved. */
export function policyProblems(input: DunningPolicyInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const fields = new Set<string>(DUNNING_MERGE_FIELDS);
  const check = (template: string | undefined, path: string, available: Set<string>) => {
    if (template === undefined) return;
    for (const problem of checkTemplate(template, available)) issues.push({ path, message: problem.message });
  };
  const ids = new Set<string>();
  input.levels.forEach((level, i) => {
    const at = `body.levels.${i}`;
    if (ids.has(level.id)) issues.push({ path: `${at}.id`, message: `Level id ${level.id} is used twice.` });
    ids.add(level.id);
    const previous = input.levels[i - 1];
    if (previous && level.offsetDays <= previous.offsetDays) {
      issues.push({
        path: `${at}.offsetDays`,
        message: `Levels are ordered by offsetDays: ${level.offsetDays} must be later than ${previous.offsetDays}.`,
      });
    }
    check(level.email.subject, `${at}.email.subject`, fields);
    check(level.email.text, `${at}.email.text`, fields);
    check(level.email.html, `${at}.email.html`, fields);
  });
  const withoutItself = new Set(fields);
  withoutItself.delete('paymentInstructions');
  check(input.paymentInstructions, 'body.paymentInstructions', withoutItself);
  return issues;
}

export async function saveDunningPolicy(
  ctx: TenantContext,
  input: DunningPolicyInput,
  ifMatch?: number | 'any',
): Promise<DunningPolicy> {
  const issues = policyProblems(input);
  if (issues.length) throw new ValidationError(issues);
  const current = await getDunningPolicy(ctx);
  assertIfMatch(ifMatch, current);
  const saved: DunningPolicy = {
    levels: input.levels,
    paymentInstructions: input.paymentInstructions,
    isDefault: false,
    updatedAt: ctx.clock.now().toISOString(),
    version: current.version + 1,
  };
  const { isDefault: _d, ...attributes } = saved;
  await unitOfWork(ctx)
    .put(
      { ...invoiceKeys.policy(ctx.tenantId), entity: 'DunningPolicy', ...attributes },
      {
        condition: current.isDefault
          ? notExists
          : (e) => `${e.name('version')} = ${e.value(current.version)}`,
        onConditionFailed: () =>
          new PreconditionFailedError('The policy was changed meanwhile; read it again.'),
      },
    )
    .commit();
  return saved;
}
