import type { TenantContext } from '../platform/context.ts';
import { notExists } from '../platform/db/expressions.ts';
import { assertIfMatch, getItem, unitOfWork } from '../platform/db/repository.ts';
import { type FieldIssue, PreconditionFailedError, ValidationError } from '../platform/errors.ts';
import { checkTemplate } from '../platform/merge-fields.ts';
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

const signature =
  '\n\nIf you have already paid, thank you, and please disregard this message.\n\n{{tenant.name}}';
const howToPay = '\n\nHow to pay: {{paymentInstructions}}';

export const DEFAULT_LEVELS: DunningLevel[] = [
  {
    id: 'courtesy',
    name: 'Courtesy reminder',
    offsetDays: -3,
    email: {
      subject: 'Invoice {{invoice.number}} is due on {{invoice.dueDate}}',
      text: `Hello {{contact.firstName | "there"}},\n\nA friendly reminder that invoice {{invoice.number}} for {{invoice.amountDue}} is due on {{invoice.dueDate}}.${howToPay}${signature}`,
    },
    copyFinance: false,
    action: 'none',
  },
  {
    id: 'first-reminder',
    name: 'First reminder',
    offsetDays: 1,
    email: {
      subject: 'Invoice {{invoice.number}} is overdue',
      text: `Hello {{contact.firstName | "there"}},\n\nInvoice {{invoice.number}} for {{invoice.amountDue}} was due on {{invoice.dueDate}} and is now overdue by {{invoice.overdueBy}}. Please arrange payment at your earliest convenience.${howToPay}\n\nIf something about this invoice is wrong, reply to this email and we will sort it out.${signature}`,
    },
    copyFinance: true,
    action: 'none',
  },
  {
    id: 'second-reminder',
    name: 'Second reminder',
    offsetDays: 7,
    email: {
      subject: 'Second reminder: invoice {{invoice.number}} is {{invoice.overdueBy}} overdue',
      text: `Hello {{contact.firstName | "there"}},\n\nWe have not yet received payment of {{invoice.amountDue}} for invoice {{invoice.number}}, due on {{invoice.dueDate}}: it is now overdue by {{invoice.overdueBy}}.${howToPay}${signature}`,
    },
    copyFinance: true,
    action: 'raise_priority',
  },
  {
    id: 'final-notice',
    name: 'Final notice',
    offsetDays: 14,
    email: {
      subject: 'Final notice: invoice {{invoice.number}} ({{invoice.amountDue}})',
      text: `Hello {{contact.firstName | "there"}},\n\nInvoice {{invoice.number}} for {{invoice.amountDue}} is overdue by {{invoice.overdueBy}} despite our reminders. Unless we receive payment within 7 days, we will escalate the matter.${howToPay}${signature}`,
    },
    copyFinance: true,
    action: 'raise_priority',
  },
  {
    id: 'escalation',
    name: 'Escalation',
    offsetDays: 30,
    email: {
      subject: 'Invoice {{invoice.number}} has been escalated',
      text: `Hello {{contact.firstName | "there"}},\n\nInvoice {{invoice.number}} for {{invoice.amountDue}} is overdue by {{invoice.overdueBy}}, and we have passed it to our finance team for collection. Please pay now, or reply to this email to discuss it.${howToPay}${signature}`,
    },
    copyFinance: true,
    action: 'escalate',
  },
];

export const DEFAULT_PAYMENT_INSTRUCTIONS =
  'Bank transfer, quoting invoice {{invoice.number}} as the reference. For other ways to pay, write to {{tenant.email}}.';

export function defaultPolicy(): DunningPolicy {
  return {
    levels: DEFAULT_LEVELS,
    paymentInstructions: DEFAULT_PAYMENT_INSTRUCTIONS,
    isDefault: true,
    version: 0,
  };
}

export async function getDunningPolicy(ctx: TenantContext): Promise<DunningPolicy> {
  const item = await getItem(ctx, invoiceKeys.policy(ctx.tenantId));
  if (!item) return defaultPolicy();
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
