/**
 * The locales a tenant or a contact may choose. A locale decides two things: the language of the
 * texts the product writes (its first subtag, one catalog per language) and how money, dates and
 * numbers are written (the whole tag, through Intl: `fr-FR` and `fr-CH` group thousands
 * differently). Adding a locale of a shipped language is one line here; adding a language is a
 * catalog file in messages/ and a line in catalog.ts.
 */
export const SUPPORTED_LOCALES = [
  'en-US',
  'en-GB',
  'en-IE',
  'en-CA',
  'en-AU',
  'fr-FR',
  'fr-BE',
  'fr-CH',
  'fr-CA',
  'fr-LU',
] as const;

export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** Where nobody chose: tenants that signed up before locales existed, and their contacts. */
export const DEFAULT_LOCALE: Locale = 'en-US';

export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

const supported = new Set<string>(SUPPORTED_LOCALES);

export function isSupportedLocale(value: unknown): value is Locale {
  return typeof value === 'string' && supported.has(value);
}

export function languageOf(locale: Locale): Language {
  return locale.slice(0, 2) as Language;
}

/**
 * The locale of a reader: the first of `candidates` that is supported (the contact's own, then the
 * tenant's), else the default.
 */
export function readerLocale(...candidates: Array<string | null | undefined>): Locale {
  return candidates.find(isSupportedLocale) ?? DEFAULT_LOCALE;
}
