import type { IntlMessageFormat } from 'intl-messageformat';
import { type Catalog, loadCatalog, type MessageKey } from './catalog.ts';
import { type Language, type Locale, languageOf, readerLocale } from './locales.ts';

export type MessageValues = Record<string, string | number>;

/**
 * Everything a text for one reader needs: the catalog's messages in the reader's language, and
 * money, dates and numbers written the way the reader's locale writes them.
 */
export interface Translator {
  readonly locale: Locale;
  readonly language: Language;
  /** A message of the catalog, its ICU arguments filled (plural and select included). */
  t(key: MessageKey, values?: MessageValues): string;
  /** An amount in integer minor units: `164550` EUR is `€1,645.50` in en-US, `1 645,50 €` in fr-FR. */
  money(minor: number, currency: string): string;
  /** A date-only value (`YYYY-MM-DD`, a calendar day wherever the reader is): `9 mars 2026`. */
  date(isoDate: string): string;
  /** An instant as the wall-clock date and time in `timeZone`. */
  dateTime(instant: string | Date, timeZone: string): string;
  number(value: number): string;
  /** A rate in basis points: 2050 is `20.5%` in English, `20,5 %` in French. */
  percent(bps: number): string;
  /** `a, b and c` / `a, b et c`. */
  list(items: string[]): string;
}

type Formatter = typeof IntlMessageFormat;

let loading: Promise<Formatter> | undefined;

/**
 * intl-messageformat (FormatJS) is loaded on the first text a function writes, not at cold start:
 * most invocations of most functions write none.
 */
function messageFormat(): Promise<Formatter> {
  loading ??= import('intl-messageformat').then((m) => m.IntlMessageFormat);
  return loading;
}

const translators = new Map<Locale, Translator>();

/** The translator of the first supported locale among `candidates` (contact's, then tenant's). */
export async function translator(...candidates: Array<string | null | undefined>): Promise<Translator> {
  const locale = readerLocale(...candidates);
  let found = translators.get(locale);
  if (!found) {
    const [Format, messages] = await Promise.all([messageFormat(), loadCatalog(languageOf(locale))]);
    found = createTranslator(locale, Format, messages);
    translators.set(locale, found);
  }
  return found;
}

/** Exact decimal text of a minor-unit amount (`164550`, 2 digits → `1645.50`), so no float is made. */
function decimalText(minor: number, digits: number): string {
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const sign = minor < 0 ? '-' : '';
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

// Intl formats a decimal string exactly (ECMA-402 NumberFormat v3); the types still say number.
type ExactFormat = Intl.NumberFormat & { format(value: string): string };

function createTranslator(locale: Locale, Format: Formatter, messages: Catalog): Translator {
  const language = languageOf(locale);
  const compiled = new Map<MessageKey, IntlMessageFormat>();
  const moneyFormats = new Map<string, ExactFormat>();
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const numbers = new Intl.NumberFormat(locale);
  const percents = new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: 2,
  }) as ExactFormat;
  const lists = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  const dateTimes = new Map<string, Intl.DateTimeFormat>();
  return {
    locale,
    language,
    t(key, values) {
      let message = compiled.get(key);
      if (!message) {
        message = new Format(messages[key], locale);
        compiled.set(key, message);
      }
      return String(message.format(values));
    },
    money(minor, currency) {
      let format = moneyFormats.get(currency);
      if (!format) {
        format = new Intl.NumberFormat(locale, { style: 'currency', currency }) as ExactFormat;
        moneyFormats.set(currency, format);
      }
      return format.format(decimalText(minor, format.resolvedOptions().maximumFractionDigits ?? 2));
    },
    date(isoDate) {
      return dates.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`));
    },
    dateTime(instant, timeZone) {
      let format = dateTimes.get(timeZone);
      if (!format) {
        format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone });
        dateTimes.set(timeZone, format);
      }
      return format.format(typeof instant === 'string' ? new Date(instant) : instant);
    },
    number(value) {
      return numbers.format(value);
    },
    percent(bps) {
      return percents.format(decimalText(bps, 4));
    },
    list(items) {
      return lists.format(items);
    },
  };
}
