import { ValidationError } from '../platform/errors.ts';
import { currencyDigits, numberFormat } from '../platform/intl.ts';
import { type InvoiceLine, type InvoiceLineInput, MAX_AMOUNT } from './schema.ts';

/**
 * Invoice arithmetic in integer minor units. Tax is computed per line and rounded half up
 * (BigInt, so no intermediate product ever loses precision); totals are sums of line amounts.
 */
export function priceLine(line: InvoiceLineInput): InvoiceLine {
  const subtotal = BigInt(line.quantity) * BigInt(line.unitAmount);
  const tax = (subtotal * BigInt(line.taxRateBps) + 5_000n) / 10_000n;
  return {
    description: line.description,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    taxRateBps: line.taxRateBps,
    ...(line.productId ? { productId: line.productId } : {}),
    subtotal: Number(subtotal),
    tax: Number(tax),
    total: Number(subtotal + tax),
  };
}

export interface Totals {
  lines: InvoiceLine[];
  subtotal: number;
  taxTotal: number;
  total: number;
}

/** Prices every line; refuses (400, naming the field) an invoice whose total no amount field can hold. */
export function priceInvoice(lines: InvoiceLineInput[], path = 'body.lines'): Totals {
  const priced = lines.map(priceLine);
  let subtotal = 0n;
  let taxTotal = 0n;
  for (const line of priced) {
    subtotal += BigInt(line.subtotal);
    taxTotal += BigInt(line.tax);
  }
  if (subtotal + taxTotal > BigInt(MAX_AMOUNT)) {
    throw ValidationError.field(path, 'The invoice total is larger than any amount this CRM can hold.');
  }
  return {
    lines: priced,
    subtotal: Number(subtotal),
    taxTotal: Number(taxTotal),
    total: Number(subtotal + taxTotal),
  };
}

/** Exact decimal string of a minor-unit amount, e.g. 125000 EUR → "1250.00". */
export function toDecimalString(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * "1,250.00 EUR": grouped and with the currency's own minor digits (Intl.NumberFormat), the code
 * after the amount so it reads the same in any language. The decimal is passed as a string, which
 * Intl formats exactly, so no amount ever goes through a float.
 */
export function formatMoney(minor: number, currency: string): string {
  const format = numberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'code' });
  const parts = format.formatToParts(toDecimalString(minor, currency) as unknown as number);
  const number = parts
    .filter((p) => p.type !== 'currency' && p.type !== 'literal')
    .map((p) => p.value)
    .join('');
  return `${number} ${currency}`;
}

/** 2000 → "20%", 550 → "5.5%". */
export function formatTaxRate(bps: number): string {
  return `${(bps / 100).toString()}%`;
}
