/**
 * The catalog and formats every text for people goes through. Use:
 *
 *   const t = await translator(contact?.locale, tenant.locale);
 *   t.t('dunning.summary.amountDue');  t.money(164550, 'EUR');  t.date('2026-03-09');
 *
 * See docs/locales.md.
 */
export type { MessageKey } from './catalog.ts';
export {
  DEFAULT_LOCALE,
  isSupportedLocale,
  type Language,
  type Locale,
  readerLocale,
  SUPPORTED_LOCALES,
} from './locales.ts';
export { type MessageValues, type Translator, translator } from './translator.ts';
