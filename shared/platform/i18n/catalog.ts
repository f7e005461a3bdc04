import type { Language } from './locales.ts';
import type { en } from './messages/en.ts';

/**
 * The message catalog: every text the product itself writes to people (system emails, public
 * pages, print views), one file per language in messages/, each message in ICU MessageFormat.
 * English is the reference: its keys are the catalog's keys, and every other language must have
 * the same keys with the same arguments (test/unit/platform/i18n.test.ts fails otherwise).
 *
 * A language is loaded the first time a text in it is written, not when a function starts.
 */
export type MessageKey = keyof typeof en;
export type Catalog = Record<MessageKey, string>;

const LOADERS: Record<Language, () => Promise<Catalog>> = {
  en: async () => (await import('./messages/en.ts')).en,
  fr: async () => (await import('./messages/fr.ts')).fr,
};

export function loadCatalog(language: Language): Promise<Catalog> {
  return LOADERS[language]();
}
