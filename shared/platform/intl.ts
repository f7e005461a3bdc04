/**
 * Formatters by locale and options, made once: building an Intl formatter resolves the locale and
 * (for dates) loads the zone's rules, about 0.1 ms for a DateTimeFormat and 0.02 ms for a
 * NumberFormat, where formatting with one takes about a microsecond. Metering formats the date of
 * every API call, an export formats every row's amounts, the "reachable now" filter reads every
 * contact's weekday (docs/performance.md, "A contact's create").
 */
function cached<F>(make: (locale: string, options: object) => F) {
  const made = new Map<string, F>();
  return (locale: string, options: object): F => {
    const key = `${locale}|${JSON.stringify(options)}`;
    let format = made.get(key);
    if (!format) {
      format = make(locale, options);
      made.set(key, format);
    }
    return format;
  };
}

export const dateTimeFormat: (locale: string, options: Intl.DateTimeFormatOptions) => Intl.DateTimeFormat =
  cached((locale, options) => new Intl.DateTimeFormat(locale, options));

export const numberFormat: (locale: string, options: Intl.NumberFormatOptions) => Intl.NumberFormat = cached(
  (locale, options) => new Intl.NumberFormat(locale, options),
);

/** The digits after the decimal point of a currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  return numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}
