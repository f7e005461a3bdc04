import { currencyDigits, numberFormat } from '../platform/intl.ts';

/**
 * Money arithmetic on integer minor units. Products of amounts and rates can exceed 2^53, so they
 * are computed with BigInt; results are checked to fit a safe integer again.
 */

function toSafe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RangeError(`${what} is too large.`);
  return Number(value);
}

/** quantity × unit amount, exactly. */
export function lineAmount(quantity: number, unitAmount: number): number {
  return toSafe(BigInt(quantity) * BigInt(unitAmount), 'The line amount');
}

/** `amount × bps / 10000`, rounded half up (away from zero for negative amounts). */
export function applyBps(amount: number, bps: number): number {
  const product = BigInt(amount) * BigInt(bps);
  const sign = product < 0n ? -1n : 1n;
  const magnitude = product * sign;
  return toSafe(((magnitude + 5000n) / 10000n) * sign, 'The amount');
}

/** `amount × percent / 100`, rounded half up: a stage's weighted value. */
export function applyPercent(amount: number, percent: number): number {
  return applyBps(amount, percent * 100);
}

export function sum(values: number[]): number {
  return toSafe(
    values.reduce((total, v) => total + BigInt(v), 0n),
    'The total',
  );
}

/** `numerator / denominator` in basis points, rounded half up; undefined when nothing to divide. */
export function ratioBps(numerator: number, denominator: number): number | undefined {
  if (denominator <= 0) return undefined;
  return Number((BigInt(numerator) * 20000n + BigInt(denominator)) / (BigInt(denominator) * 2n));
}

/**
 * `12345` EUR → "€123.45", formatted from a decimal string so that no floating-point value is
 * ever made from an amount.
 */
export function formatMoney(amount: number, currency: string, locale = 'en'): string {
  const digits = currencyDigits(currency);
  const negative = amount < 0;
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  const format = numberFormat(locale, { style: 'currency', currency }) as Intl.NumberFormat & {
    format(value: string): string;
  };
  return format.format(`${negative ? '-' : ''}${decimal}`);
}
