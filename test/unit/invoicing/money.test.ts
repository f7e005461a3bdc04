import { describe, expect, it } from 'vitest';
import { formatInvoiceNumber } from '../../../shared/invoicing/invoices.ts';
import { formatMoney, priceInvoice, priceLine, toDecimalString } from '../../../shared/invoicing/money.ts';
import { defaultLevels, policyProblems } from '../../../shared/invoicing/policy.ts';
import { MAX_AMOUNT } from '../../../shared/invoicing/schema.ts';
import { currentLevel } from '../../../shared/invoicing/sweep.ts';
import { translator } from '../../../shared/platform/i18n/translator.ts';

const DEFAULT_LEVELS = defaultLevels(await translator('en-US'));

const line = (quantity: number, unitAmount: number, taxRateBps: number) => ({
  description: 'Widget',
  quantity,
  unitAmount,
  taxRateBps,
});

describe('invoice arithmetic', () => {
  it('rounds each line’s tax half up, in minor units', () => {
    expect(priceLine(line(1, 250, 2000))).toMatchObject({ subtotal: 250, tax: 50, total: 300 });
    // 0.25 of a cent rounds down, exactly half rounds up.
    expect(priceLine(line(1, 1001, 2500)).tax).toBe(250);
    expect(priceLine(line(1, 1002, 2500)).tax).toBe(251);
    expect(priceLine(line(3, 333, 550)).tax).toBe(55);
  });

  it('adds up line amounts, never re-taxing the total', () => {
    const totals = priceInvoice([line(1, 1001, 2500), line(1, 1002, 2500)]);
    expect(totals).toMatchObject({ subtotal: 2003, taxTotal: 501, total: 2504 });
  });

  it('stays exact for the largest amounts it accepts and refuses totals beyond them', () => {
    const big = priceLine(line(1_000_000, 999_999_999, 2000));
    expect(big.total).toBe(1_199_999_998_800_000);
    expect(() => priceInvoice([line(1_000_000, 999_999_999, 2000)])).toThrow(/larger than any amount/);
    expect(priceInvoice([line(100_000, 999_999_999, 2000)]).total).toBe(119_999_999_880_000);
  });
});

describe('amounts in words people read', () => {
  it('formats minor units with the currency’s own decimals and the code after the amount', () => {
    expect(formatMoney(125_000, 'EUR')).toBe('1,250.00 EUR');
    expect(formatMoney(125_000, 'JPY')).toBe('125,000 JPY');
    expect(formatMoney(1_234_567, 'KWD')).toBe('1,234.567 KWD');
    expect(formatMoney(5, 'USD')).toBe('0.05 USD');
    expect(formatMoney(MAX_AMOUNT, 'EUR')).toBe('9,999,999,999,999.99 EUR');
    expect(toDecimalString(MAX_AMOUNT, 'EUR')).toBe('9999999999999.99');
  });

  it('numbers invoices per year with at least four digits', () => {
    expect(formatInvoiceNumber('2026', 42)).toBe('2026-0042');
    expect(formatInvoiceNumber('2026', 12_345)).toBe('2026-12345');
  });
});

describe('the dunning policy', () => {
  it('picks the latest level due, before and after the due date', () => {
    expect(currentLevel(DEFAULT_LEVELS, -5)).toBeUndefined();
    expect(currentLevel(DEFAULT_LEVELS, -3)?.id).toBe('courtesy');
    expect(currentLevel(DEFAULT_LEVELS, 0)?.id).toBe('courtesy');
    expect(currentLevel(DEFAULT_LEVELS, 1)?.id).toBe('first-reminder');
    expect(currentLevel(DEFAULT_LEVELS, 20)?.id).toBe('final-notice');
    expect(currentLevel(DEFAULT_LEVELS, 400)?.id).toBe('escalation');
  });

  it('accepts the default policy and names every problem of a broken one', () => {
    expect(policyProblems({ levels: DEFAULT_LEVELS, paymentInstructions: 'Pay {{invoice.number}}' })).toEqual(
      [],
    );
    const [first, second] = DEFAULT_LEVELS;
    const problems = policyProblems({
      levels: [
        { ...second!, email: { ...second!.email, subject: 'Pay {{invoice.amount}}' } },
        { ...first!, id: second!.id },
      ],
      paymentInstructions: '{{paymentInstructions}}',
    });
    expect(problems.map((p) => p.path)).toEqual([
      'body.levels.0.email.subject',
      'body.levels.1.id',
      'body.levels.1.offsetDays',
      'body.paymentInstructions',
    ]);
  });
});
