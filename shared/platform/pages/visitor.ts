import { preferredLanguage, preferredMediaType } from '../http/preferences.ts';
import { type Locale, SUPPORTED_LOCALES } from '../i18n/locales.ts';

/**
 * What a visitor's browser asks for: a page or a problem document, and in which language. Apart
 * from the error page itself (errors.tsx, with preact and the shell), so that a page answers a
 * client that wants JSON without loading them.
 */
const FIRST_OF_LANGUAGE: Record<string, Locale> = { en: 'en-US', fr: 'fr-FR' };

/** The supported locale the browser prefers: exact (fr-CA), else by language (fr-BE reads fr-FR). */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  const exact = preferredLanguage(header, SUPPORTED_LOCALES) as Locale | undefined;
  if (exact) return exact;
  const language = preferredLanguage(header, Object.keys(FIRST_OF_LANGUAGE));
  return language ? FIRST_OF_LANGUAGE[language] : undefined;
}

export function wantsHtml(accept: string | undefined): boolean {
  return (
    preferredMediaType(accept, ['text/html', 'application/problem+json', 'application/json']) === 'text/html'
  );
}
