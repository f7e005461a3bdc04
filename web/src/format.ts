import type { Schemas } from '@funnel/client';

/**
 * Money, dates and numbers in the tenant's locale, currency and time zone (Intl). Money arrives
 * in minor units of its currency; the currency's own number of decimals converts it (JPY has
 * none, EUR two). The tenant's locale setting is used when the tenant has one; until then, the
 * browser's language.
 */
export interface Formatter {
  locale: string;
  timeZone: string;
  currency: string;
  money(minor: number, currency?: string): string;
  /** Minor units from what a person typed in major units ("12.50" → 1250), or NaN. */
  toMinor(major: string, currency?: string): number;
  date(iso: string | undefined): string;
  dateTime(iso: string | undefined): string;
  time(iso: string | undefined): string;
  number(value: number): string;
  percent(ratio: number): string;
}

export function formatterFor(tenant: Schemas['Tenant']): Formatter {
  const locale = (tenant as { locale?: string }).locale ?? navigator.language ?? 'en';
  const timeZone = tenant.timeZone;
  // One formatter per currency: a list of 25 rows formats dozens of amounts.
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const moneyFormat = (currency: string) => {
    let format = moneyFormats.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency });
      moneyFormats.set(currency, format);
    }
    return format;
  };
  const digitsOf = (currency: string) => moneyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone });
  const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  });
  const timeFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone });
  const numberFormat = new Intl.NumberFormat(locale);
  const percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  return {
    locale,
    timeZone,
    currency: tenant.currency,
    money: (minor, currency = tenant.currency) =>
      moneyFormat(currency).format(minor / 10 ** digitsOf(currency)),
    toMinor: (major, currency = tenant.currency) => {
      const normalized = major.trim().replace(/\s/g, '').replace(',', '.');
      if (!/^\d+(\.\d+)?$/.test(normalized)) return Number.NaN;
      return Math.round(Number(normalized) * 10 ** digitsOf(currency));
    },
    // Date-only values (YYYY-MM-DD) are calendar days: shown as they are, not shifted by a zone.
    date: (iso) => (iso ? (iso.length === 10 ? dateOnly : dateFormat).format(new Date(iso)) : '—'),
    dateTime: (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : '—'),
    time: (iso) => (iso ? timeFormat.format(new Date(iso)) : '—'),
    number: (value) => numberFormat.format(value),
    percent: (ratio) => percentFormat.format(ratio),
  };
}
