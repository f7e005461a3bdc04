import type { Language } from './locales.ts';
import { en } from './messages/en.ts';
import { fr } from './messages/fr.ts';

/**
 * The message catalog: every text the product itself writes to people (system emails, public
 * pages, print views), one file per language, each message in ICU MessageFormat. English is the
 * reference: its keys are the catalog's keys, and every other language must have the same keys
 * with the same arguments (test/unit/platform/i18n.test.ts fails otherwise).
 */
export type MessageKey = keyof typeof en;

export const CATALOGS: Record<Language, Record<MessageKey, string>> = { en, fr };
